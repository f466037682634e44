/**
 * `trowel cache purge`: removes disk-cache entries named by URL path, or all of them, from the
 * directory given with --dir or the cache_dir of the config's egg:wsgi_cache#middleware section.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApp } from '../../src/deploy/loader.ts';
import { get } from '../deploy/helpers.ts';
import { APP_MODULE, scratch, trowel } from './helpers.ts';

const SITE = `[app:main]
use = file:./app.mjs#hello
filter-with = cache

[filter:cache]
use = egg:wsgi_cache#middleware
cache_dir = ./cache
content_type = text/plain
`;

/** A scratch directory with the site, and /about and /docs/ stored in its cache. */
async function filled() {
  const env = scratch({ 'site.ini': SITE, 'app.mjs': APP_MODULE('v1') });
  const app = await loadApp(join(env.basePath, 'site.ini'));
  for (const path of ['/about', '/docs/']) await (await get(app, path)).text();
  const cache = join(env.basePath, 'cache');
  // Entries are committed once their body has been written out in full.
  for (let i = 0; i < 50 && !existsSync(join(cache, 'docs/__index.html')); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  expect(existsSync(join(cache, 'about'))).toBe(true);
  expect(existsSync(join(cache, 'docs/__index.html'))).toBe(true);
  return { env, cache };
}

describe('trowel cache purge', () => {
  it('removes the entries of the paths given, found through the config', async () => {
    const { env, cache } = await filled();
    const result = await trowel(env, ['cache', 'purge', 'site.ini', '/about']);
    expect(result.stdout).toBe('trowel cache purge: removed 1 entry\n');
    expect(existsSync(join(cache, 'about'))).toBe(false);
    expect(existsSync(join(cache, 'docs/__index.html'))).toBe(true);
  });

  it('empties the cache with --all, given the directory', async () => {
    const { env, cache } = await filled();
    const result = await trowel(env, ['cache', 'purge', '--dir', 'cache', '--all']);
    expect(result.stdout).toBe('trowel cache purge: removed 2 entries\n');
    expect(existsSync(join(cache, 'about'))).toBe(false);
    expect(existsSync(join(cache, 'docs/__index.html'))).toBe(false);
    expect(existsSync(cache)).toBe(true);
  });

  it.each([
    [['purge', '--all'], 'give --dir DIR or a config file'],
    [['purge', '--dir', 'cache'], 'give the paths to purge, or --all'],
    [['purge', '--dir', 'cache', '--all', '/x'], 'give the paths to purge, or --all'],
    [['purge', '--dir', 'cache', 'site.ini', '--all'], 'give --dir or a config file, not both'],
    [['wipe'], 'expected "purge"'],
  ])('refuses %j with exit 2', async (args, message) => {
    const env = scratch({ 'site.ini': SITE, 'app.mjs': APP_MODULE('v1') });
    const result = await trowel(env, ['cache', ...args], { expectError: true });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('says so when the config uses no disk cache', async () => {
    const env = scratch({
      'plain.ini': '[app:main]\nuse = file:./app.mjs#hello\n',
      'app.mjs': APP_MODULE('v1'),
    });
    const result = await trowel(env, ['cache', 'purge', 'plain.ini', '--all'], {
      expectError: true,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('uses no egg:wsgi_cache#middleware');
  });
});
