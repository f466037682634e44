import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReloaderEvent } from './primary.ts';

const NODE = join(import.meta.dirname, '../../node_modules/.bin/node');
const PROGRAM = join(import.meta.dirname, 'program.fixture.ts');

type Event = ReloaderEvent | { readonly type: 'start-failed'; readonly status: number };

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** Runs the fixture program on `app` (a module's text); reads its events. */
function program(app: string): {
  readonly dir: string;
  readonly child: ChildProcessWithoutNullStreams;
  readonly next: (type: Event['type']) => Promise<Event>;
  readonly exited: Promise<number | null>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'trowel-reloader-'));
  writeFileSync(join(dir, 'app.mjs'), app);
  const child = spawn(NODE, [PROGRAM], { env: { ...process.env, APP: join(dir, 'app.mjs') } });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', resolve);
  });
  cleanups.push(() => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });
  const events: Event[] = [];
  let seen = 0;
  let buffer = '';
  const waiters = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) events.push(JSON.parse(line) as Event);
    for (const waiter of waiters) waiter();
  });
  const next = (type: Event['type']): Promise<Event> =>
    new Promise((resolve) => {
      const check = (): void => {
        const index = events.findIndex((event, i) => i >= seen && event.type === type);
        if (index < 0) return;
        seen = index + 1;
        waiters.delete(check);
        resolve(events[index] as Event);
      };
      waiters.add(check);
      check();
    });
  return { dir, child, next, exited };
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve(body);
      });
    })
      .on('error', reject)
      .end();
  });
}

const APP = (version: string): string =>
  `export const app = (request) => {
  if (new URL(request.url).pathname === '/crash') setTimeout(() => process.exit(7), 10);
  return new Response('${version} ' + process.pid);
};
`;

describe('startReloader and joinReloader', () => {
  it('stop every worker on close()', async () => {
    const { child, next, exited } = program(APP('v1'));
    const first = await next('serving');
    if (first.type !== 'serving') throw new Error('expected serving');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(() => process.kill(first.pids[0] ?? 0, 0)).toThrow();
  });

  it('restart a plain serve() program on a change of the module it imported, on the same port', async () => {
    const { dir, next } = program(APP('v1'));
    const first = await next('serving');
    if (first.type !== 'serving') throw new Error('expected serving');
    expect(await get(first.url)).toBe(`v1 ${first.pids[0] ?? ''}`);
    writeFileSync(join(dir, 'app.mjs'), APP('v2'));
    expect(await next('change')).toEqual({ type: 'change', paths: [join(dir, 'app.mjs')] });
    const second = await next('serving');
    if (second.type !== 'serving') throw new Error('expected serving');
    expect([second.generation, second.url]).toEqual([2, first.url]);
    expect(await get(second.url)).toBe(`v2 ${second.pids[0] ?? ''}`);
  });

  it('report a new worker that fails to start, keep the old one, and report a serving worker that exits', async () => {
    const { dir, next } = program(APP('v1'));
    const first = await next('serving');
    if (first.type !== 'serving') throw new Error('expected serving');
    writeFileSync(join(dir, 'app.mjs'), 'export const app = (;\n');
    expect(await next('failed')).toMatchObject({ type: 'failed', code: 2, serving: true });
    expect(await get(first.url)).toBe(`v1 ${first.pids[0] ?? ''}`);
    await get(`${first.url}/crash`);
    expect(await next('exit')).toEqual({
      type: 'exit',
      pid: first.pids[0],
      code: 7,
      signal: null,
    });
  });

  it('reject `started` with the status of a first worker that fails, and stop', async () => {
    const { next, exited } = program('export const app = (;\n');
    expect(await next('start-failed')).toEqual({ type: 'start-failed', status: 2 });
    expect(await exited).toBe(2);
  });
});
