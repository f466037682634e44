import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { Context, createKey } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { isLintError } from '../lint/index.ts';
import { AppError, TestApp, TESTING, TESTING_VARIABLES, Upload } from './index.ts';

const USER = createKey<string>('test.user');

interface Echo {
  method: string;
  url: string;
  path: string;
  query: string;
  body: string;
  contentType: string | null;
  headers: Record<string, string>;
  ctx: {
    scriptName: string;
    pathInfo: string;
    remoteAddr: string;
    remotePort: number;
    scheme: string;
    host: string;
    user: string | null;
    testing: boolean;
  };
}

/** Answers with what it received, as JSON. */
const echo: Handler = async (request, ctx) => {
  const url = new URL(request.url);
  const echoed: Echo = {
    method: request.method,
    url: request.url,
    path: url.pathname,
    query: url.search,
    body: await request.text(),
    contentType: request.headers.get('content-type'),
    headers: Object.fromEntries(request.headers),
    ctx: {
      scriptName: ctx.scriptName,
      pathInfo: ctx.pathInfo,
      remoteAddr: ctx.remoteAddr,
      remotePort: ctx.remotePort,
      scheme: ctx.scheme,
      host: ctx.host,
      user: ctx.get(USER) ?? null,
      testing: ctx.get(TESTING) ?? false,
    },
  };
  return request.method === 'HEAD'
    ? new Response(null, { headers: { 'content-type': 'application/json' } })
    : Response.json(echoed);
};

const echoed = (res: { json: unknown }): Echo => res.json as Echo;

const status =
  (code: number, body = `status ${code}`): Handler =>
  () =>
    new Response(body, {
      status: code,
      headers: { 'content-type': 'text/plain', 'x-why': 'test' },
    });

describe('TestApp requests', () => {
  const app = new TestApp(echo);

  it.each(['get', 'head', 'options', 'post', 'put', 'patch', 'delete'] as const)(
    'sends %s with its method',
    async (method) => {
      const res = await app[method]('/m');
      expect(res.request.method).toBe(method.toUpperCase());
      if (method !== 'head') expect(echoed(res).method).toBe(method.toUpperCase());
    },
  );

  it('sends any method through request()', async () => {
    expect(echoed(await app.request('propfind', '/')).method).toBe('PROPFIND');
  });

  it.each([
    [{ a: '1', b: 2 }, '?a=1&b=2'],
    [{ a: ['1', '2'] }, '?a=1&a=2'],
    ['x=1&y', '?x=1&y'],
    [
      [
        ['a', '1'],
        ['b', false],
      ] as const,
      '?a=1&b=false',
    ],
  ])('puts GET params %j in the query', async (params, query) => {
    expect(echoed(await app.get('/p', { params })).query).toBe(query);
  });

  it('adds GET params after a query already in the URL', async () => {
    expect(echoed(await app.get('/p?z=0', { params: { a: 1 } })).query).toBe('?z=0&a=1');
  });

  it('refuses uploadFiles on a GET', async () => {
    await expect(
      app.get('/', { uploadFiles: [{ field: 'f', filename: 'a', content: '' }] }),
    ).rejects.toThrow(/cannot carry uploadFiles/);
  });

  it.each(['post', 'put', 'patch', 'delete'] as const)(
    'form-encodes %s params into the body',
    async (method) => {
      const res = echoed(await app[method]('/', { params: { a: ['1', '2'], b: 'x y' } }));
      expect([res.body, res.contentType]).toEqual([
        'a=1&a=2&b=x+y',
        'application/x-www-form-urlencoded',
      ]);
    },
  );

  it('sends a string body with its declared content type', async () => {
    const res = echoed(await app.post('/', { params: '<x/>', contentType: 'application/xml' }));
    expect([res.body, res.contentType]).toEqual(['<x/>', 'application/xml']);
  });

  it('sends bytes as they are', async () => {
    const res = echoed(await app.put('/', { params: new TextEncoder().encode('raw') }));
    expect(res.body).toBe('raw');
  });

  it('sends no body and no content type for a POST without params', async () => {
    const res = echoed(await app.post('/'));
    expect([res.body, res.contentType]).toEqual(['', null]);
  });

  it.each(['postJson', 'putJson', 'patchJson', 'deleteJson'] as const)(
    '%s sends JSON',
    async (method) => {
      const res = echoed(await app[method]('/', { a: [1, 'two'] }));
      expect([res.method, res.body, res.contentType]).toEqual([
        method.replace('Json', '').toUpperCase(),
        '{"a":[1,"two"]}',
        'application/json',
      ]);
    },
  );

  it('lets a JSON helper take another content type', async () => {
    const res = echoed(await app.postJson('/', 1, { contentType: 'application/merge-patch+json' }));
    expect(res.contentType).toBe('application/merge-patch+json');
  });

  it('refuses to send undefined as JSON', async () => {
    await expect(app.postJson('/', undefined)).rejects.toThrow(/cannot send undefined as JSON/);
  });

  it('uploads files as multipart/form-data', async () => {
    const upload: Handler = async (request) => {
      const form = await request.formData();
      const file = form.get('doc') as File;
      return Response.json({ title: form.get('title'), name: file.name, text: await file.text() });
    };
    const res = await new TestApp(upload).post('/', {
      params: { title: 'T' },
      uploadFiles: [
        { field: 'doc', filename: 'a.txt', content: 'hello', contentType: 'text/plain' },
      ],
    });
    expect(res.json).toEqual({ title: 'T', name: 'a.txt', text: 'hello' });
  });

  it('sends an Upload given in params as a file', async () => {
    const res = echoed(await app.post('/', { params: { f: new Upload('b.bin', 'xyz') } }));
    expect(res.contentType).toMatch(/^multipart\/form-data; boundary=/);
    expect(res.body).toContain('filename="b.bin"');
  });

  it('sends custom headers', async () => {
    const res = echoed(await app.get('/', { headers: { accept: 'text/html' } }));
    expect(res.headers['accept']).toBe('text/html');
  });

  it('sends the app default headers, which a request can override', async () => {
    const withDefaults = new TestApp(echo, { headers: { accept: 'a/b', 'x-a': '1' } });
    const res = echoed(await withDefaults.get('/', { headers: { accept: 'c/d' } }));
    expect([res.headers['accept'], res.headers['x-a']]).toEqual(['c/d', '1']);
  });

  it.each(['get', 'post', 'put', 'delete', 'options'] as const)(
    'adds X-Requested-With to a %s with xhr',
    async (method) => {
      const res = echoed(await app[method]('/', { xhr: true }));
      expect(res.headers['x-requested-with']).toBe('XMLHttpRequest');
    },
  );

  it.each([
    ['/path#frag', 'http://localhost/path'],
    ['/path?q=1#frag', 'http://localhost/path?q=1'],
  ])('drops the fragment of %s', async (url, sent) => {
    expect(echoed(await app.get(url)).url).toBe(sent);
  });

  it('sends a path requested again to the same URL', async () => {
    const urls = [];
    for (const path of ['/again#one', '/again', '/again#two'])
      urls.push(echoed(await app.get(path)).url);
    expect(urls).toEqual(Array(3).fill('http://localhost/again'));
  });

  it('resolves against the base URL as it is at the time of the request', async () => {
    const moving = new TestApp(echo);
    expect(echoed(await moving.get('/p')).url).toBe('http://localhost/p');
    moving.baseUrl.host = 'example.org:8080';
    expect(echoed(await moving.get('/p')).url).toBe('http://example.org:8080/p');
  });

  it('percent-encodes a non-ASCII path and query', async () => {
    const res = echoed(await app.get('/é?x=ü'));
    expect([res.path, res.query]).toEqual(['/%C3%A9', '?x=%C3%BC']);
  });

  it('accepts a URL object', async () => {
    expect(echoed(await app.get(new URL('http://localhost/u'))).path).toBe('/u');
  });

  it('resolves relative URLs against baseUrl', async () => {
    const res = echoed(await new TestApp(echo, { baseUrl: 'https://example.org:8443' }).get('/b'));
    expect(res.url).toBe('https://example.org:8443/b');
  });

  it('reads a body that arrives in several chunks', async () => {
    const chunked: Handler = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            for (const part of ['one ', 'two ', 'three'])
              controller.enqueue(new TextEncoder().encode(part));
            controller.close();
          },
        }),
        { headers: { 'content-type': 'text/plain' } },
      );
    expect((await new TestApp(chunked).get('/')).text).toBe('one two three');
  });

  it('gives a HEAD response no body', async () => {
    const res = await app.head('/');
    expect(res.body.length).toBe(0);
  });
});

describe('TestApp with a Hono app', () => {
  it('drives app.fetch, lint included, with cookies and redirects', async () => {
    const hono = new Hono();
    hono.post('/login', (c) => {
      c.header('set-cookie', 'sid=h; Path=/');
      return c.redirect('/me', 303);
    });
    hono.get('/me', (c) => c.json({ cookie: c.req.header('cookie') ?? null }));
    const app = new TestApp(hono.fetch);
    const res = await (await app.post('/login')).follow();
    expect(res.json).toEqual({ cookie: 'sid=h' });
  });
});

describe('TestApp context', () => {
  it('builds the context from the URL, with remoteAddr 127.0.0.1', async () => {
    const res = echoed(await new TestApp(echo).get('https://example.com:8443/a/b'));
    expect(res.ctx).toEqual({
      scriptName: '',
      pathInfo: '/a/b',
      remoteAddr: '127.0.0.1',
      remotePort: 0,
      scheme: 'https',
      host: 'example.com:8443',
      user: null,
      testing: true,
    });
  });

  it('takes context fields from the app, and per request over them', async () => {
    const app = new TestApp(echo, { extraContext: { remoteAddr: '10.0.0.1', remotePort: 5 } });
    expect(echoed(await app.get('/')).ctx).toMatchObject({ remoteAddr: '10.0.0.1', remotePort: 5 });
    const res = echoed(await app.get('/', { extraContext: { remoteAddr: '10.0.0.2' } }));
    expect(res.ctx).toMatchObject({ remoteAddr: '10.0.0.2', remotePort: 5 });
  });

  it('splits the path at the scriptName', async () => {
    const app = new TestApp(echo, { extraContext: { scriptName: '/app' } });
    expect(echoed(await app.get('/app/x')).ctx).toMatchObject({
      scriptName: '/app',
      pathInfo: '/x',
    });
    expect(echoed(await app.get('/app')).ctx).toMatchObject({ scriptName: '/app', pathInfo: '' });
  });

  it('refuses a request outside the scriptName', async () => {
    const app = new TestApp(echo, { extraContext: { scriptName: '/app' } });
    await expect(app.get('/application')).rejects.toThrow(/not under the scriptName \/app/);
  });

  it.each(['app', '/app/', '/'])('refuses the scriptName %j when built', (scriptName) => {
    expect(() => new TestApp(echo, { extraContext: { scriptName } })).toThrow(
      expect.objectContaining({ code: 'TROWEL_ERR_TESTING_OPTIONS' }),
    );
  });

  it('refuses a malformed scriptName given per request', async () => {
    await expect(
      new TestApp(echo).get('/x', { extraContext: { scriptName: 'x' } }),
    ).rejects.toThrow(TypeError);
  });

  it('passes the signal on', async () => {
    const controller = new AbortController();
    const seen: AbortSignal[] = [];
    const app = new TestApp((_req, ctx) => {
      seen.push(ctx.signal);
      return new Response(null, { status: 204 });
    });
    await app.get('/', { extraContext: { signal: controller.signal } });
    expect(seen[0]).toBe(controller.signal);
  });

  it('lets the app callback and then the request callback set typed keys', async () => {
    const order: string[] = [];
    const app = new TestApp(echo, {
      context: (ctx) => {
        order.push('app');
        ctx.set(USER, 'ada');
      },
    });
    expect(echoed(await app.get('/')).ctx.user).toBe('ada');
    const res = await app.get('/', {
      context: (ctx: Context) => {
        order.push('request');
        ctx.set(USER, 'bob');
      },
    });
    expect(echoed(res).ctx.user).toBe('bob');
    expect(order).toEqual(['app', 'app', 'request']);
  });

  it('shows what the app left in TESTING_VARIABLES', async () => {
    const app = new TestApp((_req, ctx) => {
      ctx.get(TESTING_VARIABLES)?.set('template', 'home.html');
      return new Response(null, { status: 204 });
    });
    expect((await app.get('/')).testingVariables.get('template')).toBe('home.html');
  });
});

describe('TestApp status checks', () => {
  it('fails a 404 by default with an AppError showing status, headers and body', async () => {
    const error: unknown = await new TestApp(status(404, 'no such page'))
      .get('/x')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    const message = (error as AppError).message;
    expect(message).toContain(
      'Bad response: 404 Not Found (expected 2xx or 3xx) for GET http://localhost/x',
    );
    expect(message).toContain('x-why: test');
    expect(message).toContain('no such page');
    expect((error as AppError).status).toBe(404);
  });

  it.each([
    [200, undefined],
    [302, undefined],
    [404, 404],
    [404, [404, 410]],
    [404, '4*'],
    [503, '*'],
    [418, "418 I'm a Teapot"],
  ] as const)('passes a %i expected as %j', async (code, expected) => {
    const handler: Handler = () =>
      new Response(null, { status: code, headers: code === 302 ? { location: '/' } : {} });
    const res = await new TestApp(handler).get(
      '/',
      expected === undefined ? {} : { status: expected },
    );
    expect(res.status).toBe(code);
  });

  it.each([
    [200, 404],
    [500, '4*'],
    [500, [200, 201]],
    [404, undefined],
  ] as const)('fails a %i expected as %j', async (code, expected) => {
    await expect(
      new TestApp(status(code)).get('/', expected === undefined ? {} : { status: expected }),
    ).rejects.toThrow(AppError);
  });

  it('uses the response reason phrase in the status line', async () => {
    const app = new TestApp(() => new Response(null, { status: 299, statusText: 'Custom' }));
    expect((await app.get('/', { status: '299 Custom' })).statusText).toBe('Custom');
  });

  it('refuses a malformed expectation', async () => {
    await expect(new TestApp(echo).get('/', { status: 42 })).rejects.toThrow(TypeError);
  });

  it('lets an exception from the handler through unchanged', async () => {
    const boom = new Error('boom');
    await expect(
      new TestApp(() => {
        throw boom;
      }).get('/'),
    ).rejects.toBe(boom);
  });
});

describe('TestApp lint', () => {
  const badEtag: Handler = () =>
    new Response('x', { headers: { 'content-type': 'text/plain', etag: 'v1' } });
  // Bytes, unlike a string, get no Content-Type from the Response constructor.
  const untyped: Handler = () => new Response(new TextEncoder().encode('no type'));

  it('fails a response whose header fields break the rules', async () => {
    const error: unknown = await new TestApp(badEtag).get('/').catch((e: unknown) => e);
    expect(isLintError(error) && error.finding.rule).toBe('response-etag');
  });

  it('fails a body that breaks the rules while it is read', async () => {
    const short: Handler = () =>
      new Response('abc', { headers: { 'content-type': 'text/plain', 'content-length': '9' } });
    const error: unknown = await new TestApp(short).get('/').catch((e: unknown) => e);
    expect(isLintError(error) && error.finding.rule).toBe('response-content-length-mismatch');
  });

  it('fails a handler that returns something other than a Response', async () => {
    const bad = (() => 'text') as unknown as Handler;
    const error: unknown = await new TestApp(bad).get('/').catch((e: unknown) => e);
    expect(isLintError(error) && error.finding.rule).toBe('response-type');
  });

  it('lets a warning through', async () => {
    const app = new TestApp(untyped, { lint: { onFinding: () => undefined } });
    expect((await app.get('/')).text).toBe('no type');
  });

  it('takes lint options, such as a warning made an error', async () => {
    const app = new TestApp(untyped, {
      lint: { rules: { 'response-content-type-missing': 'error' } },
    });
    await expect(app.get('/')).rejects.toThrow(/response-content-type-missing/);
  });

  it('can be turned off', async () => {
    expect((await new TestApp(badEtag, { lint: false }).get('/')).text).toBe('x');
  });

  it('still catches a body of strings with lint off', async () => {
    const strings: Handler = () =>
      new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue('text');
            controller.close();
          },
        }),
        { headers: { 'content-type': 'text/plain' } },
      );
    await expect(new TestApp(strings, { lint: false }).get('/')).rejects.toThrow(
      /body yielded string, not bytes/,
    );
  });

  it('still catches a non-Response with lint off', async () => {
    const bad = (() => 42) as unknown as Handler;
    await expect(new TestApp(bad, { lint: false }).get('/')).rejects.toThrow(
      /returned number, not a Response/,
    );
  });
});

describe('TestApp authorization', () => {
  it('sends Basic credentials', async () => {
    const app = new TestApp(echo);
    app.setAuthorization(['Basic', 'ada', 'pässword']);
    const header = echoed(await app.get('/')).headers['authorization'];
    expect(header).toBe(`Basic ${Buffer.from('ada:pässword').toString('base64')}`);
    expect(app.authorization).toBe(header);
  });

  it('sends a Bearer token, and nothing once removed', async () => {
    const app = new TestApp(echo);
    app.setAuthorization(['Bearer', 'tok']);
    expect(echoed(await app.get('/')).headers['authorization']).toBe('Bearer tok');
    app.setAuthorization(undefined);
    expect(echoed(await app.get('/')).headers['authorization']).toBeUndefined();
  });

  it.each([[['Basic', 'a:b', 'c']], [['Digest', 'x']]])('refuses %j', (credentials) => {
    expect(() => {
      new TestApp(echo).setAuthorization(credentials as unknown as ['Bearer', string]);
    }).toThrow(TypeError);
  });
});

describe('TestApp options', () => {
  it.each([
    [42, 'TROWEL_ERR_TESTING_APP'],
    ['ftp://x/', 'TROWEL_ERR_TESTING_APP'],
    ['not a url', 'TROWEL_ERR_TESTING_APP'],
  ])('refuses the app %j', (app, code) => {
    expect(() => new TestApp(app as unknown as string)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses a relative baseUrl', () => {
    expect(() => new TestApp(echo, { baseUrl: '/x' })).toThrow(
      expect.objectContaining({ code: 'TROWEL_ERR_TESTING_APP' }),
    );
  });

  it.each([-1, 1.5, Number.NaN])('refuses maxRedirects %d', (maxRedirects) => {
    let error: unknown;
    try {
      new TestApp(echo, { maxRedirects });
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error) && error.code).toBe('TROWEL_ERR_TESTING_OPTIONS');
  });
});
