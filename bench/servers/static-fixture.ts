/**
 * The files the static-file scenarios serve: `1k.txt` (1024 bytes) and `1m.txt` (1 MiB) of the
 * same printable text, written by each server program into its own scratch directory (removed when
 * it exits), so every contender serves identical bytes from the page cache.
 *
 * Not a fixture for tests: `test/static/` has those.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The files, by URL path, with their sizes. */
export const STATIC_FILES: Readonly<Record<string, number>> = {
  '/1k.txt': 1024,
  '/1m.txt': 1024 * 1024,
};

/** `size` bytes of printable ASCII text with a line break every 64 bytes. */
export function staticBody(size: number): string {
  const line = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.\n';
  return line.repeat(Math.ceil(size / line.length)).slice(0, size);
}

/**
 * Writes the files into a new scratch directory and returns its path; the directory is removed
 * when the process exits.
 *
 * @example
 * ```ts
 * const root = makeStaticRoot();
 * ```
 */
export function makeStaticRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'trowel-bench-static-'));
  for (const [path, size] of Object.entries(STATIC_FILES)) {
    writeFileSync(join(root, path), staticBody(size));
  }
  process.on('exit', () => {
    rmSync(root, { recursive: true, force: true });
  });
  return root;
}
