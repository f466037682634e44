import { describe, expect, it } from 'vitest';
import { createKey, Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { REMOTE_USER } from '../core/keys.ts';
import { verifySignature } from '../forwarded/signature.ts';
import { urlMap } from '../urlmap/index.ts';
import { echo, fields, front, send, upstream } from './harness.fixture.ts';
import { proxy } from './index.ts';

const quiet = { onError: () => undefined };

describe('proxy() path mapping', () => {
  it.each([
    ['/', '/a%2Fb', '/a%2Fb'],
    ['/app/', '/x', '/app/x'],
    ['/app', '/x', '/app/x'],
    ['/app/', '/', '/app/'],
    ['/app', '/', '/app/'],
    ['/', '/a%20b/~user/%3F%23/%C3%A9', '/a%20b/~user/%3F%23/%C3%A9'],
    ['/', '/é', '/%C3%A9'],
    ['/app/?x=1', '/p?q=1', '/app/p?q=1&x=1'],
    ['/app?x=1', '/p', '/app/p?x=1'],
    ['/', '/p?a=%26&b=%2F', '/p?a=%26&b=%2F'],
    ['/', '//double', '//double'],
  ])('maps target %s and request %s to %s', async (targetPath, requestPath, expected) => {
    const up = await upstream();
    const server = await front(proxy(`${up.url}${targetPath}`, quiet));
    const res = await send(`${server.url}${requestPath}`);
    expect(res.status).toBe(200);
    expect(up.seen[0]?.url).toBe(expected);
  });

  it('sends the target path alone for a request to the mount point itself', async () => {
    const up = await upstream();
    const server = await front(urlMap({ '/front': proxy(`${up.url}/app/`, quiet) }));
    await send(`${server.url}/front`);
    expect(up.seen[0]?.url).toBe('/app/');
  });

  it('drops the mount prefix by default', async () => {
    const up = await upstream();
    const server = await front(urlMap({ '/front': proxy(`${up.url}/app`, quiet) }));
    await send(`${server.url}/front/x%2Fy?q`);
    expect(up.seen[0]?.url).toBe('/app/x%2Fy?q');
  });

  it('keeps the mount prefix with stripScriptName: false', async () => {
    const up = await upstream();
    const app = proxy(`${up.url}/app`, { ...quiet, stripScriptName: false });
    const server = await front(urlMap({ '/front': app }));
    await send(`${server.url}/front/x`);
    expect(up.seen[0]?.url).toBe('/app/front/x');
  });

  it.each(['/%2e%2e/admin', '/x/../../admin', '/.%2E/admin'])(
    'answers 400 when %s would leave the target path',
    async (pathInfo) => {
      const up = await upstream();
      const app = proxy(`${up.url}/app`, quiet);
      const request = new Request('http://front.example/');
      const res = await app(request, new Context(request, { pathInfo }));
      expect(res.status).toBe(400);
      expect(up.seen).toHaveLength(0);
    },
  );

  it.each(['/..;/admin', '/..%3B/admin', '/..%2Fadmin', '/%2e%2e%5cadmin'])(
    'answers 400 for %s, a .. some backends resolve above the target path',
    async (path) => {
      const up = await upstream();
      const server = await front(proxy(`${up.url}/app/`, quiet));
      expect((await send(`${server.url}${path}`)).status).toBe(400);
      expect(up.seen).toHaveLength(0);
    },
  );

  it('resolves dot-segments that stay under the target path', async () => {
    const up = await upstream();
    const app = proxy(`${up.url}/app`, quiet);
    const request = new Request('http://front.example/');
    const res = await app(request, new Context(request, { pathInfo: '/a/%2e%2e/b' }));
    expect(res.status).toBe(200);
    expect(up.seen[0]?.url).toBe('/app/b');
  });

  it('percent-encodes a ? or # a hand-made context puts in the path', async () => {
    const up = await upstream();
    const app = proxy(up.url, quiet);
    const request = new Request('http://front.example/');
    await app(request, new Context(request, { pathInfo: '/a?b#c d' }));
    expect(up.seen[0]?.url).toBe('/a%3Fb%23c%20d');
  });
});

describe('proxy() methods', () => {
  it('answers 405 with Allow for a disallowed method', async () => {
    const up = await upstream();
    const server = await front(proxy(up.url, { ...quiet, methods: ['get', 'POST'] }));
    const res = await send(`${server.url}/`, { method: 'DELETE' });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, POST');
    expect(up.seen).toHaveLength(0);
  });

  it('compares methods case-insensitively', async () => {
    const up = await upstream();
    const server = await front(proxy(up.url, { ...quiet, methods: ['post'] }));
    expect((await send(`${server.url}/`, { method: 'POST', body: 'x' })).status).toBe(200);
  });

  it('refuses HEAD unless it is listed, as Paste did', async () => {
    const up = await upstream();
    const server = await front(proxy(up.url, { ...quiet, methods: ['GET'] }));
    expect((await send(`${server.url}/`, { method: 'HEAD' })).status).toBe(405);
  });
});

describe('proxy() request fields', () => {
  const CFG = createKey<unknown>('test.cfg');
  const WEIRD = createKey<string>('test.weird');
  const MISSING = createKey<string>('test.missing');

  it('sends exactly the expected fields upstream (WSGIProxy §1.9 request)', async () => {
    const up = await upstream();
    const app = proxy(`${up.url}/myapp?x=1`, {
      ...quiet,
      wsgiproxy: true,
      transport: {
        str: { REMOTE_USER, MISSING, weird: WEIRD },
        json: { cfg: CFG },
      },
    });
    const withUser: Handler = (request, ctx) => {
      ctx
        .set(REMOTE_USER, 'bob')
        .set(WEIRD, ' leading')
        .set(CFG, { a: [1, 2] });
      return app(request, ctx);
    };
    const server = await front(urlMap({ '/front': withUser }));
    const res = await send(`${server.url}/front/a%20b/c?q=1`, {
      method: 'POST',
      headers: [
        'Content-Type',
        'application/x-www-form-urlencoded',
        'X-Forwarded-For',
        '1.2.3.4',
        'X-Wsgiproxy-Str-9',
        'evil x',
        'X-Script-Name',
        '/evil',
        'X-Forwarded-Host',
        'evil.example',
        'Forwarded',
        'for=1.2.3.4',
        'Connection',
        'keep-alive, X-Debug',
        'X-Debug',
        'secret',
        'TE',
        'trailers',
        'Proxy-Authorization',
        'Basic eDp5',
        'Cookie',
        'sid=1',
        'Content-Length',
        '8',
      ],
      body: 'a=1&b=22',
    });
    expect(res.status).toBe(200);
    const seen = up.seen[0]!;
    expect(seen.url).toBe('/myapp/a%20b/c?q=1&x=1');
    const host = `127.0.0.1:${String(server.port)}`;
    expect(fields(seen)).toEqual([
      ['connection', 'keep-alive'],
      ['content-type', 'application/x-www-form-urlencoded'],
      ['cookie', 'sid=1'],
      ['x-forwarded-for', '1.2.3.4, 127.0.0.1'],
      ['x-forwarded-proto', 'http'],
      ['x-forwarded-host', host],
      ['x-forwarded-prefix', '/front'],
      ['forwarded', `for=1.2.3.4, for=127.0.0.1;proto=http;host="${host}"`],
      ['via', '1.1 trowel'],
      ['x-forwarded-server', host],
      ['x-forwarded-scheme', 'http'],
      ['x-forwarded-script-name', '/front'],
      ['x-script-name', '/front'],
      ['x-traversal-path', '/myapp'],
      ['x-traversal-query-string', 'x=1'],
      ['x-wsgiproxy-str-0', 'REMOTE_USER bob'],
      ['x-wsgiproxy-str-2', 'weird b64IGxlYWRpbmc='],
      ['x-wsgiproxy-json-0', 'cfg {"a":[1,2]}'],
      ['x-wsgiproxy-version', '0.1'],
      ['content-length', '8'],
    ]);
    expect((await seen.body).toString()).toBe('a=1&b=22');
    expect(seen.headers.host).toBe(`127.0.0.1:${String(up.port)}`);
  });

  it('connects to an IPv6 literal target and names it in Host', async () => {
    const up = await upstream(echo, '::1');
    const server = await front(proxy(`${up.url}/v6`, quiet));
    expect((await send(`${server.url}/x`)).status).toBe(200);
    expect(up.seen[0]?.url).toBe('/v6/x');
    expect(up.seen[0]?.headers.host).toBe(`[::1]:${String(up.port)}`);
  });

  it('does not pass Expect on: this hop answered the 100-continue', async () => {
    const up = await upstream();
    const server = await front(proxy(up.url, quiet));
    const res = await send(`${server.url}/`, {
      method: 'POST',
      headers: { expect: '100-continue', 'content-length': '2' },
      body: 'hi',
    });
    expect(res.status).toBe(200);
    expect(up.seen[0]?.headers.expect).toBeUndefined();
    expect((await up.seen[0]!.body).toString()).toBe('hi');
  });

  it('keeps the client Host with preserveHost', async () => {
    const up = await upstream();
    const server = await front(proxy(up.url, { ...quiet, preserveHost: true }));
    await send(`${server.url}/`, { headers: { host: 'www.example:8080' } });
    expect(up.seen[0]?.headers.host).toBe('www.example:8080');
  });

  it("sends no forwarding fields when they are turned off, and drops the client's", async () => {
    const up = await upstream();
    const options = { ...quiet, xForwarded: false, forwarded: false, via: false } as const;
    const server = await front(proxy(up.url, options));
    await send(`${server.url}/`, {
      headers: { 'x-forwarded-for': '1.2.3.4', forwarded: 'for=6.6.6.6', accept: 'a/b' },
    });
    expect(fields(up.seen[0]!)).toEqual([
      ['connection', 'keep-alive'],
      ['accept', 'a/b'],
    ]);
  });

  it.each([
    ['forwarded: false', { forwarded: false }, 'forwarded', 'x-forwarded-for'],
    ['xForwarded: false', { xForwarded: false }, 'x-forwarded-for', 'forwarded'],
  ] as const)(
    "with %s drops the client's chain of that family and appends to the other",
    async (_label, flags, dropped, kept) => {
      const up = await upstream();
      const server = await front(proxy(up.url, { ...quiet, ...flags }));
      await send(`${server.url}/`, {
        headers: { 'x-forwarded-for': '6.6.6.6', forwarded: 'for=6.6.6.6' },
      });
      expect(up.seen[0]?.headers[dropped]).toBeUndefined();
      expect(up.seen[0]?.headers[kept]).toMatch(/^(?:for=)?6\.6\.6\.6, /);
    },
  );

  it('brackets and quotes an IPv6 client in Forwarded', async () => {
    const up = await upstream();
    const app = proxy(up.url, quiet);
    const request = new Request('http://front.example/');
    await app(request, new Context(request, { remoteAddr: '2001:db8::1' }));
    expect(up.seen[0]?.headers.forwarded).toBe('for="[2001:db8::1]";proto=http;host=front.example');
  });

  it('drops suppressed fields', async () => {
    const up = await upstream();
    const server = await front(proxy(up.url, { ...quiet, suppressHeaders: ['Cookie'] }));
    await send(`${server.url}/`, { headers: { cookie: 'a=1' } });
    expect(up.seen[0]?.headers.cookie).toBeUndefined();
  });

  it('sends no Content-Length on a bodiless GET', async () => {
    const up = await upstream();
    const server = await front(proxy(up.url, quiet));
    await send(`${server.url}/`);
    expect(up.seen[0]?.headers['content-length']).toBeUndefined();
    expect(up.seen[0]?.headers['transfer-encoding']).toBeUndefined();
  });

  it('streams a chunked request body upstream as chunked', async () => {
    const up = await upstream();
    const server = await front(proxy(up.url, quiet));
    async function* parts(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('one,');
      await new Promise((resolve) => setTimeout(resolve, 20));
      yield Buffer.from('two');
    }
    const res = await send(`${server.url}/`, { method: 'PUT', body: parts() });
    expect(JSON.parse(res.body.toString())).toMatchObject({ bytes: 7 });
    expect(up.seen[0]?.headers['transfer-encoding']).toBe('chunked');
    expect((await up.seen[0]!.body).toString()).toBe('one,two');
  });

  it('sends Authorization: Basic for credentials in the target, replacing the client’s', async () => {
    const up = await upstream();
    const target = new URL(up.url);
    target.username = 'us%C3%A9r';
    target.password = 'p:w';
    const server = await front(proxy(target, quiet));
    await send(`${server.url}/`, { headers: { authorization: 'Bearer client' } });
    const expected = `Basic ${Buffer.from('usér:p:w').toString('base64')}`;
    expect(up.seen[0]?.headers.authorization).toBe(expected);
  });

  it('answers 508 to a request that already passed through this proxy', async () => {
    const up = await upstream();
    const server = await front(proxy(up.url, quiet));
    const res = await send(`${server.url}/`, { headers: { via: '1.1 edge, 1.1 Trowel (x)' } });
    expect(res.status).toBe(508);
    expect(up.seen).toHaveLength(0);
  });

  it('signs the request so that the receiver can verify it', async () => {
    const secret = 'a shared secret of some length';
    const up = await upstream();
    const server = await front(proxy(`${up.url}/app`, { ...quiet, secret, wsgiproxy: true }));
    await send(`${server.url}/x?y=1`, { headers: { 'x-forwarded-for': '1.2.3.4' } });
    const seen = up.seen[0]!;
    const pairs: [string, string][] = Object.entries(seen.headers).map(([name, value]) => [
      name,
      String(value),
    ]);
    const result = verifySignature({
      signature: String(seen.headers['x-wsgiproxy-signature']),
      method: 'GET',
      authority: String(seen.headers.host),
      target: seen.url,
      headers: pairs,
      secret: new TextEncoder().encode(secret),
    });
    expect(result.ok).toBe(true);
  });

  it('answers 500 when a transported value cannot be encoded', async () => {
    const NUMBER = createKey<unknown>('test.number');
    const errors: unknown[] = [];
    const up = await upstream();
    const app = proxy(up.url, {
      onError: (error) => errors.push(error),
      transport: { str: { n: NUMBER } },
    });
    const request = new Request('http://front.example/');
    const res = await app(request, new Context(request).set(NUMBER, 42));
    expect(res.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(up.seen).toHaveLength(0);
  });
});

describe('proxy() through a chain', () => {
  it('appends each hop to X-Forwarded-For and Via', async () => {
    const up = await upstream(echo);
    const inner = await front(proxy(up.url, { ...quiet, via: 'inner' }));
    const outer = await front(proxy(inner.url, { ...quiet, via: 'outer' }));
    await send(`${outer.url}/`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(up.seen[0]?.headers['x-forwarded-for']).toBe('203.0.113.9, 127.0.0.1, 127.0.0.1');
    expect(up.seen[0]?.headers.via).toBe('1.1 outer, 1.1 inner');
  });
});
