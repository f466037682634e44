import { describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import { REMOTE_USER } from '../core/keys.ts';
import { FORWARDED_BY, forwarded } from './forwarded.ts';
import type { ForwardedOptions } from './options.ts';
import { TestApp } from '../testing/index.ts';
import { RFC7239, TRUSTED, WSGI, run } from './run.fixture.ts';
import { transportedKey } from './transport.ts';

const privateHeaders = {
  'x-forwarded-for': '203.0.113.7',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'www.example.com',
  'x-script-name': '/front',
  'x-wsgiproxy-str-0': 'REMOTE_USER admin',
  'x-wsgiproxy-version': '0.1',
  'x-wsgiproxy-signature': 'v1 garbage',
  forwarded: 'for=203.0.113.7',
};

describe('forwarded() and untrusted peers', () => {
  it('ignores forwarding headers from a peer it does not trust', async () => {
    const { seen } = await run(
      TRUSTED,
      'http://app.local/x',
      { headers: privateHeaders },
      '198.51.100.9',
    );
    expect(seen?.ctx.remoteAddr).toBe('198.51.100.9');
    expect(seen?.ctx.scheme).toBe('http');
    expect(seen?.ctx.host).toBe('app.local');
    expect(seen?.ctx.scriptName).toBe('');
    expect(seen?.ctx.get(REMOTE_USER)).toBeUndefined();
    expect(seen?.ctx.has(FORWARDED_BY)).toBe(false);
  });

  it('strips every private header from an untrusted request', async () => {
    const { seen } = await run(
      TRUSTED,
      'http://app.local/',
      {
        headers: { ...privateHeaders, cookie: 'sid=1' },
      },
      '198.51.100.9',
    );
    expect([...(seen?.request.headers.keys() ?? [])]).toEqual(['cookie']);
  });

  it('trusts nobody by default', async () => {
    const { seen } = await run({}, 'http://app.local/', { headers: privateHeaders }, '127.0.0.1');
    expect(seen?.ctx.remoteAddr).toBe('127.0.0.1');
  });

  it('passes an untrusted request with a pickle header on, stripped', async () => {
    const { response, seen } = await run(
      TRUSTED,
      'http://app.local/',
      {
        headers: { 'x-wsgiproxy-pickle-0': 'obj b64KEkxClMneCcKdHAxCi4=' },
      },
      '198.51.100.9',
    );
    expect(response.status).toBe(200);
    expect(seen?.request.headers.has('x-wsgiproxy-pickle-0')).toBe(false);
  });

  it('passes the very request on when it carries no private header and nothing is configured', async () => {
    const { seen, request } = await run(TRUSTED, 'http://app.local/', { headers: { a: 'b' } });
    expect(seen?.request).toBe(request);
  });
});

describe('forwarded() and trusted peers', () => {
  it('applies X-Forwarded-For, -Proto and -Host from a trusted peer', async () => {
    const { seen } = await run(TRUSTED, 'http://app.local/x', {
      headers: {
        'x-forwarded-for': '198.51.100.1, 203.0.113.7',
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'www.example.com',
      },
    });
    expect(seen?.ctx.remoteAddr).toBe('203.0.113.7');
    expect(seen?.ctx.scheme).toBe('https');
    expect(seen?.ctx.host).toBe('www.example.com');
    expect(seen?.ctx.get(FORWARDED_BY)).toEqual({ trusted: 'address', proxy: '10.0.0.5' });
  });

  it.each([
    ['an IPv6 peer in a v6 block', ['2001:db8::/32'], '2001:db8::9'],
    ['an IPv4-mapped peer in a v4 block', ['10.0.0.0/8'], '::ffff:10.0.0.5'],
    ['a loopback peer under "loopback"', ['loopback'], '::1'],
    ['a private peer under "private"', ['private'], '192.168.1.20'],
  ])('trusts %s', async (_label, trustedProxies, peer) => {
    const { seen } = await run(
      { trustedProxies },
      'http://app.local/',
      {
        headers: { 'x-forwarded-for': '203.0.113.7' },
      },
      peer,
    );
    expect(seen?.ctx.remoteAddr).toBe('203.0.113.7');
  });

  it('strips private headers from a trusted request too, and keeps the rest', async () => {
    const { seen } = await run(TRUSTED, 'http://app.local/', {
      headers: {
        'x-forwarded-for': '203.0.113.7',
        accept: 'text/html',
        'x-wsgiproxy-str-0': 'REMOTE_USER bob',
      },
    });
    expect(Object.fromEntries(seen?.request.headers ?? [])).toEqual({ accept: 'text/html' });
  });

  it('leaves the incoming request as it was', async () => {
    const { request } = await run(TRUSTED, 'http://app.local/a?x=1&y=2', {
      headers: { 'x-forwarded-for': '203.0.113.7', 'x-traversal-query-string': 'y=2' },
    });
    expect(request.headers.get('x-forwarded-for')).toBe('203.0.113.7');
    expect(request.url).toBe('http://app.local/a?x=1&y=2');
  });

  it("sets transported values on a child context, never on the caller's", async () => {
    const request = new Request('http://app.local/', {
      headers: { 'x-wsgiproxy-str-0': 'REMOTE_USER bob' },
    });
    const parent = new Context(request, { remoteAddr: '10.0.0.5' });
    let child: Context | undefined;
    await forwarded(WSGI)((_r, ctx) => {
      child = ctx;
      return new Response('ok');
    })(request, parent);
    expect(child?.get(REMOTE_USER)).toBe('bob');
    expect(parent.get(REMOTE_USER)).toBeUndefined();
  });

  it('passes the request body on', async () => {
    const { seen } = await run(TRUSTED, 'http://app.local/', {
      method: 'POST',
      body: 'payload',
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(await seen?.request.text()).toBe('payload');
  });

  it.each([
    ['X-Forwarded-For', TRUSTED, { 'x-forwarded-for': 'not-an-ip' }, 'X-Forwarded-For'],
    ['X-Forwarded-Proto', TRUSTED, { 'x-forwarded-proto': 'ftp' }, 'X-Forwarded-Proto'],
    ['X-Forwarded-Host', TRUSTED, { 'x-forwarded-host': 'bad host' }, 'X-Forwarded-Host'],
    ['X-Forwarded-Port', TRUSTED, { 'x-forwarded-port': '99999' }, 'X-Forwarded-Port'],
    ['X-Forwarded-Prefix', TRUSTED, { 'x-forwarded-prefix': 'no-slash' }, 'X-Forwarded-Prefix'],
    ['X-Script-Name', WSGI, { 'x-script-name': '/a/../b' }, 'X-Script-Name'],
    ['Forwarded', RFC7239, { forwarded: 'for=' }, 'Forwarded'],
    ['X-WSGIProxy-Version', WSGI, { 'x-wsgiproxy-version': '0.2' }, 'X-WSGIProxy-Version'],
    ['a transport header', WSGI, { 'x-wsgiproxy-str-0': 'k b64!!' }, 'x-wsgiproxy-str-0'],
  ])('answers 400 naming %s when it is malformed', async (_label, options, headers, named) => {
    const { response, seen } = await run(options, 'http://app.local/', { headers });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain(named);
    expect(seen).toBeUndefined();
  });
});

describe("forwarded() and WSGIProxy's headers", () => {
  it('decodes the request Python WSGIProxyApp sends (spec §1.9)', async () => {
    const options: ForwardedOptions = {
      ...WSGI,
      transport: { REMOTE_USER, weird: transportedKey('weird'), cfg: transportedKey('cfg') },
    };
    const { response, seen } = await run(options, 'http://127.0.0.1:39255/myapp/a%20b/c?q=1&x=1', {
      method: 'POST',
      body: 'a=1&b=2',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Forwarded-Server': 'front.example:8080',
        'X-Forwarded-For': '10.0.0.9',
        'X-Forwarded-Scheme': 'https',
        'X-Forwarded-Script-Name': '/front',
        'X-Traversal-Path': 'myapp',
        'X-Traversal-Query-String': 'x=1',
        'X-Wsgiproxy-Str-0': 'REMOTE_USER bob',
        'X-Wsgiproxy-Str-2': 'weird b64YjY0IGxlYWRpbmcKbmV3bGluZQ==',
        'X-Wsgiproxy-Json-0': 'cfg {"a": [1, 2]}',
        'X-Wsgiproxy-Version': '0.1',
        Cookie: 'sid=1',
      },
    });
    expect(response.status).toBe(200);
    const ctx = seen?.ctx;
    expect({
      remoteAddr: ctx?.remoteAddr,
      host: ctx?.host,
      scheme: ctx?.scheme,
      scriptName: ctx?.scriptName,
      pathInfo: ctx?.pathInfo,
    }).toEqual({
      remoteAddr: '10.0.0.9',
      host: 'front.example:8080',
      scheme: 'https',
      scriptName: '/front',
      pathInfo: '/a%20b/c',
    });
    expect(ctx?.get(REMOTE_USER)).toBe('bob');
    expect(ctx?.get(transportedKey('weird'))).toBe('b64 leading\nnewline');
    expect(ctx?.get(transportedKey('cfg'))).toEqual({ a: [1, 2] });
    expect(seen?.request.url).toBe('http://127.0.0.1:39255/myapp/a%20b/c?q=1');
    expect(Object.fromEntries(seen?.request.headers ?? [])).toEqual({
      'content-type': 'application/x-www-form-urlencoded',
      cookie: 'sid=1',
    });
  });

  it('answers 400 for a pickle header from a trusted peer', async () => {
    const { response, seen } = await run(WSGI, 'http://app.local/', {
      headers: { 'x-wsgiproxy-pickle-0': 'obj b64KEkxClMneCcKdHAxCi4=' },
    });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('pickle transport is not supported');
    expect(seen).toBeUndefined();
  });

  it('stores a value under the configured key', async () => {
    const TENANT = transportedKey('configured-tenant-key');
    const { seen } = await run({ ...WSGI, transport: { tenant: TENANT } }, 'http://app.local/', {
      headers: { 'x-wsgiproxy-str-4': 'tenant acme' },
    });
    expect(seen?.ctx.get(TENANT)).toBe('acme');
  });

  it('answers 400 for a REMOTE_USER that is not a string', async () => {
    const { response } = await run(WSGI, 'http://app.local/', {
      headers: { 'x-wsgiproxy-json-0': 'REMOTE_USER {"admin": true}' },
    });
    expect(response.status).toBe(400);
  });

  it('answers 400 for a name transported twice', async () => {
    const { response } = await run(WSGI, 'http://app.local/', {
      headers: {
        'x-wsgiproxy-str-0': 'REMOTE_USER bob',
        'x-wsgiproxy-unicode-0': 'REMOTE_USER eve',
      },
    });
    expect(response.status).toBe(400);
  });

  it('lets X-Forwarded-Proto and -Host win over X-Forwarded-Scheme and -Server', async () => {
    const { seen } = await run(WSGI, 'http://app.local/', {
      headers: {
        'x-forwarded-proto': 'https',
        'x-forwarded-scheme': 'http',
        'x-forwarded-host': 'standard.example',
        'x-forwarded-server': 'legacy.example',
      },
    });
    expect(seen?.ctx.scheme).toBe('https');
    expect(seen?.ctx.host).toBe('standard.example');
  });

  it('applies one prefix when X-Forwarded-Prefix, -Script-Name and X-Script-Name all say it', async () => {
    const { seen } = await run(WSGI, 'http://app.local/x', {
      headers: {
        'x-forwarded-prefix': '/front',
        'x-forwarded-script-name': '/front',
        'x-script-name': '/front',
      },
    });
    expect(seen?.ctx.scriptName).toBe('/front');
    expect(seen?.ctx.pathInfo).toBe('/x');
  });

  it.each([
    ['/spawned/', '/spawned'],
    ['/', ''],
    ['', ''],
  ])('takes X-Script-Name %j as the prefix %j', async (value, scriptName) => {
    const { seen } = await run(WSGI, 'http://app.local/x', {
      headers: { 'x-script-name': value },
    });
    expect(seen?.ctx.scriptName).toBe(scriptName);
  });

  it.each([
    ['myapp', '/myapp/a', '', '/a'],
    ['/myapp', '/myapp/a', '', '/a'],
    ['/myapp/', '/myapp/a', '', '/a'],
    ['/myapp', '/myapp', '', ''],
    ['/', '/a', '', '/a'],
  ])(
    'removes X-Traversal-Path %j from the front of %j (the backend mount, not the public URL)',
    async (value, path, scriptName, pathInfo) => {
      const { seen } = await run(WSGI, `http://app.local${path}`, {
        headers: { 'x-traversal-path': value },
      });
      expect(seen?.ctx.scriptName).toBe(scriptName);
      expect(seen?.ctx.pathInfo).toBe(pathInfo);
    },
  );

  it.each([
    ['not on a segment boundary', '/app', '/apple'],
    ['not a prefix at all', '/app', '/other/app'],
  ])('answers 400 for an X-Traversal-Path %s', async (_label, value, path) => {
    const { response, seen } = await run(WSGI, `http://app.local${path}`, {
      headers: { 'x-traversal-path': value },
    });
    expect(response.status).toBe(400);
    expect(seen).toBeUndefined();
  });

  it.each([
    ['at the end', '?q=1&x=1', 'x=1', 'http://app.local/p?q=1'],
    ['at the start', '?x=1&q=1', 'x=1', 'http://app.local/p?q=1'],
    ['as the whole query', '?x=1', 'x=1', 'http://app.local/p'],
  ])('removes X-Traversal-Query-String %s', async (_label, query, value, url) => {
    const { seen } = await run(WSGI, `http://app.local/p${query}`, {
      headers: { 'x-traversal-query-string': value },
    });
    expect(seen?.request.url).toBe(url);
  });

  it('answers 400 for an X-Traversal-Query-String that is not in the query', async () => {
    const { response } = await run(WSGI, 'http://app.local/p?q=1', {
      headers: { 'x-traversal-query-string': 'x=1' },
    });
    expect(response.status).toBe(400);
  });
});

describe('forwarded() configured overrides', () => {
  it('sets scriptName to prefix for every request', async () => {
    const { seen } = await run({ prefix: '/mounted/' }, 'http://app.local/x', {}, '198.51.100.9');
    expect(seen?.ctx.scriptName).toBe('/mounted');
    expect(seen?.ctx.pathInfo).toBe('/x');
  });

  it.each([
    ['/legacy/x', '/legacy', '/x'],
    ['/legacy', '/legacy', ''],
  ])('moves popPrefix from %j into scriptName', async (path, scriptName, pathInfo) => {
    const { seen } = await run({ popPrefix: '/legacy' }, `http://app.local${path}`);
    expect(seen?.ctx.scriptName).toBe(scriptName);
    expect(seen?.ctx.pathInfo).toBe(pathInfo);
  });

  it('answers 400 for a path outside popPrefix', async () => {
    const { response, seen } = await run({ popPrefix: '/legacy' }, 'http://app.local/legacyfoo');
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('/legacy');
    expect(seen).toBeUndefined();
  });

  it('forces scheme and host over what a trusted proxy said', async () => {
    const { seen } = await run(
      { ...TRUSTED, scheme: 'https', host: 'Public.Example:443' },
      'http://app.local/',
      {
        headers: { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'proxy.example' },
      },
    );
    expect(seen?.ctx.scheme).toBe('https');
    expect(seen?.ctx.host).toBe('public.example');
  });
});

describe('forwarded() under TestApp', () => {
  it('passes lint and shows the application the client, not the proxy', async () => {
    const app = new TestApp(
      forwarded({ trustedProxies: ['loopback'] })((_request, ctx) =>
        Response.json({ addr: ctx.remoteAddr, scheme: ctx.scheme }),
      ),
    );
    const response = await app.get('/', {
      headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
    });
    expect(response.json).toEqual({ addr: '203.0.113.7', scheme: 'https' });
  });
});
