/**
 * Two server processes sharing one cache directory: what one stores, the other serves; an entry
 * one replaces is never served by the other with stale header fields; a purge from outside is
 * seen by both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { purgeCache } from '../../src/disk-cache/index.ts';

interface Server {
  readonly child: ChildProcess;
  readonly origin: string;
}

function start(cacheDir: string, name: string): Promise<Server> {
  const program = join(import.meta.dirname, 'shared-server.fixture.ts');
  const child = spawn(process.execPath, [program, cacheDir, name], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`server ${name} did not start: ${stderr}`));
    }, 15_000);
    createInterface({ input: child.stdout }).once('line', (line) => {
      clearTimeout(timer);
      const { port } = JSON.parse(line) as { port: number };
      resolve({ child, origin: `http://127.0.0.1:${port}` });
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new Error(`server ${name} exited: ${stderr}`));
    });
  });
}

async function get(
  server: Server,
  path: string,
  method = 'GET',
): Promise<{ text: string; type: string | null; status: string | null }> {
  const response = await fetch(server.origin + path, { method });
  return {
    text: await response.text(),
    type: response.headers.get('content-type'),
    status: response.headers.get('cache-status'),
  };
}

describe('two server processes sharing one cache directory', () => {
  let dir: string;
  let a: Server;
  let b: Server;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trowel-disk-cache-shared-'));
    [a, b] = await Promise.all([start(join(dir, 'cache'), 'a'), start(join(dir, 'cache'), 'b')]);
  });

  afterAll(async () => {
    for (const server of [a, b]) {
      if (server.child.exitCode === null) {
        const exited = new Promise((resolve) => server.child.once('exit', resolve));
        server.child.kill('SIGTERM');
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves from one process what the other stored', async () => {
    expect(await get(a, '/page')).toEqual({
      text: 'from a',
      type: 'text/x-a',
      status: 'trowel; fwd=miss; stored',
    });
    expect(await get(b, '/page')).toEqual({
      text: 'from a',
      type: 'text/x-a',
      status: 'trowel; hit',
    });
  });

  it('never serves an entry replaced by the other process with the old header fields', async () => {
    await get(a, '/swap');
    expect((await get(a, '/swap')).status).toBe('trowel; hit');
    await get(b, '/swap', 'DELETE');
    expect(await get(b, '/swap')).toMatchObject({ text: 'from b', type: 'text/x-b' });
    expect(await get(a, '/swap')).toEqual({
      text: 'from b',
      type: 'text/x-b',
      status: 'trowel; hit',
    });
  });

  it('keeps body and header fields paired when both fill one entry at once', async () => {
    const paths = Array.from({ length: 20 }, (_, i) => `/race/${i}`);
    await Promise.all(paths.flatMap((path) => [get(a, path), get(b, path)]));
    for (const path of paths) {
      for (const server of [a, b]) {
        const answer = await get(server, path);
        expect(answer.status).toMatch(/^trowel; (hit|fwd=miss; stored)$/);
        expect(answer.type).toBe(`text/x-${answer.text.slice(-1)}`);
      }
    }
  });

  it('sees a purge made from outside in both processes', async () => {
    await get(a, '/purged');
    expect((await get(b, '/purged')).status).toBe('trowel; hit');
    expect(await purgeCache(join(dir, 'cache'), { paths: ['/purged'] })).toBe(1);
    expect((await get(b, '/purged')).status).toBe('trowel; fwd=miss; stored');
    expect((await get(a, '/purged')).status).toBe('trowel; hit');
  });
});
