import { request } from 'node:http';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fixture, rawConnect } from './helpers.ts';

const MiB = 1024 * 1024;
const SIZE = 100 * MiB;
const BOUND = 64 * MiB;

interface Rss {
  readonly baseline: number;
  readonly peak: number;
}

function get(port: number, path: string): Promise<{ status: number; bytes: number; text: string }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path }, (res) => {
      let bytes = 0;
      let text = '';
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.byteLength;
        if (text.length < 1000) text += chunk.toString('latin1');
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, bytes, text });
      });
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

function* chunks(total: number): Generator<Buffer> {
  const chunk = Buffer.alloc(256 * 1024, 'u');
  for (let sent = 0; sent < total; sent += chunk.byteLength) {
    yield total - sent >= chunk.byteLength ? chunk : chunk.subarray(0, total - sent);
  }
}

function upload(port: number, total: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/upload',
        method: 'POST',
        headers: { 'content-length': total },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve(text);
        });
      },
    );
    req.on('error', reject);
    Readable.from(chunks(total)).pipe(req);
  });
}

describe('serve() memory with large bodies (child process)', () => {
  it('streams a 100 MiB upload with memory growth under 64 MiB', async () => {
    const server = fixture('memory.ts', [], ['--expose-gc']);
    const { port } = await server.next<{ port: number }>();
    expect(await upload(port, SIZE)).toBe(String(SIZE));
    const rss = JSON.parse((await get(port, '/rss')).text) as Rss;
    expect(rss.peak - rss.baseline).toBeLessThan(BOUND);
  });

  it('streams a 100 MiB download with memory growth under 64 MiB', async () => {
    const server = fixture('memory.ts', [], ['--expose-gc']);
    const { port } = await server.next<{ port: number }>();
    const res = await get(port, `/download?size=${SIZE}`);
    expect(res.status).toBe(200);
    expect(res.bytes).toBe(SIZE);
    const rss = JSON.parse((await get(port, '/rss')).text) as Rss;
    expect(rss.peak - rss.baseline).toBeLessThan(BOUND);
  });
});

describe('serve() memory between requests (child process)', () => {
  it('leaves nothing of a finished request reachable from its Node response', async () => {
    const server = fixture('retention.ts', [], ['--expose-gc']);
    const { port } = await server.next<{ port: number }>();
    const connection = await rawConnect(port);
    connection.write('GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n');
    await connection.until((text) => text.split('done').length === 3);
    const report = JSON.parse((await get(port, '/alive')).text) as {
      tracked: number;
      alive: number;
    };
    connection.socket.destroy();
    expect(report).toEqual({ tracked: 4, alive: 0 });
  });
});
