import { existsSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cached, fetchText, origin, page, scratch, type Scratch } from './harness.fixture.ts';
import { resolveOptions, type DiskCacheOptions } from './options.ts';
import { DiskStore } from './store.ts';
import { LEFTOVER_AGE, STALE_GRACE, sweepCache } from './sweep.ts';

let s: Scratch;
beforeEach(() => {
  s = scratch();
});
afterEach(() => {
  vi.useRealTimers();
  s.remove();
});

function sweeper(options: Partial<DiskCacheOptions> = {}): {
  sweep: (now?: number) => ReturnType<typeof sweepCache>;
} {
  const config = resolveOptions({ cacheDir: s.cacheDir, ...options });
  const store = new DiskStore(config);
  return { sweep: (now) => sweepCache(store, config, now) };
}

function age(path: string, ms: number): void {
  const when = (Date.now() - ms) / 1000;
  utimesSync(path, when, when);
}

describe('sweepCache()', () => {
  it('removes temporary files older than an hour, and keeps younger ones', async () => {
    const { sweep } = sweeper();
    mkdirSync(join(s.cacheDir, 'a'));
    const old = join(s.cacheDir, 'a', '.page.0123456789ab.tmp');
    const young = join(s.cacheDir, 'a', '.page.ba9876543210.tmp');
    writeFileSync(old, 'partial');
    writeFileSync(young, 'partial');
    age(old, LEFTOVER_AGE + 1000);
    expect(await sweep()).toEqual({ entries: 0, leftovers: 1 });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(young)).toBe(true);
  });

  it('removes bodies without a sidecar once they are old', async () => {
    const { sweep } = sweeper();
    const body = join(s.cacheDir, 'orphan');
    writeFileSync(body, 'x');
    await sweep();
    expect(existsSync(body)).toBe(true);
    age(body, LEFTOVER_AGE + 1000);
    await sweep();
    expect(existsSync(body)).toBe(false);
  });

  it('removes static entries older than maxAge', async () => {
    const handler = cached({ cacheDir: s.cacheDir, maxAge: 60_000 }, page('x'));
    await fetchText(handler, '/old');
    const { sweep } = sweeper({ maxAge: 60_000 });
    expect((await sweep(Date.now() + 30_000)).entries).toBe(0);
    expect((await sweep(Date.now() + 61_000)).entries).toBe(1);
    expect(existsSync(join(s.cacheDir, 'old'))).toBe(false);
    expect(existsSync(join(s.cacheDir, '.old.trowel.json'))).toBe(false);
  });

  it('removes http entries stale for more than a day', async () => {
    const app = origin(
      () => new Response('x', { headers: { 'cache-control': 'max-age=60', etag: '"a"' } }),
    );
    await fetchText(cached({ cacheDir: s.cacheDir, policy: 'http' }, app), '/p');
    const { sweep } = sweeper({ policy: 'http' });
    expect((await sweep(Date.now() + 120_000)).entries).toBe(0);
    expect((await sweep(Date.now() + STALE_GRACE + 120_000)).entries).toBe(1);
  });

  it('keeps static entries without maxAge', async () => {
    await fetchText(cached({ cacheDir: s.cacheDir }, page('x')), '/p');
    const { sweep } = sweeper();
    expect((await sweep(Date.now() + 10 * STALE_GRACE)).entries).toBe(0);
  });
});

describe('the size cap', () => {
  it('evicts the least recently hit entries past maxSize', async () => {
    const handler = cached({ cacheDir: s.cacheDir, maxSize: 25 }, page('0123456789'));
    await fetchText(handler, '/a');
    await fetchText(handler, '/b');
    await fetchText(handler, '/a');
    await fetchText(handler, '/c');
    await vi.waitFor(() => {
      expect(existsSync(join(s.cacheDir, 'b'))).toBe(false);
    });
    expect(existsSync(join(s.cacheDir, '.b.trowel.json'))).toBe(false);
    expect(existsSync(join(s.cacheDir, 'a'))).toBe(true);
    expect(existsSync(join(s.cacheDir, 'c'))).toBe(true);
  });

  it('counts the entries already on disk when it starts', async () => {
    const first = cached({ cacheDir: s.cacheDir }, page('0123456789'));
    await fetchText(first, '/a');
    await fetchText(first, '/b');
    const capped = cached({ cacheDir: s.cacheDir, maxSize: 15 }, page('0123456789'));
    await fetchText(capped, '/c');
    await vi.waitFor(() => {
      expect(['a', 'b', 'c'].filter((n) => existsSync(join(s.cacheDir, n)))).toEqual(['c']);
    });
  });

  it('sweeps on its interval once the cache has had a request', async () => {
    vi.useFakeTimers({ toFake: ['setInterval'] });
    const handler = cached({ cacheDir: s.cacheDir, maxAge: 1000, sweepInterval: 1000 }, page('x'));
    const temp = join(s.cacheDir, '.old.0123456789ab.tmp');
    writeFileSync(temp, 'x');
    age(temp, LEFTOVER_AGE + 1000);
    vi.advanceTimersByTime(5000);
    expect(existsSync(temp)).toBe(true);
    await fetchText(handler, '/p');
    vi.advanceTimersByTime(1000);
    vi.useRealTimers();
    await vi.waitFor(() => {
      expect(existsSync(temp)).toBe(false);
    });
  });
});
