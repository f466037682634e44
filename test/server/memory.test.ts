import { describe, expect, it } from 'vitest';
import { exchange, memoryGrowth } from '../helpers/bulk.ts';
import { fixture, rawConnect } from './helpers.ts';

const MiB = 1024 * 1024;
const SIZE = 100 * MiB;
const BOUND = 64 * MiB;

describe('serve() memory with large bodies (child process)', () => {
  it('streams a 100 MiB upload with memory growth under 64 MiB', async () => {
    const server = fixture('memory.ts', [], ['--expose-gc']);
    const { port } = await server.next<{ port: number }>();
    expect((await exchange(port, '/upload', SIZE)).text).toBe(String(SIZE));
    expect(await memoryGrowth(port, '/rss')).toBeLessThan(BOUND);
  });

  it('streams a 100 MiB download with memory growth under 64 MiB', async () => {
    const server = fixture('memory.ts', [], ['--expose-gc']);
    const { port } = await server.next<{ port: number }>();
    const res = await exchange(port, `/download?size=${SIZE}`);
    expect(res.status).toBe(200);
    expect(res.bytes).toBe(SIZE);
    expect(await memoryGrowth(port, '/rss')).toBeLessThan(BOUND);
  });
});

describe('serve() memory between requests (child process)', () => {
  it('leaves nothing of a finished request reachable from its Node response', async () => {
    const server = fixture('retention.ts', [], ['--expose-gc']);
    const { port } = await server.next<{ port: number }>();
    const connection = await rawConnect(port);
    connection.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    await connection.until((text) => text.split('done').length === 3);
    const report = JSON.parse((await exchange(port, '/alive')).text) as {
      tracked: number;
      alive: number;
    };
    connection.socket.destroy();
    expect(report).toEqual({ tracked: 4, alive: 0 });
  });
});
