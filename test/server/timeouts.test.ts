import { describe, expect, it } from 'vitest';
import { rawConnect, start, statusOf } from './helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('serve() timeouts (slowloris and idle connections)', () => {
  it('answers 408 and closes when the head dribbles in past headersTimeout', async () => {
    const server = await start(() => new Response('ok'), {
      headersTimeout: 300,
      requestTimeout: 1000,
    });
    const connection = await rawConnect(server.port);
    const started = Date.now();
    const dribble = setInterval(() => {
      if (!connection.socket.destroyed) connection.write('X');
    }, 50);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ');
    const text = await connection.closed(3000).finally(() => {
      clearInterval(dribble);
    });
    expect(statusOf(text)).toBe(408);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('closes when the body dribbles in past requestTimeout', async () => {
    let failure: unknown;
    const server = await start(
      async (request) => {
        try {
          return new Response(await request.text());
        } catch (error) {
          failure = error;
          throw error;
        }
      },
      { headersTimeout: 200, requestTimeout: 400 },
    );
    const connection = await rawConnect(server.port);
    const started = Date.now();
    connection.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n');
    const dribble = setInterval(() => {
      if (!connection.socket.destroyed) connection.write('a');
    }, 50);
    const text = await connection.closed(3000).finally(() => {
      clearInterval(dribble);
    });
    expect(text).not.toContain('200 OK');
    expect(Date.now() - started).toBeLessThan(2000);
    await sleep(20);
    expect(failure).toBeInstanceOf(Error);
  });

  it('closes a keep-alive connection left idle past keepAliveTimeout', async () => {
    const server = await start(() => new Response('ok'), { keepAliveTimeout: 200 });
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await connection.until((text) => text.endsWith('ok'));
    const idleSince = Date.now();
    await connection.closed(3000);
    expect(Date.now() - idleSince).toBeGreaterThanOrEqual(150);
  });
});
