/**
 * Walks the cache directory: every regular file, with its directory and name, never following a
 * symlink. Used by the sweep, the size index and purge; a directory that vanishes during the walk
 * (another process purging) is skipped, not an error.
 */
import { opendir } from 'node:fs/promises';
import { join } from 'node:path';

/** One regular file found by {@link walkFiles}. */
export interface FoundFile {
  readonly dir: string;
  readonly name: string;
  readonly path: string;
}

function isGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * Yields every regular file under `root`, depth first.
 *
 * @example
 * ```ts
 * for await (const file of walkFiles('/var/cache/site')) console.log(file.path);
 * ```
 */
export async function* walkFiles(root: string): AsyncGenerator<FoundFile> {
  const pending = [root];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    let entries;
    try {
      entries = await opendir(dir);
    } catch (error) {
      if (isGone(error)) continue;
      throw error;
    }
    try {
      for await (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) pending.push(path);
        else if (entry.isFile()) yield { dir, name: entry.name, path };
      }
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}
