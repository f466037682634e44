import { Agent, request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { Context } from '../../src/core/context.ts';
import { rawConnect, rawExchange, start, statusOf } from './helpers.ts';

describe('serve() over a real socket', () => {
  it('answers with the status, headers and body of the handler’s response', async () => {
    const server = await start(
      () => new Response('created', { status: 201, headers: { 'x-test': 'yes' } }),
    );
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-test')).toBe('yes');
    expect(await res.text()).toBe('created');
  });

  it('reports the bound port and url when port 0 asks for an ephemeral port', async () => {
    const server = await start(() => new Response('ok'));
    expect(server.port).toBeGreaterThan(0);
    expect(server.host).toBe('127.0.0.1');
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.node?.address()).toMatchObject({ port: server.port });
  });

  it('adds a Date header', async () => {
    const server = await start(() => new Response('ok'));
    const res = await fetch(server.url);
    expect(Date.parse(res.headers.get('date') ?? '')).not.toBeNaN();
  });

  it('sends each Set-Cookie as a field of its own', async () => {
    const server = await start(() => {
      const headers = new Headers();
      headers.append('set-cookie', 'a=1; Path=/');
      headers.append('set-cookie', 'b=2, with comma; Path=/');
      return new Response('ok', { headers });
    });
    const text = await rawExchange(
      server.port,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(text).toContain('\r\nset-cookie: a=1; Path=/\r\n');
    expect(text).toContain('\r\nset-cookie: b=2, with comma; Path=/\r\n');
  });

  it('sends a body that is one chunk with Content-Length, not chunked', async () => {
    const server = await start(() => new Response('hello'));
    const text = await rawExchange(
      server.port,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(text).toMatch(/\r\ncontent-length: 5\r\n/i);
    expect(text).not.toMatch(/transfer-encoding/i);
    expect(text.endsWith('\r\n\r\nhello')).toBe(true);
  });

  it('streams a body of several chunks with chunked encoding', async () => {
    const server = await start(() => {
      const parts = ['one', 'two', 'three'];
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          const part = parts.shift();
          if (part === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(part));
        },
      });
      return new Response(stream);
    });
    const text = await rawExchange(
      server.port,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(text).toMatch(/\r\ntransfer-encoding: chunked\r\n/i);
    expect(text).not.toMatch(/content-length/i);
    expect(text).toContain('\r\n3\r\none\r\n3\r\ntwo\r\n5\r\nthree\r\n0\r\n\r\n');
  });

  it('keeps a Content-Length the application declared for a streamed body', async () => {
    const server = await start(() => {
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          controller.enqueue(new TextEncoder().encode('abc'));
          controller.close();
        },
      });
      return new Response(stream, { headers: { 'content-length': '3' } });
    });
    const text = await rawExchange(
      server.port,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(text).toMatch(/\r\ncontent-length: 3\r\n/i);
    expect(text).not.toMatch(/transfer-encoding/i);
    expect(text.endsWith('\r\n\r\nabc')).toBe(true);
  });

  it('drops a Transfer-Encoding the application set, since framing is the server’s', async () => {
    const server = await start(
      () => new Response('hello', { headers: { 'transfer-encoding': 'chunked' } }),
    );
    const text = await rawExchange(
      server.port,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(text).not.toMatch(/transfer-encoding/i);
    expect(text).toMatch(/\r\ncontent-length: 5\r\n/i);
  });

  it('sends an empty stream body with Content-Length: 0', async () => {
    const server = await start(
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.close();
            },
          }),
        ),
    );
    const text = await rawExchange(
      server.port,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(text).toMatch(/\r\ncontent-length: 0\r\n/i);
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });

  it('honours Connection: close from the application', async () => {
    const server = await start(() => new Response('bye', { headers: { connection: 'close' } }));
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await connection.closed();
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(text.match(/connection:/gi)).toHaveLength(1);
  });

  it.each([
    [204, ''],
    [304, '\r\ncontent-length: 42\r\n'],
  ])('sends no body with %i', async (status, expected) => {
    const server = await start(
      () => new Response(null, { status, headers: { 'content-length': '42', etag: '"x"' } }),
    );
    const text = await rawExchange(
      server.port,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(text)).toBe(status);
    expect(text.endsWith('\r\n\r\n')).toBe(true);
    if (expected === '') expect(text).not.toMatch(/content-length/i);
    else expect(text).toContain(expected);
    expect(text).not.toMatch(/transfer-encoding/i);
  });

  it('stops pulling from the body while the client is not reading (backpressure)', async () => {
    let pulls = 0;
    const server = await start(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            pull(controller) {
              pulls++;
              controller.enqueue(new Uint8Array(64 * 1024));
            },
          }),
        ),
    );
    const connection = await rawConnect(server.port);
    connection.socket.pause();
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stalled = pulls;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pulls).toBe(stalled);
    expect(stalled).toBeLessThan(1024);
    connection.socket.resume();
    await connection.until((text) => text.length > stalled * 64 * 1024 + 1024 * 1024);
    expect(pulls).toBeGreaterThan(stalled);
    connection.socket.destroy();
  });

  it('gives the handler a real Request with the absolute URL, method, headers and body', async () => {
    let seen: { isRequest: boolean; url: string; method: string; agent: string | null } | undefined;
    const server = await start(async (request) => {
      seen = {
        isRequest: request instanceof Request,
        url: request.url,
        method: request.method,
        agent: request.headers.get('x-agent'),
      };
      return new Response(await request.text());
    });
    const res = await fetch(`${server.url}/p/q?x=1&y=2`, {
      method: 'PUT',
      headers: { 'x-agent': 'test' },
      body: 'payload',
    });
    expect(await res.text()).toBe('payload');
    expect(seen).toEqual({
      isRequest: true,
      url: `${server.url}/p/q?x=1&y=2`,
      method: 'PUT',
      agent: 'test',
    });
  });

  it('fills the context with scheme, host, client address, and the whole path as pathInfo', async () => {
    let ctx: Context | undefined;
    const server = await start((_request, context) => {
      ctx = context;
      return new Response('ok');
    });
    await fetch(`${server.url}/a/b?c`);
    expect(ctx).toMatchObject({
      scriptName: '',
      pathInfo: '/a/b',
      scheme: 'http',
      host: `127.0.0.1:${server.port}`,
      remoteAddr: '127.0.0.1',
    });
    expect(ctx?.remotePort).toBeGreaterThan(0);
    expect(ctx?.signal.aborted).toBe(false);
  });

  it.each([
    ['/a/../b', '/b'],
    ['/%2e%2e/x', '/x'],
    ['/%2E%2e/x/%2e/', '/x/'],
    ['//x', '//x'],
    ['/a/./b/.', '/a/b/'],
    ['/a%2Fb', '/a%2Fb'],
    ['/a\\b', '/a/b'],
    ['/x?q=/../y', '/x'],
    ['/caf%C3%A9', '/caf%C3%A9'],
    ['/a|b', '/a|b'],
    ['/x#frag', '/x'],
  ])(
    'keeps scriptName + pathInfo equal to the WHATWG pathname for %s',
    async (target, pathname) => {
      let seen: { url: string; split: string } | undefined;
      const server = await start((request, ctx) => {
        seen = { url: request.url, split: ctx.scriptName + ctx.pathInfo };
        return new Response('ok');
      });
      const text = await rawExchange(
        server.port,
        `GET ${target} HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n`,
      );
      expect(statusOf(text)).toBe(200);
      expect(seen?.split).toBe(pathname);
      expect(new URL(seen?.url ?? '').pathname).toBe(pathname);
      expect(seen?.url).not.toContain('#');
    },
  );

  it('takes the authority of an absolute-form target over Host (RFC 9112 §3.2.2)', async () => {
    let seen: { url: string; host: string; pathInfo: string } | undefined;
    const server = await start((request, ctx) => {
      seen = { url: request.url, host: ctx.host, pathInfo: ctx.pathInfo };
      return new Response('ok');
    });
    const text = await rawExchange(
      server.port,
      'GET http://other.test/x?y=1 HTTP/1.1\r\nHost: mine.test\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(text)).toBe(200);
    expect(seen).toEqual({ url: 'http://other.test/x?y=1', host: 'other.test', pathInfo: '/x' });
  });

  it.each([
    ['Example.TEST:80', 'example.test'],
    ['example.test:8080', 'example.test:8080'],
    ['0x7f.1', '127.0.0.1'],
    ['[::1]:81', '[::1]:81'],
  ])('normalises the Host %s the way the URL parser does', async (hostHeader, host) => {
    let seen: { url: string; host: string } | undefined;
    const server = await start((request, ctx) => {
      seen = { url: request.url, host: ctx.host };
      return new Response('ok');
    });
    await rawExchange(
      server.port,
      `GET / HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`,
    );
    expect(seen).toEqual({ url: `http://${host}/`, host });
  });

  it('uses the local address as the host of an HTTP/1.0 request without Host', async () => {
    let seen: string | undefined;
    const server = await start((request) => {
      seen = request.url;
      return new Response('ok');
    });
    const text = await rawExchange(server.port, 'GET /old HTTP/1.0\r\n\r\n');
    expect(statusOf(text)).toBe(200);
    expect(seen).toBe(`http://127.0.0.1:${server.port}/old`);
  });

  it('combines repeated request headers and keeps X_Foo apart from X-Foo', async () => {
    let seen: [string | null, string | null, string | null] | undefined;
    const server = await start((request) => {
      seen = [
        request.headers.get('accept'),
        request.headers.get('x_foo'),
        request.headers.get('x-foo'),
      ];
      return new Response('ok');
    });
    await rawExchange(
      server.port,
      'GET / HTTP/1.1\r\nHost: x\r\nAccept: a\r\nAccept: b\r\nX_Foo: under\r\nX-Foo: dash\r\nConnection: close\r\n\r\n',
    );
    expect(seen).toEqual(['a, b', 'under', 'dash']);
  });

  it('answers HEAD with the headers only and cancels the body', async () => {
    let cancelled = false;
    const server = await start(() => {
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          controller.enqueue(new TextEncoder().encode('never sent'));
        },
        cancel() {
          cancelled = true;
        },
      });
      return new Response(body, { headers: { 'x-kept': '1', 'content-length': '10' } });
    });
    const text = await rawExchange(
      server.port,
      'HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(text)).toBe(200);
    expect(text).toMatch(/\r\nx-kept: 1\r\n/);
    expect(text).toMatch(/\r\ncontent-length: 10\r\n/i);
    expect(text.endsWith('\r\n\r\n')).toBe(true);
    expect(cancelled).toBe(true);
  });

  it('answers HEAD with the Content-Length GET would have for a body already in memory', async () => {
    const server = await start(() => new Response('twelve bytes'));
    const text = await rawExchange(
      server.port,
      'HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(text).toMatch(/\r\ncontent-length: 12\r\n/i);
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });

  it('answers HEAD at once, without a length, for a body still being produced', async () => {
    let cancelled = false;
    const server = await start(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async pull(controller) {
              await new Promise((resolve) => setTimeout(resolve, 60_000));
              controller.close();
            },
            cancel() {
              cancelled = true;
            },
          }),
        ),
    );
    const text = await rawExchange(
      server.port,
      'HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(text)).toBe(200);
    expect(text).not.toMatch(/content-length|transfer-encoding/i);
    expect(cancelled).toBe(true);
  });

  it('answers OPTIONS * itself, with an empty 200', async () => {
    let called = false;
    const server = await start(() => {
      called = true;
      return new Response('no');
    });
    const text = await rawExchange(
      server.port,
      'OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(text)).toBe(200);
    expect(text).toMatch(/\r\ncontent-length: 0\r\n/i);
    expect(called).toBe(false);
  });

  it('serves 1000 requests on one keep-alive connection', async () => {
    let connections = 0;
    const server = await start((_request, ctx) => new Response(String(ctx.remotePort)));
    server.node?.on('connection', () => connections++);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const body = await new Promise<string>((resolve, reject) => {
        httpRequest(`${server.url}/${i}`, { agent }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('end', () => {
            resolve(text);
          });
        })
          .on('error', reject)
          .end();
      });
      ports.add(body);
    }
    agent.destroy();
    expect(connections).toBe(1);
    expect(ports.size).toBe(1);
  });

  it('keeps the connection open between requests on a raw socket', async () => {
    const server = await start(() => new Response('ok'));
    const connection = await rawConnect(server.port);
    connection.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\n');
    await connection.until((text) => text.endsWith('\r\n\r\nok'));
    connection.write('GET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await connection.until((all) => all.split('HTTP/1.1 200').length === 3);
    expect(text.match(/keep-alive/gi)?.length).toBeGreaterThanOrEqual(2);
    connection.socket.destroy();
  });
});
