import { request as httpRequest } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { urlMap } from '../urlmap/index.ts';
import { front, send, upstream } from './harness.fixture.ts';
import { proxy } from './index.ts';

const quiet = { onError: () => undefined };

const rawServers = new Set<ReturnType<typeof createNetServer>>();
afterEach(() => {
  for (const server of rawServers) server.close();
  rawServers.clear();
});

/** A TCP upstream that answers every connection with `reply`, byte for byte. */
async function rawUpstream(reply: string): Promise<string> {
  const server = createNetServer((socket) => {
    socket.once('data', () => {
      socket.end(reply, 'latin1');
    });
    socket.on('error', () => undefined);
  });
  rawServers.add(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
}

describe('proxy() response head', () => {
  it('drops hop-by-hop fields and the ones Connection names', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, [
        ['Connection', 'X-Hop'],
        ['X-Hop', '1'],
        ['Keep-Alive', 'timeout=1'],
        ['Proxy-Authenticate', 'Basic'],
        ['Trailer', 'X-Sum'],
        ['Upgrade', 'h2c'],
        ['X-Kept', 'yes'],
      ]);
      res.end('ok');
    });
    const server = await front(proxy(up.url, quiet));
    const res = await send(`${server.url}/`);
    expect(res.headers['x-kept']).toBe('yes');
    for (const name of ['x-hop', 'proxy-authenticate', 'trailer', 'upgrade']) {
      expect(res.headers[name]).toBeUndefined();
    }
    expect(res.headers.connection).not.toMatch(/x-hop/i);
  });

  it('keeps each Set-Cookie field apart', async () => {
    const up = await upstream((_req, res) => {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2, c']);
      res.end();
    });
    const server = await front(proxy(up.url, quiet));
    expect((await send(`${server.url}/`)).headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2, c']);
  });

  it('appends this proxy to Via', async () => {
    const up = await upstream((_req, res) => {
      res.setHeader('via', '1.1 origin-cache');
      res.end();
    });
    const server = await front(proxy(up.url, quiet));
    expect((await send(`${server.url}/`)).headers.via).toBe('1.1 origin-cache, 1.1 trowel');
  });

  it.each([
    [201, 'Created'],
    [203, 'Non-Authoritative Information'],
    [299, 'Odd But Fine'],
    [404, 'Not Found'],
    [418, "I'm a teapot"],
    [451, 'Unavailable For Legal Reasons'],
    [503, 'Service Unavailable'],
    [599, 'Network Connect Timeout'],
  ])('passes status %i and its reason through', async (status, reason) => {
    const up = await upstream((_req, res) => {
      res.writeHead(status, reason);
      res.end('body');
    });
    const server = await front(proxy(up.url, quiet));
    const res = await send(`${server.url}/`);
    expect(res.status).toBe(status);
    expect(res.body.toString()).toBe('body');
  });

  it('answers 502 for a status Fetch cannot carry', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(799, 'Silly Response');
      res.end();
    });
    const errors: unknown[] = [];
    const server = await front(proxy(up.url, { onError: (error) => errors.push(error) }));
    expect((await send(`${server.url}/`)).status).toBe(502);
    expect(errors).toHaveLength(1);
  });

  it('drops 1xx informational answers and relays the final one', async () => {
    const up = await upstream((_req, res) => {
      res.writeEarlyHints({ link: '</a.css>; rel=preload' }, () => {
        res.end('final');
      });
    });
    const server = await front(proxy(up.url, quiet));
    const res = await send(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.body.toString()).toBe('final');
  });

  it('leaves Content-Encoding, Content-Length and the compressed bytes alone', async () => {
    const gzipped = gzipSync('hello hello hello hello');
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': gzipped.byteLength });
      res.end(gzipped);
    });
    const server = await front(proxy(up.url, quiet));
    const res = await send(`${server.url}/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers['content-length']).toBe(String(gzipped.byteLength));
    expect(res.body.equals(gzipped)).toBe(true);
    expect(up.seen[0]?.headers['accept-encoding']).toBe('gzip');
  });

  it('answers HEAD with the upstream head and no body', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-length': '1234', 'content-type': 'text/plain' });
      res.end();
    });
    const server = await front(proxy(up.url, quiet));
    const res = await send(`${server.url}/`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('1234');
    expect(res.body.byteLength).toBe(0);
    expect(up.seen[0]?.method).toBe('HEAD');
  });

  it.each([204, 304])('relays a %i without a body', async (status) => {
    const up = await upstream((_req, res) => {
      res.writeHead(status, { etag: '"x"' });
      res.end();
    });
    const server = await front(proxy(up.url, quiet));
    const res = await send(`${server.url}/`);
    expect(res.status).toBe(status);
    expect(res.headers.etag).toBe('"x"');
  });

  it.each([
    ['garbage', 'garbage\r\n\r\n'],
    [
      'a control character in a value',
      'HTTP/1.1 200 OK\r\nX-Bad: a\x01b\r\nContent-Length: 0\r\n\r\n',
    ],
    ['a space in a field name', 'HTTP/1.1 200 OK\r\nBad Name: x\r\nContent-Length: 0\r\n\r\n'],
    ['a bare LF in a value', 'HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\nContent-Length: 0\r\n\r\n'],
    ['an empty answer', ''],
  ])('answers 502 for an upstream answer with %s', async (_what, reply) => {
    const url = await rawUpstream(reply);
    const errors: unknown[] = [];
    const server = await front(proxy(url, { onError: (error) => errors.push(error) }));
    const res = await send(`${server.url}/`);
    expect(res.status).toBe(502);
    expect(errors).toHaveLength(1);
    expect(server.errors).toEqual([]);
  });
});

describe('proxy() rewriting', () => {
  async function redirecting(field: string, value: (origin: string) => string): Promise<string> {
    const up = await upstream((_req, res) => {
      res.writeHead(302, { [field]: value(`http://127.0.0.1:${String(port)}`) });
      res.end();
    });
    const port = up.port;
    const server = await front(urlMap({ '/shop': proxy(`${up.url}/app/`, quiet) }));
    const res = await send(`${server.url}/shop/x`);
    return String(res.headers[field]).replace(String(server.port), 'FRONT');
  }

  it.each([
    [
      'an absolute URL into the target',
      (o: string) => `${o}/app/cart?x=1#top`,
      'http://127.0.0.1:FRONT/shop/cart?x=1#top',
    ],
    ['the target root', (o: string) => `${o}/app`, 'http://127.0.0.1:FRONT/shop'],
    ['an absolute path into the target', () => '/app/cart', '/shop/cart'],
    ['a path outside the target', () => '/other', '/other'],
    ['a path that only shares a prefix', () => '/application', '/application'],
    ['another host', () => 'http://elsewhere.example/app/x', 'http://elsewhere.example/app/x'],
    ['a relative path', () => 'next', 'next'],
  ])('rewrites Location for %s', async (_what, value, expected) => {
    expect(await redirecting('location', value)).toBe(expected);
  });

  /** Sends `path` exactly as given (no URL parsing on this side) and returns the answer head. */
  function rawGet(
    base: string,
    path: string,
  ): Promise<{ status: number; headers: Record<string, unknown> }> {
    return new Promise((resolve, reject) => {
      const { hostname, port } = new URL(base);
      httpRequest({ hostname, port, path, agent: false }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, headers: res.headers });
      })
        .on('error', reject)
        .end();
    });
  }

  it.each(['//evil.example', '/\\evil.example', '/%2Fevil.example'])(
    'never turns the redirect of %s into a network-path reference',
    async (path) => {
      // The upstream adds a trailing slash, as most servers do for a directory.
      const up = await upstream((req, res) => {
        res.writeHead(301, { location: `${req.url ?? ''}/`, refresh: `0; url=${req.url ?? ''}/` });
        res.end();
      });
      const server = await front(proxy(`${up.url}/app/`, quiet));
      const res = await rawGet(server.url, path);
      expect(res.status).toBe(301);
      for (const value of [res.headers['location'], String(res.headers['refresh']).slice(7)]) {
        expect(value).toMatch(/^\/[^/\\]/);
        expect(new URL(String(value), 'http://front.example').host).toBe('front.example');
      }
    },
  );

  it('rewrites Content-Location and Refresh', async () => {
    expect(await redirecting('content-location', (o) => `${o}/app/a`)).toBe(
      'http://127.0.0.1:FRONT/shop/a',
    );
    expect(await redirecting('refresh', (o) => `5; url=${o}/app/b`)).toBe(
      '5; url=http://127.0.0.1:FRONT/shop/b',
    );
  });

  it('rewrites a Location naming the client Host with preserveHost', async () => {
    const up = await upstream((req, res) => {
      res.writeHead(302, { location: `http://${String(req.headers.host)}/app/x` });
      res.end();
    });
    const server = await front(proxy(`${up.url}/app`, { ...quiet, preserveHost: true }));
    const res = await send(`${server.url}/`, { headers: { host: 'www.example:8080' } });
    expect(res.headers.location).toBe('http://www.example:8080/x');
  });

  it('leaves Location alone with rewriteLocation: false', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(302, { location: '/app/cart' });
      res.end();
    });
    const server = await front(proxy(`${up.url}/app`, { ...quiet, rewriteLocation: false }));
    expect((await send(`${server.url}/x`)).headers.location).toBe('/app/cart');
  });

  it('rewrites Set-Cookie Domain and Path with rewriteCookies', async () => {
    const up = await upstream((_req, res) => {
      res.setHeader('set-cookie', [
        'sid=1; Domain=127.0.0.1; Path=/app/; HttpOnly',
        'other=2; Domain=.example.com; Path=/elsewhere',
        'root=3; Path=/app',
      ]);
      res.end();
    });
    const app = proxy(`${up.url}/app`, { ...quiet, rewriteCookies: true });
    const server = await front(urlMap({ '/shop': app }));
    expect((await send(`${server.url}/shop/`)).headers['set-cookie']).toEqual([
      'sid=1; Path=/shop/; HttpOnly',
      'other=2; Domain=.example.com; Path=/elsewhere',
      'root=3; Path=/shop',
    ]);
  });
});
