import { request } from 'node:http';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fixture, rawConnect, start, statusOf } from './helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** GETs `path` and resolves with the body once `onFirstByte` has run and the response ended. */
function slowGet(
  port: number,
  path: string,
  onFirstByte: () => void,
): Promise<{ body: string; complete: boolean; connection: string | undefined }> {
  return new Promise((resolve) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      let first = true;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (first) {
          first = false;
          onFirstByte();
        }
      });
      res.on('end', () => {
        resolve({ body, complete: res.complete, connection: res.headers.connection });
      });
      res.on('error', () => {
        resolve({ body, complete: false, connection: res.headers.connection });
      });
    })
      .on('error', () => {
        resolve({ body: '', complete: false, connection: undefined });
      })
      .end();
  });
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => {
      resolve(true);
    });
  });
}

describe('serve() graceful shutdown (child process, real signals)', () => {
  it('lets a slow response finish on SIGTERM, then exits with code 0', async () => {
    const server = fixture('slow.ts', ['10000']);
    const { port } = await server.next<{ port: number }>();
    const response = slowGet(port, '/slow?ms=400', () => server.child.kill('SIGTERM'));
    const result = await response;
    expect(result).toEqual({ body: 'first,last', complete: true, connection: 'close' });
    expect(await server.exited).toMatchObject({ code: 0, signal: null });
  });

  it('stops accepting connections as soon as SIGTERM arrives', async () => {
    const server = fixture('slow.ts', ['10000']);
    const { port } = await server.next<{ port: number }>();
    let signalled: () => void = () => undefined;
    const sent = new Promise<void>((resolve) => (signalled = resolve));
    const response = slowGet(port, '/slow?ms=400', () => {
      server.child.kill('SIGTERM');
      signalled();
    });
    await sent;
    await sleep(50);
    expect(await refused(port)).toBe(true);
    expect((await response).body).toBe('first,last');
    expect((await server.exited).code).toBe(0);
  });

  it('cuts a response that outlives shutdownTimeout, aborting its signal, and still exits 0', async () => {
    const server = fixture('slow.ts', ['200']);
    const { port } = await server.next<{ port: number }>();
    const response = slowGet(port, '/slow?ms=60000', () => server.child.kill('SIGTERM'));
    const result = await response;
    expect(result.complete).toBe(false);
    expect(result.body).toBe('first,');
    expect(await server.next()).toEqual({ aborted: true });
    expect(await server.exited).toMatchObject({ code: 0, signal: null });
  });

  it('exits at once on SIGINT when nothing is in flight', async () => {
    const server = fixture('slow.ts', ['10000']);
    await server.next();
    const started = Date.now();
    server.child.kill('SIGINT');
    expect((await server.exited).code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('TrowelServer.close()', () => {
  it('closes idle keep-alive connections at once', async () => {
    const server = await start(() => new Response('ok'));
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await connection.until((text) => text.endsWith('ok'));
    const closing = server.close();
    await connection.closed(1000);
    await closing;
  });

  it('answers a request already in flight with Connection: close before closing', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const server = await start(async () => {
      entered();
      await gate;
      return new Response('late');
    });
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await inHandler;
    const closed = server.close();
    release();
    const text = await connection.closed();
    expect(statusOf(text)).toBe(200);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(text.endsWith('late')).toBe(true);
    await closed;
  });

  it('cuts in-flight requests at the deadline', async () => {
    let aborted = false;
    const server = await start(
      (_request, ctx) =>
        new Promise<Response>((resolve) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            resolve(new Response('never'));
          });
        }),
    );
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(20);
    const started = Date.now();
    await server.close({ timeout: 100 });
    expect(Date.now() - started).toBeLessThan(2000);
    await connection.closed();
    expect(aborted).toBe(true);
  });

  it('returns the same promise when called twice, and a shorter timeout brings the deadline forward', async () => {
    const server = await start(() => new Promise<Response>(() => undefined));
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(20);
    const first = server.close({ timeout: 60_000 });
    const second = server.close({ timeout: 0 });
    expect(second).toBe(first);
    await first;
    await connection.closed();
  });
});
