/**
 * No false alarms: lint around real handlers — a Hono application, trowel's own HTTP errors and
 * body readers, and the same stack behind trowel's server on a real socket — finds nothing.
 */
import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { etag } from 'hono/etag';
import { stream, streamText } from 'hono/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readForm, readJson } from '../core/body.ts';
import { Context } from '../core/context.ts';
import { compose, type Handler } from '../core/handler.ts';
import {
  ContentTooLarge,
  InternalServerError,
  MethodNotAllowed,
  MovedPermanently,
  NotFound,
  NotModified,
  ProxyAuthenticationRequired,
  SeeOther,
  ServiceUnavailable,
  Unauthorized,
  UpgradeRequired,
  httpErrors,
  type HttpError,
} from '../core/http-error.ts';
import { prefixStripped } from '../core/mount.ts';
import { serve, type TrowelServer } from '../server/index.ts';
import { lint, type LintFinding } from './index.ts';

function honoApp(): Hono {
  const app = new Hono();
  app.use('/tagged', etag());
  app.get('/text', (c) => c.text('hello'));
  app.get('/json', (c) => c.json({ a: 1 }));
  app.get('/html', (c) => c.html('<p>hi</p>'));
  app.get('/redirect', (c) => c.redirect('/text'));
  app.get('/created', (c) => c.json({ id: 7 }, 201, { location: '/items/7' }));
  app.get('/empty', (c) => c.body(null, 204));
  app.get('/cookies', (c) => {
    setCookie(c, 'a', '1', { expires: new Date(Date.now() + 86_400_000), path: '/' });
    setCookie(c, 'b', '2', { maxAge: 60, httpOnly: true, sameSite: 'Lax' });
    return c.text('set');
  });
  app.get('/tagged', (c) => c.text('tagged body'));
  app.get('/stream', (c) => {
    c.header('content-type', 'text/plain; charset=utf-8');
    return stream(c, async (s) => {
      await s.write('one ');
      await s.sleep(1);
      await s.write('two');
    });
  });
  app.get('/stream-text', (c) =>
    streamText(c, async (s) => {
      await s.write('text');
    }),
  );
  app.post('/form', async (c) => c.json(await c.req.parseBody()));
  app.post('/echo', (c) => c.body(c.req.raw.body ?? '', 200, { 'content-type': 'text/plain' }));
  return app;
}

interface Exchange {
  readonly response: Response;
  readonly body: string;
  readonly findings: LintFinding[];
}

async function through(
  handler: Handler,
  request: Request,
  remoteAddr = '127.0.0.1',
): Promise<Exchange> {
  const findings: LintFinding[] = [];
  const app = lint({ onFinding: (f) => findings.push(f) })(handler);
  const response = await app(request, new Context(request, { remoteAddr }));
  return { response, body: await response.text(), findings };
}

const url = (path: string): string => `http://localhost${path}`;

describe('lint around a Hono application', () => {
  const app = honoApp();
  const fetchHandler: Handler = (request) => app.fetch(request);

  it.each([
    ['GET', '/text', 200, 'hello'],
    ['GET', '/json', 200, '{"a":1}'],
    ['GET', '/html', 200, '<p>hi</p>'],
    ['GET', '/missing', 404, '404 Not Found'],
    ['GET', '/redirect', 302, ''],
    ['GET', '/created', 201, '{"id":7}'],
    ['GET', '/empty', 204, ''],
    ['GET', '/cookies', 200, 'set'],
    ['GET', '/tagged', 200, 'tagged body'],
    ['GET', '/stream', 200, 'one two'],
    ['HEAD', '/text', 200, ''],
    ['HEAD', '/missing', 404, ''],
  ])('finds nothing in %s %s', async (method, path, status, body) => {
    const result = await through(fetchHandler, new Request(url(path), { method }));
    expect(result.response.status).toBe(status);
    expect(result.body).toBe(body);
    expect(result.findings).toEqual([]);
  });

  it('finds nothing in a 304 from the etag middleware', async () => {
    const first = await through(fetchHandler, new Request(url('/tagged')));
    const tag = first.response.headers.get('etag') ?? '';
    const request = new Request(url('/tagged'), { headers: { 'if-none-match': tag } });
    const second = await through(fetchHandler, request);
    expect(second.response.status).toBe(304);
    expect(second.findings).toEqual([]);
  });

  it('finds nothing in a posted urlencoded form', async () => {
    const request = new Request(url('/form'), {
      method: 'POST',
      body: new URLSearchParams({ a: 'b' }),
    });
    const result = await through(fetchHandler, request);
    expect(result.body).toBe('{"a":"b"}');
    expect(result.findings).toEqual([]);
  });

  it('finds nothing in a posted multipart form', async () => {
    const form = new FormData();
    form.append('name', 'Ada');
    const result = await through(
      fetchHandler,
      new Request(url('/form'), { method: 'POST', body: form }),
    );
    expect(result.body).toBe('{"name":"Ada"}');
    expect(result.findings).toEqual([]);
  });

  it('finds nothing in a request body streamed back', async () => {
    const request = new Request(url('/echo'), { method: 'POST', body: 'round trip' });
    const result = await through(fetchHandler, request);
    expect(result.body).toBe('round trip');
    expect(result.findings).toEqual([]);
  });

  it('finds nothing under a mount, through prefixStripped()', async () => {
    const request = new Request(url('/api/json'));
    const ctx = new Context(request, { scriptName: '/api', pathInfo: '/json', remoteAddr: '::1' });
    const findings: LintFinding[] = [];
    const mounted = prefixStripped(lint({ onFinding: (f) => findings.push(f) })(fetchHandler));
    expect(await (await mounted(request, ctx)).text()).toBe('{"a":1}');
    expect(findings).toEqual([]);
  });

  it('warns only about the Transfer-Encoding that streamText() sets', async () => {
    const result = await through(fetchHandler, new Request(url('/stream-text')));
    expect(result.body).toBe('text');
    expect(result.findings.map((f) => [f.rule, f.severity])).toEqual([
      ['response-hop-by-hop-header', 'warning'],
    ]);
  });
});

describe('lint around trowel’s HTTP errors', () => {
  const errors: readonly [string, () => HttpError][] = [
    ['404', () => new NotFound('no such page')],
    ['405 with Allow', () => new MethodNotAllowed(['GET', 'HEAD'])],
    ['401 with a challenge', () => new Unauthorized('Basic realm="site"')],
    ['407 with Proxy-Authenticate', () => new ProxyAuthenticationRequired('Basic realm="proxy"')],
    ['426 with Upgrade', () => new UpgradeRequired('websocket')],
    [
      '304 with validators',
      () =>
        new NotModified(undefined, { headers: { etag: '"v7"', 'cache-control': 'max-age=60' } }),
    ],
    ['301 to a path', () => new MovedPermanently('/new/café')],
    ['303 to a URL', () => new SeeOther('https://example.com/done?ok=1')],
    ['503 with Retry-After', () => new ServiceUnavailable('maintenance', { retryAfter: 120 })],
    [
      '413 that closes the connection',
      () => new ContentTooLarge('at most 1 KiB', { headers: { connection: 'close' } }),
    ],
    ['500', () => new InternalServerError('secret detail')],
  ];
  const accepts = ['text/plain', 'text/html', 'application/json', 'application/problem+json'];

  it.each(errors.flatMap(([name, make]) => accepts.map((accept) => [name, accept, make] as const)))(
    'finds nothing in %s rendered for %s',
    async (_, accept, make) => {
      const app = compose(httpErrors())(() => {
        throw make();
      });
      const result = await through(app, new Request(url('/'), { headers: { accept } }));
      expect(result.response.status).toBe(make().status);
      expect(result.findings).toEqual([]);
    },
  );

  it.each(errors)('finds nothing in %s answered to HEAD', async (_, make) => {
    const app = compose(httpErrors())(() => Promise.reject(make()));
    const result = await through(app, new Request(url('/'), { method: 'HEAD' }));
    expect(result.body).toBe('');
    expect(result.findings).toEqual([]);
  });
});

describe('lint around trowel’s body readers', () => {
  const formEcho: Handler = async (request) =>
    Response.json(Object.fromEntries(await readForm(request)));

  it('finds nothing in a readForm handler given a urlencoded form', async () => {
    const request = new Request(url('/'), {
      method: 'POST',
      body: new URLSearchParams({ a: '1', b: '2' }),
    });
    const result = await through(formEcho, request);
    expect(JSON.parse(result.body)).toEqual({ a: '1', b: '2' });
    expect(result.findings).toEqual([]);
  });

  it('finds nothing in a readForm handler given a multipart form with a file', async () => {
    const form = new FormData();
    form.append('title', 'notes');
    form.append('file', new Blob(['contents'], { type: 'text/plain' }), 'notes.txt');
    const handler: Handler = async (request) => {
      const data = await readForm(request);
      const file = data.get('file') as File;
      return Response.json({ title: data.get('title'), size: file.size });
    };
    const result = await through(handler, new Request(url('/'), { method: 'POST', body: form }));
    expect(JSON.parse(result.body)).toEqual({ title: 'notes', size: 8 });
    expect(result.findings).toEqual([]);
  });

  it('finds nothing when httpErrors() answers a body over the limit with 413', async () => {
    const app = compose(httpErrors())(async (request) =>
      Response.json(await readJson(request, { limit: 4 })),
    );
    const request = new Request(url('/'), { method: 'POST', body: '{"long":true}' });
    const result = await through(app, request);
    expect(result.response.status).toBe(413);
    expect(result.findings).toEqual([]);
  });
});

describe('lint behind trowel’s server, on a real socket', () => {
  const findings: LintFinding[] = [];
  let server: TrowelServer;

  beforeAll(async () => {
    const hono = honoApp();
    const app = compose(
      lint({ onFinding: (f) => findings.push(f) }),
      httpErrors(),
    )(async (request, ctx) => {
      if (ctx.pathInfo === '/trowel/form') {
        return Response.json(Object.fromEntries(await readForm(request)));
      }
      if (ctx.pathInfo.startsWith('/trowel/')) throw new NotFound();
      return hono.fetch(request);
    });
    server = await serve(app, { port: 0, host: '127.0.0.1', onError: () => undefined });
  });

  afterAll(async () => {
    await server.close();
  });

  it.each([
    ['GET', '/text', 200],
    ['GET', '/stream', 200],
    ['HEAD', '/json', 200],
    ['GET', '/missing', 404],
    ['GET', '/redirect', 302],
    ['GET', '/trowel/nowhere', 404],
    ['GET', '/text?q=a%20b', 200],
  ])('finds nothing in %s %s', async (method, path, status) => {
    findings.length = 0;
    const response = await fetch(`${server.url}${path}`, { method, redirect: 'manual' });
    await response.arrayBuffer();
    expect(response.status).toBe(status);
    expect(findings).toEqual([]);
  });

  it('finds nothing in a posted form', async () => {
    findings.length = 0;
    const response = await fetch(`${server.url}/trowel/form`, {
      method: 'POST',
      body: new URLSearchParams({ q: 'lint' }),
    });
    expect(await response.json()).toEqual({ q: 'lint' });
    expect(findings).toEqual([]);
  });
});
