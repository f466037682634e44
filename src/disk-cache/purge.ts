/**
 * `purgeCache()`: removes entries from a cache directory — the function behind
 * `trowel cache purge [path…|--all]`. It works on the directory alone, so it may run in another
 * process while servers use the cache: an entry is removed body first (a server or nginx then
 * misses at once), then its sidecar; a server still holding a parsed sidecar in memory notices
 * on its next lookup, which always opens the body file.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { realpathSync } from 'node:fs';
import { ConfigError } from '../core/config-error.ts';
import { classifyName, decodePath, entryPaths, isEntryName } from './layout.ts';
import { walkFiles } from './walk.ts';
import { removeQuietly } from './writer.ts';

/** Options of {@link purgeCache}. */
export interface PurgeOptions {
  /**
   * Request paths (URL-encoded, as clients send them) whose entries go: `/docs/intro`,
   * `/docs/` (the directory's index entry). A path ending in `/*` takes the whole subtree
   * (`/docs/*`: every entry under `/docs/`).
   * @default none
   */
  readonly paths?: readonly string[];
  /** Remove every entry. @default false */
  readonly all?: boolean;
  /** The cache's `directoryIndex`. @default '__index.html' */
  readonly directoryIndex?: string;
}

function fail(what: string, message: string): never {
  throw new ConfigError(`TROWEL_ERR_DISK_CACHE_${what}`, `purgeCache(): ${message}`);
}

async function countBodies(dir: string): Promise<number> {
  let count = 0;
  for await (const file of walkFiles(dir)) if (classifyName(file.name).kind === 'body') count++;
  return count;
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** Removes a directory (or, for the root, what it holds); resolves how many bodies it held. */
async function clearDirectory(dir: string, keep: boolean): Promise<number> {
  const isDirectory = await stat(dir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  // `/docs/*` when `/docs` is a file: the entry `/docs` is not under `/docs/`.
  if (!isDirectory) return 0;
  const count = await countBodies(dir);
  if (!keep) {
    await rm(dir, { recursive: true, force: true });
    return count;
  }
  for (const name of await readdir(dir)) {
    await rm(join(dir, name), { recursive: true, force: true });
  }
  return count;
}

type Target = { readonly subtree: string } | { readonly body: string; readonly sidecar: string };

function targetOf(root: string, path: unknown, index: string): Target {
  if (typeof path !== 'string') fail('PURGE', `paths must be strings, got ${JSON.stringify(path)}`);
  if (path.endsWith('/*')) {
    const names = decodePath(path.slice(0, -1), index);
    if (names === undefined) fail('PURGE', `${JSON.stringify(path)} cannot name cache entries`);
    return { subtree: resolve(root, ...names.slice(0, -1)) };
  }
  const paths = entryPaths(root, path, index);
  if (paths === undefined) fail('PURGE', `${JSON.stringify(path)} cannot be a cache entry`);
  return { body: paths.body, sidecar: paths.sidecar };
}

/**
 * Removes the entries of `paths`, or every entry with `all`, from the cache directory
 * `cacheDir`; resolves how many entries were removed. For a cache kept by host, give the host's
 * directory (`join(cacheDir, 'example.org')`).
 *
 * @throws {ConfigError} `TROWEL_ERR_DISK_CACHE_DIR` when `cacheDir` is not a directory,
 * `TROWEL_ERR_DISK_CACHE_INDEX` for a bad `directoryIndex`, `TROWEL_ERR_DISK_CACHE_PURGE` when
 * neither `paths` nor `all` is given or a path cannot name an entry (nothing is removed then).
 * @example
 * ```ts
 * import { purgeCache } from 'trowel/disk-cache';
 * const removed = await purgeCache('./cache', { paths: ['/docs/', '/blog/*'] });
 * ```
 */
export async function purgeCache(cacheDir: string, options: PurgeOptions = {}): Promise<number> {
  const index = options.directoryIndex ?? '__index.html';
  if (typeof index !== 'string' || !isEntryName(index)) {
    fail('INDEX', `directoryIndex must be a plain file name, got ${JSON.stringify(index)}`);
  }
  let root: string;
  try {
    root = realpathSync(resolve(cacheDir));
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
  } catch {
    fail('DIR', `${JSON.stringify(cacheDir)} is not a cache directory`);
  }
  const all: unknown = options.all ?? false;
  const paths: unknown = options.paths ?? [];
  if (typeof all !== 'boolean') fail('PURGE', 'all must be true or false');
  if (!Array.isArray(paths)) fail('PURGE', 'paths must be a list of request paths');
  if (!all && paths.length === 0) fail('PURGE', 'give the paths to purge, or all: true');
  if (all) return clearDirectory(root, true);
  // Every path is checked before anything is removed.
  const targets = (paths as unknown[]).map((path) => targetOf(root, path, index));
  let count = 0;
  for (const target of targets) {
    if ('subtree' in target) {
      count += await clearDirectory(target.subtree, target.subtree === root);
      continue;
    }
    if (await isFile(target.body)) count++;
    await removeQuietly(target.body);
    await removeQuietly(target.sidecar);
  }
  return count;
}
