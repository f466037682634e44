import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { exchange, memoryGrowth } from '../../test/helpers/bulk.ts';

const MiB = 1024 * 1024;
const SIZE = 1024 * MiB;
const BOUND = 64 * MiB;
const CHUNK = 256 * 1024;

let child: ChildProcessWithoutNullStreams | undefined;
let upstreamServer: Server | undefined;

afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
  upstreamServer?.closeAllConnections();
  upstreamServer?.close();
  upstreamServer = undefined;
});

/** An upstream that counts uploads (POST) and generates `size` bytes for GET /download?size=N. */
async function countingUpstream(): Promise<string> {
  const filler = Buffer.alloc(CHUNK, 'u');
  upstreamServer = createServer((req, res) => {
    if (req.method === 'POST') {
      let total = 0;
      req.on('data', (chunk: Buffer) => (total += chunk.byteLength));
      req.on('end', () => res.end(String(total)));
      return;
    }
    let left = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size'));
    res.writeHead(200, { 'content-length': left });
    const pump = (): void => {
      while (left > 0) {
        const size = Math.min(CHUNK, left);
        left -= size;
        if (!res.write(size === CHUNK ? filler : filler.subarray(0, size))) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => upstreamServer?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${String((upstreamServer.address() as AddressInfo).port)}`;
}

async function startProxy(target: string): Promise<number> {
  const program = join(import.meta.dirname, 'memory.fixture.ts');
  child = spawn(process.execPath, ['--expose-gc', program, target], { stdio: 'pipe' });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child!.stdout }).once('line', resolve);
    child!.once('exit', () => {
      reject(new Error(`the proxy fixture exited\n${stderr}`));
    });
  });
  return (JSON.parse(line) as { port: number }).port;
}

describe('proxy() memory with 1 GiB bodies (child process)', () => {
  it('streams a 1 GiB upload with memory growth under 64 MiB', { timeout: 180_000 }, async () => {
    const port = await startProxy(await countingUpstream());
    const res = await exchange(port, '/upload', SIZE);
    expect(res.status).toBe(200);
    expect(res.text).toBe(String(SIZE));
    expect(await memoryGrowth(port, '/__rss')).toBeLessThan(BOUND);
  });

  it('streams a 1 GiB download with memory growth under 64 MiB', { timeout: 180_000 }, async () => {
    const port = await startProxy(await countingUpstream());
    const res = await exchange(port, `/download?size=${String(SIZE)}`);
    expect(res.status).toBe(200);
    expect(res.bytes).toBe(SIZE);
    expect(await memoryGrowth(port, '/__rss')).toBeLessThan(BOUND);
  });
});
