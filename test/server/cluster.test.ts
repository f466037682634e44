import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { fixture } from './helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** GET on a fresh connection, so that the cluster can hand each request to any worker. */
function getFresh(port: number, path = '/'): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
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
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function pidsServing(port: number, requests: number): Promise<Set<string>> {
  const pids = new Set<string>();
  for (let i = 0; i < requests; i++) pids.add(await getFresh(port));
  return pids;
}

describe('serve() with workers (node:cluster, child processes)', () => {
  it('serves from two worker processes, and SIGTERM to the primary stops them all with code 0', async () => {
    const server = fixture('workers.ts');
    const { port, pid } = await server.next<{ port: number; pid: number }>();
    const pids = await pidsServing(port, 40);
    expect(pids.size).toBe(2);
    expect(pids.has(String(pid))).toBe(false);
    server.child.kill('SIGTERM');
    expect(await server.exited).toMatchObject({ code: 0, signal: null });
    await sleep(100);
    for (const worker of pids) expect(alive(Number(worker))).toBe(false);
  });

  it('restarts a worker that crashed', async () => {
    const server = fixture('workers.ts');
    const { port } = await server.next<{ port: number }>();
    const before = await pidsServing(port, 20);
    await getFresh(port, '/crash');
    let after = new Set<string>();
    for (let attempt = 0; attempt < 50; attempt++) {
      await sleep(100);
      after = await pidsServing(port, 10);
      if (after.size === 2 && [...after].some((p) => !before.has(p))) break;
    }
    expect(after.size).toBe(2);
    expect([...after].filter((p) => !before.has(p))).toHaveLength(1);
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });
});
