import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BodyTooLargeError } from '../../src/server/index.ts';
import { rawConnect, rawExchange, run, start, statusOf } from './helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('serve() with request bodies', () => {
  it('streams an upload through to a streamed response', async () => {
    const server = await start((request) => new Response(request.body));
    const payload = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
    const res = await fetch(server.url, { method: 'POST', body: payload });
    const echoed = Buffer.from(await res.arrayBuffer());
    expect(echoed.byteLength).toBe(payload.byteLength);
    expect(echoed.equals(payload)).toBe(true);
  });

  it('gives a request without a body a null body', async () => {
    let body: unknown = 'unset';
    const server = await start((request) => {
      body = request.body;
      return new Response('ok');
    });
    await fetch(server.url, { method: 'DELETE' });
    expect(body).toBeNull();
  });

  it('reads a chunked upload', async () => {
    const server = await start(async (request) => new Response(await request.text()));
    const connection = await rawConnect(server.port);
    connection.write(
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
    );
    const text = await connection.closed();
    expect(text.endsWith('\r\n\r\nabcde')).toBe(true);
  });

  it('answers 413 to a Content-Length over maxBodySize without calling the handler', async () => {
    let called = false;
    const server = await start(
      () => {
        called = true;
        return new Response('no');
      },
      { maxBodySize: 10 },
    );
    const text = await rawExchange(
      server.port,
      `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n${'a'.repeat(11)}`,
    );
    expect(statusOf(text)).toBe(413);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(called).toBe(false);
  });

  it('accepts a body of exactly maxBodySize', async () => {
    const server = await start(async (request) => new Response(await request.text()), {
      maxBodySize: 10,
    });
    const res = await fetch(server.url, { method: 'POST', body: 'a'.repeat(10) });
    expect(res.status).toBe(200);
  });

  it('answers 413 and closes when a chunked body crosses maxBodySize', async () => {
    let failure: unknown;
    const server = await start(
      async (request) => {
        try {
          await request.arrayBuffer();
        } catch (error) {
          failure = error;
          throw error;
        }
        return new Response('read it all');
      },
      { maxBodySize: 10 },
    );
    const connection = await rawConnect(server.port);
    connection.write(
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n8\r\naaaaaaaa\r\n',
    );
    await sleep(20);
    connection.write('8\r\nbbbbbbbb\r\n');
    const text = await connection.closed();
    expect(statusOf(text)).toBe(413);
    expect(failure).toBeInstanceOf(BodyTooLargeError);
    expect(server.errors).toEqual([]);
  });

  it('lets the handler catch the oversized body and answer itself', async () => {
    const server = await start(
      async (request) => {
        try {
          await request.text();
          return new Response('fine');
        } catch (error) {
          return new Response(
            error instanceof BodyTooLargeError ? `limit ${error.limit}` : 'other',
            {
              status: 422,
            },
          );
        }
      },
      { maxBodySize: 4 },
    );
    const text = await rawExchange(
      server.port,
      'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n0\r\n\r\n',
    );
    expect(statusOf(text)).toBe(422);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(text.endsWith('limit 4')).toBe(true);
  });

  it('does not give a GET its body, and closes the connection after answering', async () => {
    let body: unknown = 'unset';
    const server = await start((request) => {
      body = request.body;
      return new Response('ok');
    });
    const text = await rawExchange(
      server.port,
      'GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n',
    );
    expect(statusOf(text)).toBe(200);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(body).toBeNull();
  });

  it('discards an unread body and keeps the connection for the next request', async () => {
    const server = await start((_request, ctx) => new Response(ctx.pathInfo));
    const connection = await rawConnect(server.port);
    connection.write('POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello');
    connection.write('GET /second HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await connection.until((all) => all.endsWith('/second'));
    expect(text).toContain('/first');
    connection.socket.destroy();
  });

  it('drains a half-read body and keeps the connection for the next request', async () => {
    const server = await start(async (request, ctx) => {
      if (request.body !== null) {
        const reader = request.body.getReader();
        await reader.read();
        await reader.cancel();
      }
      return new Response(ctx.pathInfo);
    });
    const connection = await rawConnect(server.port);
    connection.write(
      'POST /first HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n',
    );
    await connection.until((all) => all.endsWith('/first'));
    connection.write('3\r\ndef\r\n0\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n');
    await connection.until((all) => all.endsWith('/second'));
    connection.socket.destroy();
  });
});

describe('serve() with Expect: 100-continue', () => {
  const head = (length: number): string =>
    `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${length}\r\nExpect: 100-continue\r\n\r\n`;

  it('sends 100 Continue once the handler reads the body, not before', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const server = await start(async (request) => {
      await gate;
      return new Response(await request.text());
    });
    const connection = await rawConnect(server.port);
    connection.write(head(5));
    await sleep(50);
    expect(connection.received()).toBe('');
    release();
    await connection.until((text) => text.includes('100 Continue'));
    connection.write('hello');
    const text = await connection.until((all) => all.endsWith('hello'));
    expect(text.startsWith('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK')).toBe(true);
    connection.socket.destroy();
  });

  it('answers without 100 Continue, and closes, when the handler never reads the body', async () => {
    const server = await start(() => new Response('not interested', { status: 403 }));
    const connection = await rawConnect(server.port);
    connection.write(head(5));
    const text = await connection.closed();
    expect(text).not.toContain('100 Continue');
    expect(statusOf(text)).toBe(403);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
  });

  it('answers 413 without 100 Continue when Content-Length is over the limit', async () => {
    const server = await start(() => new Response('no'), { maxBodySize: 100 });
    const connection = await rawConnect(server.port);
    connection.write(head(101));
    const text = await connection.closed();
    expect(text).not.toContain('100 Continue');
    expect(statusOf(text)).toBe(413);
  });

  it('works with curl, which sends Expect: 100-continue for a large POST', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trowel-server-'));
    try {
      const file = join(dir, 'upload.bin');
      await writeFile(file, Buffer.alloc(2 * 1024 * 1024, 'x'));
      const server = await start(
        async (request) => new Response(String((await request.arrayBuffer()).byteLength)),
      );
      const result = await run('curl', [
        '-sS',
        '-v',
        '--data-binary',
        `@${file}`,
        `${server.url}/`,
      ]);
      expect(result.stderr).toMatch(/> Expect: 100-continue/i);
      expect(result.stderr).toMatch(/< HTTP\/1\.1 100 Continue/);
      expect(result.stdout).toBe(String(2 * 1024 * 1024));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('serve() when the client goes away', () => {
  it('aborts ctx.signal and request.signal while the handler is still working', async () => {
    let resolveAborted: (value: [boolean, boolean]) => void = () => undefined;
    const aborted = new Promise<[boolean, boolean]>((resolve) => (resolveAborted = resolve));
    let entered: () => void = () => undefined;
    const handlerEntered = new Promise<void>((resolve) => (entered = resolve));
    const server = await start(
      (request, ctx) =>
        new Promise<Response>((resolve) => {
          entered();
          ctx.signal.addEventListener('abort', () => {
            resolveAborted([ctx.signal.aborted, request.signal.aborted]);
            resolve(new Response('too late'));
          });
        }),
    );
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await handlerEntered;
    connection.socket.destroy();
    expect(await aborted).toEqual([true, true]);
    expect(server.errors).toEqual([]);
  });

  it('cancels the response body and stops pulling when the client disconnects mid-response', async () => {
    let pulls = 0;
    let cancelled: (reason: unknown) => void = () => undefined;
    const cancel = new Promise<unknown>((resolve) => (cancelled = resolve));
    let signalled = false;
    const server = await start((_request, ctx) => {
      ctx.signal.addEventListener('abort', () => (signalled = true));
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          pulls++;
          await sleep(2);
          controller.enqueue(new Uint8Array(1024).fill(97));
        },
        cancel(reason) {
          cancelled(reason);
        },
      });
      return new Response(body);
    });
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await connection.until((text) => text.length > 8 * 1024);
    connection.socket.destroy();
    const reason = await cancel;
    expect(reason).toBeInstanceOf(DOMException);
    expect(signalled).toBe(true);
    const pullsAtCancel = pulls;
    await sleep(50);
    expect(pulls).toBe(pullsAtCancel);
    expect(server.errors).toEqual([]);
  });

  it('gives an already aborted signal to a handler that first reads it after the client left', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const handlerEntered = new Promise<void>((resolve) => (entered = resolve));
    let seen: [boolean, boolean, unknown] | undefined;
    const server = await start(async (request, ctx) => {
      entered();
      await released;
      seen = [ctx.signal.aborted, request.signal.aborted, ctx.signal.reason];
      return new Response('too late');
    });
    server.node?.once('connection', (socket: Socket) => {
      // The server has seen the close once its socket has; the request's own 'close' comes with it.
      socket.once('close', () => setImmediate(release));
    });
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await handlerEntered;
    connection.socket.destroy();
    await released;
    await sleep(10);
    expect(seen?.slice(0, 2)).toEqual([true, true]);
    expect(seen?.[2]).toBeInstanceOf(DOMException);
    expect(server.errors).toEqual([]);
  });

  it('aborts an upstream fetch handed request.signal when the client goes away', async () => {
    let upstreamEntered: () => void = () => undefined;
    const upstreamReached = new Promise<void>((resolve) => (upstreamEntered = resolve));
    let upstreamAborted: () => void = () => undefined;
    const upstreamSawAbort = new Promise<void>((resolve) => (upstreamAborted = resolve));
    const upstream = await start(
      (_request, ctx) =>
        new Promise<Response>((resolve) => {
          upstreamEntered();
          ctx.signal.addEventListener('abort', () => {
            upstreamAborted();
            resolve(new Response('never sent'));
          });
        }),
    );
    let failed: (error: unknown) => void = () => undefined;
    const fetchFailed = new Promise<unknown>((resolve) => (failed = resolve));
    const server = await start(async (request) => {
      try {
        return await fetch(upstream.url, { signal: request.signal });
      } catch (error) {
        failed(error);
        throw error;
      }
    });
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await upstreamReached;
    connection.socket.destroy();
    await upstreamSawAbort;
    expect((await fetchFailed) as Error).toHaveProperty('name', 'AbortError');
    expect(server.errors).toEqual([]);
  });

  it('does not abort the signal after a response that completed', async () => {
    let signal: AbortSignal | undefined;
    const server = await start((_request, ctx) => {
      signal = ctx.signal;
      return new Response('done');
    });
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await connection.closed();
    await sleep(20);
    expect(signal?.aborted).toBe(false);
  });
});
