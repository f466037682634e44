import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { TestApp } from '../testing/index.ts';
import { urlMap, type UrlMapTable } from './index.ts';

/** An application that answers with its name and the mount split it sees. */
const where =
  (name: string): Handler =>
  (_request, ctx) =>
    Response.json({ name, scriptName: ctx.scriptName, pathInfo: ctx.pathInfo });

interface Seen {
  readonly name: string;
  readonly scriptName: string;
  readonly pathInfo: string;
}

async function seen(app: Handler, url: string): Promise<Seen | number> {
  const res = await new TestApp(app, { lint: false }).get(url, { status: '*' });
  return res.status === 200 ? (res.json as Seen) : res.status;
}

describe('urlMap() path matching', () => {
  // Paste's test_map, plus the segment-boundary and encoding cases it missed.
  const map = urlMap({
    '/': where('root'),
    '/foo': where('foo'),
    '/foo/bar': where('foobar'),
    '/f': where('f'),
    '/app': where('app'),
    '/a%2Fb': where('encoded'),
    '/caf%C3%A9': where('cafe'),
    '/tilde~': where('tilde'),
    '/trailing/': where('trailing'),
  });

  it.each([
    ['/', 'root', '', '/'],
    ['/blah', 'root', '', '/blah'],
    ['/foo', 'foo', '/foo', ''],
    ['/foo/', 'foo', '/foo', '/'],
    ['/foo/and/more', 'foo', '/foo', '/and/more'],
    ['/foo/bar/baz', 'foobar', '/foo/bar', '/baz'],
    ['/fffzzz', 'root', '', '/fffzzz'],
    ['/f/z/y', 'f', '/f', '/z/y'],
    ['/app', 'app', '/app', ''],
    ['/apple', 'root', '', '/apple'],
    ['/app/le', 'app', '/app', '/le'],
    ['/%61pp/x', 'app', '/%61pp', '/x'],
    ['/App', 'root', '', '/App'],
    ['/a%2Fb/c', 'encoded', '/a%2Fb', '/c'],
    ['/a%2fb', 'encoded', '/a%2fb', ''],
    ['/a/b', 'root', '', '/a/b'],
    ['/café/menu', 'cafe', '/caf%C3%A9', '/menu'],
    ['/tilde%7E', 'tilde', '/tilde%7E', ''],
    ['/trailing', 'trailing', '/trailing', ''],
    ['http://localhost//foo//bar/x', 'foobar', '//foo//bar', '/x'],
    ['http://localhost//foo//baz', 'foo', '//foo', '//baz'],
    ['/foo%2Fbar', 'root', '', '/foo%2Fbar'],
  ])(
    'sends %s to %s with scriptName %j and pathInfo %j',
    async (url, name, scriptName, pathInfo) => {
      expect(await seen(map, url)).toEqual({ name, scriptName, pathInfo });
    },
  );

  it('appends to a scriptName the context already has', async () => {
    const app = urlMap({ '/b': where('b') });
    const request = new Request('http://localhost/a/b/c');
    const ctx = new Context(request, { scriptName: '/a', pathInfo: '/b/c' });
    expect(await (await app(request, ctx)).json()).toEqual({
      name: 'b',
      scriptName: '/a/b',
      pathInfo: '/c',
    });
  });

  it('always splits the path it was given into scriptName + pathInfo', async () => {
    const app = urlMap({ '/a': where('a'), '/a/b': where('ab'), '/': where('root') });
    const segment = fc.constantFrom('a', 'b', 'A', '%61', '%2F', '', 'ab', '~', '%7e');
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 5 }), async (segments) => {
        const path = `/${segments.join('/')}`;
        const request = new Request(`http://localhost${path}`);
        const ctx = new Context(request);
        const body = (await (await app(request, ctx)).json()) as Seen;
        expect(body.scriptName + body.pathInfo).toBe(ctx.pathInfo);
        expect(['', '/'].includes(body.pathInfo[0] ?? '')).toBe(true);
      }),
    );
  });
});

describe('urlMap() host and port keys', () => {
  const map = urlMap({
    'http://Example.com/x': where('example-x'),
    'http://example.com:8080/': where('example-8080'),
    'https://secure.example.com:443/': where('secure-443'),
    'http://plain.example.com:80/': where('plain-80'),
    '//[::1]:9000/': where('ipv6'),
    '/x/y/z': where('long-path'),
    '/': where('root'),
  });

  it.each([
    ['http://example.com/x', 'example-x'],
    ['http://EXAMPLE.COM/x/y/z', 'example-x'],
    ['http://example.com./x', 'example-x'],
    ['http://example.com:3000/x', 'example-x'],
    ['http://example.com:8080/anything', 'example-8080'],
    ['http://example.com/anything', 'root'],
    ['https://secure.example.com/', 'secure-443'],
    ['https://secure.example.com:443/', 'secure-443'],
    ['http://secure.example.com/', 'root'],
    ['http://plain.example.com/', 'plain-80'],
    ['https://plain.example.com/', 'root'],
    ['http://[::1]:9000/', 'ipv6'],
    ['http://[::1]:9001/', 'root'],
    ['http://other.example.com/x/y/z', 'long-path'],
    ['http://www.example.com/x', 'root'],
  ])('sends %s to %s', async (url, name) => {
    const result = await seen(map, url);
    expect(typeof result === 'number' ? result : result.name).toBe(name);
  });

  it.each([
    ['example.com:notaport', 'example-x'],
    ['example.com:', 'example-x'],
    ['[::1', 'root'],
    ['', 'root'],
  ])('copes with the malformed Host %j', async (host, name) => {
    const request = new Request('http://localhost/x');
    const res = await map(request, new Context(request, { host }));
    expect(((await res.json()) as Seen).name).toBe(name);
  });

  it('prefers a host entry to a longer path without one', async () => {
    const app = urlMap({ 'http://example.com/': where('host'), '/a/b/c': where('path') });
    expect(await seen(app, 'http://example.com/a/b/c')).toMatchObject({ name: 'host' });
  });

  it.each([
    ['http://example.com/', 'apex'],
    ['http://www.example.com/', 'apex'],
    ['http://a.api.example.com/', 'api'],
    ['http://notexample.com/', 404],
  ])('with subdomain matching, sends %s to %s', async (url, name) => {
    const app = urlMap(
      { '//example.com/': where('apex'), '//api.example.com/': where('api') },
      { domainMatching: 'subdomains' },
    );
    const result = await seen(app, url);
    expect(typeof result === 'number' ? result : result.name).toBe(name);
  });
});

describe('urlMap() misses and plain handlers', () => {
  it('answers 404 without naming the mounted applications', async () => {
    const app = new TestApp(urlMap({ '/secret-admin': where('admin') }));
    const res = await app.get('/nothing', { status: 404, headers: { accept: 'text/html' } });
    expect(res.text).toContain('/nothing');
    expect(res.text).not.toContain('secret-admin');
  });

  it.each(['/--><script>alert(1)</script>', '/"><img src=x onerror=alert(1)>', '/\u0001<b>'])(
    'escapes the path %j in the HTML 404 body',
    async (path) => {
      const app = urlMap({ '/x': where('x') });
      const request = new Request('http://localhost/', { headers: { accept: 'text/html' } });
      const res = await app(request, new Context(request, { pathInfo: path }));
      const body = await res.text();
      expect(res.status).toBe(404);
      expect(body).not.toContain('<script>');
      expect(body).not.toContain('<img');
      expect(body).not.toContain('<b>');
    },
  );

  it('hands unmatched requests to the notFound handler', async () => {
    const app = new TestApp(urlMap({ '/x': where('x') }, { notFound: where('fallback') }));
    expect((await app.get('/y')).json).toMatchObject({ name: 'fallback', pathInfo: '/y' });
  });

  it('hands a plain Fetch handler the path without the prefix when asked', async () => {
    const plain = (request: Request): Response => new Response(new URL(request.url).pathname);
    const app = new TestApp(
      urlMap({ '/api': { app: plain, stripPrefix: true }, '/raw': { app: plain } }),
    );
    expect((await app.get('/api/users?x=1')).text).toBe('/users');
    expect((await app.get('/raw/users')).text).toBe('/raw/users');
  });

  it('takes a Map, in any order', async () => {
    const table = new Map<string, Handler>([
      ['/a', where('a')],
      ['/a/b', where('ab')],
    ]);
    expect(await seen(urlMap(table), '/a/b/c')).toMatchObject({ name: 'ab' });
  });
});

describe('urlMap() options', () => {
  it.each([
    ['a relative key', { foo: where('x') }, 'TROWEL_ERR_URLMAP_KEY'],
    ['a key with a query', { '/a?b': where('x') }, 'TROWEL_ERR_URLMAP_KEY'],
    ['a key with a fragment', { '/a#b': where('x') }, 'TROWEL_ERR_URLMAP_KEY'],
    ['a key with ..', { '/a/../b': where('x') }, 'TROWEL_ERR_URLMAP_KEY'],
    ['a key with an encoded ..', { '/a/%2e%2E/b': where('x') }, 'TROWEL_ERR_URLMAP_KEY'],
    ['a key with .', { '/./b': where('x') }, 'TROWEL_ERR_URLMAP_KEY'],
    ['a key with user info', { 'http://u:p@host/': where('x') }, 'TROWEL_ERR_URLMAP_KEY'],
    ['a key without a host', { 'http:///x': where('x') }, 'TROWEL_ERR_URLMAP_KEY'],
    ['a key with port 0', { 'http://host:0/': where('x') }, 'TROWEL_ERR_URLMAP_KEY'],
    ['a key with port 70000', { 'http://host:70000/': where('x') }, 'TROWEL_ERR_URLMAP_KEY'],
    ['a key with a bad host', { 'http://ho st/': where('x') }, 'TROWEL_ERR_URLMAP_KEY'],
    ['a key with a bad port', { 'http://host:8o/': where('x') }, 'TROWEL_ERR_URLMAP_KEY'],
    [
      'two keys for one mount',
      { '/a': where('x'), '/a/': where('y') },
      'TROWEL_ERR_URLMAP_DUPLICATE',
    ],
    [
      'equivalent encodings',
      { '/~': where('x'), '/%7e': where('y') },
      'TROWEL_ERR_URLMAP_DUPLICATE',
    ],
    ['a target that is no handler', { '/a': 'app' }, 'TROWEL_ERR_URLMAP_APP'],
    ['an entry without app', { '/a': { stripPrefix: true } }, 'TROWEL_ERR_URLMAP_APP'],
    ['a null target', { '/a': null }, 'TROWEL_ERR_URLMAP_APP'],
    ['no table', null, 'TROWEL_ERR_URLMAP_OPTIONS'],
    ['a key that is no string', new Map([[1, where('x')]]), 'TROWEL_ERR_URLMAP_KEY'],
  ])('refuses %s when built', (_name, table, code) => {
    expect(() => urlMap(table as unknown as UrlMapTable)).toThrow(
      expect.objectContaining({ code }),
    );
  });

  it.each([[{ notFound: 'nope' }], [{ domainMatching: 'fuzzy' }]])(
    'refuses the options %j when built',
    (options) => {
      expect(() => urlMap({}, options as never)).toThrow(
        expect.objectContaining({ code: 'TROWEL_ERR_URLMAP_OPTIONS' }),
      );
    },
  );

  it("does not change the caller's table", () => {
    const table = { '/b': where('b'), '/a': where('a') };
    const before = Object.keys(table);
    urlMap(table);
    expect(Object.keys(table)).toEqual(before);
  });
});
