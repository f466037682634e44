import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { scratch, type Scratch } from './harness.fixture.ts';
import { diskCache } from './middleware.ts';
import { isCachedPath, resolveOptions, type DiskCacheOptions } from './options.ts';

let s: Scratch;
beforeEach(() => {
  s = scratch();
});
afterEach(() => {
  s.remove();
});

function codeOf(options: unknown): string | undefined {
  try {
    diskCache(options as DiskCacheOptions);
  } catch (error) {
    return isConfigError(error) ? error.code : `not a ConfigError: ${String(error)}`;
  }
  return undefined;
}

describe('diskCache() options', () => {
  it('creates the cache directory, with its parents', () => {
    const cacheDir = join(s.dir, 'deep', 'er', 'cache');
    diskCache({ cacheDir });
    expect(existsSync(cacheDir)).toBe(true);
  });

  it('fills in wsgi_cache’s defaults', () => {
    const config = resolveOptions({ cacheDir: s.cacheDir });
    expect(config).toMatchObject({
      contentType: 'text/html',
      directoryIndex: '__index.html',
      policy: 'static',
      cachePaths: undefined,
      sweepInterval: undefined,
    });
  });

  it.each([
    [{ maxSize: 1000 }, 600_000],
    [{ policy: 'http' }, 600_000],
    [{ maxAge: 1000, sweepInterval: 5000 }, 5000],
  ])('sweeps by default when %j', (more, interval) => {
    expect(
      resolveOptions({ cacheDir: s.cacheDir, ...more } as DiskCacheOptions).sweepInterval,
    ).toBe(interval);
  });

  it.each([
    [null, 'TROWEL_ERR_DISK_CACHE_OPTION'],
    [{ cacheDir: undefined }, 'TROWEL_ERR_DISK_CACHE_DIR'],
    [{ cacheDir: '' }, 'TROWEL_ERR_DISK_CACHE_DIR'],
    [{ cachePaths: [] }, 'TROWEL_ERR_DISK_CACHE_PATHS'],
    [{ cachePaths: ['lic'] }, 'TROWEL_ERR_DISK_CACHE_PATHS'],
    [{ cachePaths: ['/a/../b'] }, 'TROWEL_ERR_DISK_CACHE_PATHS'],
    [{ cachePaths: ['//a'] }, 'TROWEL_ERR_DISK_CACHE_PATHS'],
    [{ cachePaths: ['/a?b'] }, 'TROWEL_ERR_DISK_CACHE_PATHS'],
    [{ cachePaths: '/a' }, 'TROWEL_ERR_DISK_CACHE_PATHS'],
    [{ directoryIndex: 'a/b' }, 'TROWEL_ERR_DISK_CACHE_INDEX'],
    [{ directoryIndex: '.index' }, 'TROWEL_ERR_DISK_CACHE_INDEX'],
    [{ directoryIndex: '' }, 'TROWEL_ERR_DISK_CACHE_INDEX'],
    [{ policy: 'forever' }, 'TROWEL_ERR_DISK_CACHE_POLICY'],
    [{ heuristic: true }, 'TROWEL_ERR_DISK_CACHE_POLICY'],
    [{ contentType: 'html' }, 'TROWEL_ERR_DISK_CACHE_CONTENT_TYPE'],
    [{ contentType: 'text/html\r\nx: y' }, 'TROWEL_ERR_DISK_CACHE_CONTENT_TYPE'],
    [{ maxSize: 0 }, 'TROWEL_ERR_DISK_CACHE_SIZE'],
    [{ maxSize: 1.5 }, 'TROWEL_ERR_DISK_CACHE_SIZE'],
    [{ maxAge: -1 }, 'TROWEL_ERR_DISK_CACHE_AGE'],
    [{ maxAge: 1000, policy: 'http' }, 'TROWEL_ERR_DISK_CACHE_AGE'],
    [{ sweepInterval: 10 }, 'TROWEL_ERR_DISK_CACHE_SWEEP'],
    [{ byHost: 'yes' }, 'TROWEL_ERR_DISK_CACHE_OPTION'],
    [{ onError: 'log' }, 'TROWEL_ERR_DISK_CACHE_OPTION'],
  ])('refuses %j with %s', (options, code) => {
    const given = options === null ? null : { cacheDir: s.cacheDir, ...options };
    expect(codeOf(given)).toBe(code);
  });

  it('refuses a cache directory that cannot be created', () => {
    writeFileSync(join(s.dir, 'file'), '');
    expect(codeOf({ cacheDir: join(s.dir, 'file', 'cache') })).toBe('TROWEL_ERR_DISK_CACHE_DIR');
  });

  it('refuses a cache directory path that is a file', () => {
    writeFileSync(join(s.dir, 'file'), '');
    expect(codeOf({ cacheDir: join(s.dir, 'file') })).toBe('TROWEL_ERR_DISK_CACHE_DIR');
  });

  it.skipIf(process.getuid?.() === 0)('refuses a cache directory it cannot write', () => {
    const dir = join(s.dir, 'readonly');
    mkdirSync(dir);
    chmodSync(dir, 0o500);
    expect(codeOf({ cacheDir: dir })).toBe('TROWEL_ERR_DISK_CACHE_DIR');
    chmodSync(dir, 0o700);
  });

  it('does not touch the disk for options that are wrong anyway', () => {
    const cacheDir = join(s.dir, 'never');
    codeOf({ cacheDir, policy: 'nope' });
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('does not change the caller’s options', () => {
    const options = Object.freeze({ cacheDir: s.cacheDir, cachePaths: Object.freeze(['/a/']) });
    diskCache(options);
    expect(options.cachePaths).toEqual(['/a/']);
  });
});

describe('isCachedPath()', () => {
  it.each([
    ['/licenses', ['/lic'], false],
    ['/lic', ['/lic'], true],
    ['/lic/', ['/lic'], true],
    ['/lic/a', ['/lic'], true],
    ['/anything', ['/'], true],
    ['/b', ['/a', '/b'], true],
  ])('%s under %j is %s', (path, prefixes, expected) => {
    expect(isCachedPath(path, prefixes)).toBe(expected);
  });
});
