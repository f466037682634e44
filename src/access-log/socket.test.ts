import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Handler } from '../core/handler.ts';
import { serve, type TrowelServer } from '../server/index.ts';
import { accessLog } from './index.ts';

let server: TrowelServer | undefined;

afterEach(async () => {
  await server?.close({ timeout: 1000 });
  server = undefined;
});

/** Collects lines and lets a test wait for the next one. */
function lineCollector(): { write(chunk: string): void; next(): Promise<string> } {
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  return {
    write(chunk) {
      const waiter = waiting.shift();
      if (waiter) waiter(chunk);
      else lines.push(chunk);
    },
    next: () => {
      const line = lines.shift();
      return line !== undefined
        ? Promise.resolve(line)
        : new Promise((resolve) => waiting.push(resolve));
    },
  };
}

async function start(app: Handler, out: { write(chunk: string): void }): Promise<string> {
  server = await serve(accessLog({ stream: out, format: 'json' })(app), {
    port: 0,
    host: '127.0.0.1',
  });
  return server.url;
}

describe('accessLog() over a real socket', () => {
  it('logs a client that leaves mid-body as aborted, with the bytes it was sent', async () => {
    const out = lineCollector();
    const first = new Uint8Array(64 * 1024).fill(97);
    const url = await start(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(first);
            },
            // Then nothing more, until the server cancels the body.
            pull: () => new Promise<void>(() => undefined),
          }),
        ),
      out,
    );
    const received = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${url}/big`, { agent: false }, (res) => {
        let count = 0;
        res.on('data', (chunk: Buffer) => {
          count += chunk.length;
          if (count === first.length) {
            req.destroy();
            resolve(count);
          }
        });
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'ECONNRESET') reject(error);
      });
      req.end();
    });
    const line = JSON.parse(await out.next()) as Record<string, unknown>;
    expect(line).toMatchObject({
      url: '/big',
      status: 200,
      bytes: received,
      outcome: 'aborted',
      remote: '127.0.0.1',
    });
  });

  it('logs a chunked stream with the bytes the client received', async () => {
    const out = lineCollector();
    const url = await start(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async start(controller) {
              for (let i = 0; i < 5; i++) {
                controller.enqueue(new TextEncoder().encode(`event ${String(i)}\n`));
                await new Promise((resolve) => setTimeout(resolve, 5));
              }
              controller.close();
            },
          }),
        ),
      out,
    );
    const response = await fetch(`${url}/events`);
    const text = await response.text();
    expect(response.headers.get('transfer-encoding')).toBe('chunked');
    const line = JSON.parse(await out.next()) as Record<string, unknown>;
    expect(line).toMatchObject({ bytes: Buffer.byteLength(text), outcome: 'complete' });
  });

  it('keeps Content-Length on the wire for a body built from a string', async () => {
    const out = lineCollector();
    const url = await start(() => new Response('hello world'), out);
    const response = await fetch(`${url}/`);
    expect(response.headers.get('content-length')).toBe('11');
    expect(await response.text()).toBe('hello world');
    expect(JSON.parse(await out.next())).toMatchObject({ bytes: 11 });
  });

  it('logs HEAD with no bytes while the server still sends the length GET would have', async () => {
    const out = lineCollector();
    const url = await start(() => new Response('hello world'), out);
    const response = await fetch(`${url}/`, { method: 'HEAD' });
    expect(response.headers.get('content-length')).toBe('11');
    expect(JSON.parse(await out.next())).toMatchObject({ method: 'HEAD', bytes: 0 });
  });

  it('logs a 304 with no bytes', async () => {
    const out = lineCollector();
    const url = await start(
      () => new Response(null, { status: 304, headers: { etag: '"a"' } }),
      out,
    );
    const response = await fetch(`${url}/`, { headers: { 'if-none-match': '"a"' } });
    expect(response.status).toBe(304);
    expect(JSON.parse(await out.next())).toMatchObject({ status: 304, bytes: 0 });
  });
});
