import { describe, expect, it } from 'vitest';
import { rawConnect, rawExchange, start, statusOf } from './helpers.ts';

const ok = (): Response => new Response('ok');

describe('serve() refusing bad requests', () => {
  it.each([
    ['a malformed request line', 'GARBAGE\r\n\r\n'],
    ['a request line with extra words', 'GET /x HTTP/1.1 extra\r\nHost: x\r\n\r\n'],
    ['a lower-case method', 'get / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a raw non-ASCII byte in the target', 'GET /\xe9 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a control character in a header value', 'GET / HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n'],
    ['white space before the colon', 'GET / HTTP/1.1\r\nHost: x\r\nX : y\r\n\r\n'],
    ['no Host in HTTP/1.1', 'GET / HTTP/1.1\r\n\r\n'],
    ['two Host fields', 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'],
    ['a Host with user info', 'GET / HTTP/1.1\r\nHost: a@b\r\n\r\n'],
    ['a Host with a path', 'GET / HTTP/1.1\r\nHost: a/b\r\n\r\n'],
    ['a Host with a bad port', 'GET / HTTP/1.1\r\nHost: a:99999\r\n\r\n'],
    [
      'Content-Length with Transfer-Encoding',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['a negative Content-Length', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nhello'],
    [
      'a non-numeric Content-Length',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\nhello',
    ],
    ['a Content-Length list', 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello'],
    [
      'two Content-Length fields',
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello',
    ],
    [
      'a final coding other than chunked',
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n',
    ],
    [
      'Transfer-Encoding in HTTP/1.0',
      'POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    ['an authority-form target', 'GET example.test:80 HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['an absolute-form target with another scheme', 'GET ftp://x/y HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['an asterisk target with GET', 'GET * HTTP/1.1\r\nHost: x\r\n\r\n'],
  ])('answers 400 to %s and closes the connection', async (_name, request) => {
    let called = false;
    const server = await start(() => {
      called = true;
      return ok();
    });
    const text = await rawExchange(server.port, request);
    expect(statusOf(text)).toBe(400);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(called).toBe(false);
  });

  it('does not run a request smuggled in a chunked body (Paste’s weakness)', async () => {
    const paths: string[] = [];
    const server = await start(async (request, ctx) => {
      paths.push(ctx.pathInfo);
      await request.arrayBuffer();
      return ok();
    });
    const smuggled = 'GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n';
    const body = `0\r\n\r\n${smuggled}`;
    await rawExchange(
      server.port,
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    );
    expect(paths).toEqual([]);
  });

  it('answers 501 to a transfer coding it does not decode', async () => {
    const server = await start(ok);
    const text = await rawExchange(
      server.port,
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
    );
    expect(statusOf(text)).toBe(501);
  });

  it('answers 501 to TRACE without calling the handler', async () => {
    let called = false;
    const server = await start(() => {
      called = true;
      return ok();
    });
    const text = await rawExchange(
      server.port,
      'TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(text)).toBe(501);
    expect(called).toBe(false);
  });

  it('answers 501 to CONNECT and closes the connection', async () => {
    const server = await start(ok);
    const text = await rawExchange(
      server.port,
      'CONNECT example.test:443 HTTP/1.1\r\nHost: example.test:443\r\n\r\n',
    );
    expect(statusOf(text)).toBe(501);
  });

  it('answers 431 to a head larger than maxHeaderSize', async () => {
    const server = await start(ok, { maxHeaderSize: 2048 });
    const text = await rawExchange(
      server.port,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`,
    );
    expect(statusOf(text)).toBe(431);
  });

  it('answers a head just under maxHeaderSize', async () => {
    const server = await start(ok, { maxHeaderSize: 2048 });
    const text = await rawExchange(
      server.port,
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(1800)}\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(text)).toBe(200);
  });
});

describe('serve() when the handler fails', () => {
  it('answers a throwing handler with a plain 500 and serves the next request', async () => {
    let calls = 0;
    const server = await start(() => {
      calls++;
      if (calls === 1) throw new Error('secret detail');
      return ok();
    });
    const first = await fetch(server.url);
    expect(first.status).toBe(500);
    expect(first.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const body = await first.text();
    expect(body).toBe('Internal Server Error\n');
    expect(server.errors).toHaveLength(1);
    const second = await fetch(server.url);
    expect(second.status).toBe(200);
    expect(await second.text()).toBe('ok');
  });

  it('answers a rejecting handler with 500', async () => {
    const server = await start(() => Promise.reject(new Error('nope')));
    const res = await fetch(server.url);
    expect(res.status).toBe(500);
    expect(server.errors).toEqual([new Error('nope')]);
  });

  it.each([
    ['undefined', undefined],
    ['a string', 'hello'],
    ['a plain object', { status: 200, body: 'x' }],
  ])('answers 500 when the handler returns %s', async (_name, value) => {
    const server = await start(() => value as unknown as Response);
    const res = await fetch(server.url);
    expect(res.status).toBe(500);
    expect(String(server.errors[0])).toMatch(/not a Response/);
  });

  it('answers 500, not a crash, to a header value Node refuses', async () => {
    const server = await start(
      () => new Response('ok', { headers: { 'x-bad': 'a\u0001b', 'x-other': '1' } }),
    );
    const text = await rawExchange(
      server.port,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    expect(statusOf(text)).toBe(500);
    expect(text).not.toMatch(/x-other/i);
    const again = await fetch(server.url);
    expect(again.status).toBe(500);
  });

  it('answers 500 to a Content-Length the body does not match', async () => {
    const server = await start(() => new Response('four', { headers: { 'content-length': '10' } }));
    const res = await fetch(server.url);
    expect(res.status).toBe(500);
  });

  it('answers 500 to a response whose body was already read', async () => {
    const server = await start(async () => {
      const response = new Response('used');
      await response.text();
      return response;
    });
    const res = await fetch(server.url);
    expect(res.status).toBe(500);
  });

  it.each([
    [
      'a malformed Content-Length',
      () => new Response('x', { headers: { 'content-length': 'ten' } }),
    ],
    [
      'a Content-Length on an empty body',
      () => new Response(null, { headers: { 'content-length': '5' } }),
    ],
    [
      'a Content-Length on a body stream that turns out empty',
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.close();
            },
          }),
          { headers: { 'content-length': '3' } },
        ),
    ],
    [
      'a body chunk that is not bytes',
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue('text');
              controller.close();
            },
          }),
        ),
    ],
  ])('answers 500 to %s', async (_name, make) => {
    const server = await start(make);
    const res = await fetch(server.url);
    expect(res.status).toBe(500);
    expect(server.errors).toHaveLength(1);
  });

  it('answers 500 to a Response.error()', async () => {
    const server = await start(() => Response.error());
    const res = await fetch(server.url);
    expect(res.status).toBe(500);
  });

  it('cuts the connection, with no error page, when the body fails after the head went out', async () => {
    const server = await start(() => {
      let sent = false;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (!sent) {
            sent = true;
            controller.enqueue(new TextEncoder().encode('partial'));
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 10));
          controller.error(new Error('disk on fire'));
        },
      });
      return new Response(body);
    });
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await connection.closed();
    expect(statusOf(text)).toBe(200);
    expect(text).toContain('partial');
    expect(text).not.toContain('0\r\n\r\n');
    expect(text).not.toContain('Internal Server Error');
    expect(server.errors).toEqual([new Error('disk on fire')]);
  });

  it('cuts the connection when a streamed body is longer than its Content-Length', async () => {
    const server = await start(() => {
      const chunks = ['abc', 'defgh'];
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 5));
          const chunk = chunks.shift();
          if (chunk === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(chunk));
        },
      });
      return new Response(body, { headers: { 'content-length': '4' } });
    });
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await connection.closed();
    expect(statusOf(text)).toBe(200);
    expect(text).not.toContain('defgh');
  });

  it('keeps serving when the onError hook itself throws', async () => {
    const server = await start(
      () => {
        throw new Error('handler');
      },
      {
        onError: () => {
          throw new Error('hook');
        },
      },
    );
    expect((await fetch(server.url)).status).toBe(500);
    expect((await fetch(server.url)).status).toBe(500);
  });
});
