import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { gated, race, send, startSession } from './harness.fixture.ts';
import { newSessionId } from './id.ts';
import { RedisStore } from './redis-store.ts';

const redisServer = (process.env['PATH'] ?? '')
  .split(delimiter)
  .map((dir) => join(dir, 'redis-server'))
  .find((path) => existsSync(path));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => {
        resolve(typeof address === 'object' && address !== null ? address.port : 0);
      });
    });
  });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    if (child.stdout === null) {
      reject(new Error('no stdout'));
      return;
    }
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => {
      reject(new Error(`exited with ${String(code)}`));
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve();
      return;
    }
    child.once('exit', () => {
      resolve();
    });
    child.kill('SIGTERM');
  });
}

describe('RedisStore options', () => {
  it.each([
    ['neither url nor client', {}],
    ['a URL that is not redis:', { url: 'http://127.0.0.1:6379' }],
    ['an unparsable URL', { url: 'not a url' }],
  ])('refuses %s with TROWEL_ERR_SESSION_OPTIONS', (_label, options) => {
    let caught: unknown;
    try {
      new RedisStore(options);
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught) && caught.code).toBe('TROWEL_ERR_SESSION_OPTIONS');
  });
});

describe.skipIf(redisServer === undefined)('RedisStore against a real redis-server', () => {
  let redis: ChildProcess;
  let url: string;
  let client: Redis;

  beforeAll(async () => {
    const port = await freePort();
    url = `redis://127.0.0.1:${String(port)}/0`;
    redis = spawn(
      redisServer ?? 'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: redis.stdout ?? process.stdin });
      lines.on('line', (line) => {
        if (line.includes('Ready to accept connections')) resolve();
      });
      redis.once('exit', (code) => {
        reject(new Error(`redis-server exited with ${String(code)}`));
      });
    });
    client = new Redis(url);
  });

  afterAll(async () => {
    client.disconnect();
    await stop(redis);
  });

  it('stores a session as a hash under prefix + id with a time to live', async () => {
    const store = new RedisStore({ url, prefix: 'app:s:' });
    const id = newSessionId();
    await store.set(
      id,
      { data: { user: 'ann', roles: ['a', 'b'], empty: [] }, createdAt: 7 },
      60_000,
    );
    const ttl = await client.pttl(`app:s:${id}`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await client.hgetall(`app:s:${id}`)).toEqual({
      c: '7',
      'd:user': '"ann"',
      'd:roles': '["a","b"]',
      'd:empty': '[]',
    });
    expect(await store.get(id)).toMatchObject({
      data: { user: 'ann', roles: ['a', 'b'], empty: [] },
      createdAt: 7,
    });
    await store.close();
  });

  it('replaces the whole session on set()', async () => {
    const store = new RedisStore({ client, prefix: 'r:' });
    const id = newSessionId();
    await store.set(id, { data: { a: 1, b: 2 }, createdAt: 7 }, 60_000);
    await store.set(id, { data: { c: 3 }, createdAt: 8 }, 60_000);
    expect(await store.get(id)).toMatchObject({ data: { c: 3 }, createdAt: 8 });
  });

  it('merge() applies concurrent changes from two connections atomically', async () => {
    const other = new Redis(url);
    try {
      const one = new RedisStore({ client, prefix: 'm:' });
      const two = new RedisStore({ client: other, prefix: 'm:' });
      const id = newSessionId();
      await one.set(id, { data: { keep: 1, gone: 2 }, createdAt: 7 }, 60_000);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? one : two).merge(id, new Map([[`k${String(i)}`, i]]), 60_000),
        ).concat(two.merge(id, new Map([['gone', undefined]]), 60_000)),
      );
      expect(results.every(Boolean)).toBe(true);
      const data = (await one.get(id))?.data ?? {};
      expect(Object.keys(data).sort()).toEqual(
        ['keep', ...Array.from({ length: 20 }, (_, i) => `k${String(i)}`)].sort(),
      );
    } finally {
      other.disconnect();
    }
  });

  it('merge() writes nothing for a session that is gone', async () => {
    const store = new RedisStore({ client, prefix: 'g:' });
    const id = newSessionId();
    expect(await store.merge(id, new Map([['a', 1]]), 60_000)).toBe(false);
    expect(await client.exists(`g:${id}`)).toBe(0);
  });

  it('lets Redis forget a session when its time to live runs out', async () => {
    const store = new RedisStore({ client });
    const id = newSessionId();
    await store.set(id, { data: {}, createdAt: 1 }, 30);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(await store.get(id)).toBeUndefined();
  });

  it('touch() pushes back the time to live and does not create a missing key', async () => {
    const store = new RedisStore({ client, prefix: 't:' });
    const id = newSessionId();
    await store.set(id, { data: {}, createdAt: 1 }, 1000);
    await store.touch(id, 90_000);
    expect(await client.pttl(`t:${id}`)).toBeGreaterThan(80_000);
    const missing = newSessionId();
    await store.touch(missing, 90_000);
    expect(await client.exists(`t:${missing}`)).toBe(0);
  });

  it('destroy() deletes the key', async () => {
    const store = new RedisStore({ client, prefix: 'd:' });
    const id = newSessionId();
    await store.set(id, { data: {}, createdAt: 1 }, 10_000);
    await store.destroy(id);
    expect(await client.exists(`d:${id}`)).toBe(0);
  });

  it.each([
    ['a string', async (key: string) => client.set(key, 'x', 'PX', 10_000)],
    ['a hash without a creation time', async (key: string) => client.hset(key, 'd:a', '1')],
    [
      'a hash with a value that is not JSON',
      async (key: string) => client.hset(key, 'c', '1', 'd:a', '{'),
    ],
  ])('treats %s under the key as no session', async (_label, plant) => {
    const store = new RedisStore({ client, prefix: 'j:' });
    const id = newSessionId();
    await plant(`j:${id}`);
    await client.pexpire(`j:${id}`, 10_000);
    expect(await store.get(id)).toBeUndefined();
  });

  it('keeps both changes when two concurrent requests set different keys of one session', async () => {
    const { h, gate } = gated(new RedisStore({ client, prefix: 'c:' }));
    const cookie = await startSession(h);
    await race(h, gate, cookie, 'op=set&key=a&value=A', 'op=set&key=b&value=B');
    expect(JSON.parse((await send(h, { cookie })).body)).toEqual({ start: '1', a: 'A', b: 'B' });
  });

  it('shares sessions between two server processes', async () => {
    const program = join(import.meta.dirname, 'shared-server.fixture.ts');
    const servers = [0, 1].map(() =>
      spawn(process.execPath, [program, url], { stdio: ['ignore', 'pipe', 'inherit'] }),
    );
    try {
      const [one, two] = await Promise.all(servers.map(firstLine));
      const put = await fetch(`${one ?? ''}/put?v=shared`);
      const first = (await put.json()) as { pid: number };
      const cookie = (put.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
      expect(cookie).toMatch(/^trowel_session=[A-Za-z0-9_-]{43}$/);
      const read = await fetch(`${two ?? ''}/`, { headers: { cookie } });
      const second = (await read.json()) as { v: string; pid: number };
      expect(second.v).toBe('shared');
      expect(second.pid).not.toBe(first.pid);
    } finally {
      await Promise.all(servers.map(stop));
    }
  });
});
