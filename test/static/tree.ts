/**
 * Scratch directory trees for the static-file tests: regular files, directories, symlinks and
 * FIFOs under a fresh directory in the system temp directory (its real path, so symlinked temp
 * directories do not confuse containment checks), removed after each test.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';

/** What to put at a path: content, a symlink to a target, a FIFO, or an empty directory. */
export type Entry =
  | string
  | Uint8Array
  | { readonly symlink: string }
  | { readonly fifo: true }
  | { readonly dir: true };

const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A new empty scratch directory (real path), removed after the test. */
export function scratch(): string {
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'trowel-static-')));
  made.push(dir);
  return dir;
}

/** Writes `entries` (relative path → entry) under `base`; returns `base`. */
export function fill(base: string, entries: Readonly<Record<string, Entry>>): string {
  for (const [path, entry] of Object.entries(entries)) {
    const full = join(base, path);
    mkdirSync(dirname(full), { recursive: true });
    if (typeof entry === 'string' || entry instanceof Uint8Array) writeFileSync(full, entry);
    else if ('symlink' in entry) symlinkSync(entry.symlink, full);
    else if ('fifo' in entry) execFileSync('mkfifo', [full]);
    else mkdirSync(full, { recursive: true });
  }
  return base;
}

/** A scratch directory with `entries` in it. */
export function tree(entries: Readonly<Record<string, Entry>>): string {
  return fill(scratch(), entries);
}

/** `size` bytes of a repeating, position-dependent pattern: any misplaced byte shows. */
export function pattern(size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 7 + (i >> 8)) & 0xff;
  return bytes;
}
