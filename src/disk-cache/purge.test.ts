import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { cached, fetchText, page, scratch, type Scratch } from './harness.fixture.ts';
import { purgeCache, type PurgeOptions } from './purge.ts';

let s: Scratch;
let handler: ReturnType<typeof cached>;
let app: ReturnType<typeof page>;

beforeEach(async () => {
  s = scratch();
  app = page('x');
  handler = cached({ cacheDir: s.cacheDir }, app);
  for (const path of ['/', '/docs/', '/docs/intro', '/docs/deep/page', '/blog/a', '/about']) {
    await fetchText(handler, path);
  }
});
afterEach(() => {
  s.remove();
});

const exists = (relative: string): boolean => existsSync(join(s.cacheDir, relative));

describe('purgeCache()', () => {
  it('removes the entries of the given paths, body and sidecar', async () => {
    expect(await purgeCache(s.cacheDir, { paths: ['/docs/intro', '/docs/'] })).toBe(2);
    expect(exists('docs/intro')).toBe(false);
    expect(exists('docs/.intro.trowel.json')).toBe(false);
    expect(exists('docs/__index.html')).toBe(false);
    expect(exists('docs/deep/page')).toBe(true);
  });

  it('removes a subtree for a path ending in /*', async () => {
    expect(await purgeCache(s.cacheDir, { paths: ['/docs/*'] })).toBe(3);
    expect(exists('docs')).toBe(false);
    expect(exists('about')).toBe(true);
  });

  it('removes every entry with all, keeping the directory', async () => {
    expect(await purgeCache(s.cacheDir, { all: true })).toBe(6);
    expect(s.files().filter((f) => f.startsWith('cache/'))).toEqual(['cache/']);
  });

  it('counts nothing for a path that has no entry', async () => {
    expect(await purgeCache(s.cacheDir, { paths: ['/nothing', '/about/*'] })).toBe(0);
    expect(exists('about')).toBe(true);
  });

  it('makes a running cache miss the purged entry', async () => {
    await fetchText(handler, '/about');
    await purgeCache(s.cacheDir, { paths: ['/about'] });
    expect((await fetchText(handler, '/about')).headers.get('cache-status')).toBe(
      'trowel; fwd=miss; stored',
    );
  });

  it.each([
    [{}, 'TROWEL_ERR_DISK_CACHE_PURGE'],
    [{ paths: [] }, 'TROWEL_ERR_DISK_CACHE_PURGE'],
    [{ paths: ['/about', '/../etc/passwd'] }, 'TROWEL_ERR_DISK_CACHE_PURGE'],
    [{ paths: ['/a%2Fb'] }, 'TROWEL_ERR_DISK_CACHE_PURGE'],
    [{ paths: ['/about'], directoryIndex: '../x' }, 'TROWEL_ERR_DISK_CACHE_INDEX'],
  ])('refuses %j and removes nothing', async (options, code) => {
    const error: unknown = await purgeCache(s.cacheDir, options as PurgeOptions).catch(
      (e: unknown) => e,
    );
    expect(isConfigError(error) ? error.code : error).toBe(code);
    expect(exists('about')).toBe(true);
  });

  it('refuses a directory that does not exist', async () => {
    const error: unknown = await purgeCache(join(s.dir, 'missing'), { all: true }).catch(
      (e: unknown) => e,
    );
    expect(isConfigError(error) ? error.code : error).toBe('TROWEL_ERR_DISK_CACHE_DIR');
  });
});
