/**
 * Opens a file under a root directory and proves, on the file actually opened, that it lies inside
 * the root (and, unless symlinks are followed, that no component of its path is a symlink).
 *
 * The check runs on the open descriptor, not on the name before opening: on Linux the kernel's
 * `/proc/self/fd/<n>` link gives the canonical path of what was opened, so swapping a component
 * for a symlink between a check and the open (CWE-367) cannot smuggle a file from outside the root
 * (CWE-59). Elsewhere `realpath` of the name is compared after the open instead. The open uses
 * `O_NONBLOCK`, so a FIFO planted in the tree cannot hang the request, and `O_NOFOLLOW` when
 * symlinks are refused.
 */
import { closeSync, constants, existsSync, fstatSync, openSync, readlinkSync } from 'node:fs';
import type { Stats } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { sep } from 'node:path';
import { Descriptor } from './descriptor.ts';

/** A file or directory opened inside the root. */
export interface OpenedFile {
  /** The open descriptor; the receiver closes it. */
  readonly file: Descriptor;
  /** Its status, read from the descriptor. */
  readonly stats: Stats;
  /** Its canonical path. */
  readonly path: string;
}

/** Why nothing was opened: `missing` (and refused) answers 404, `forbidden` (EACCES) 403. */
export type OpenFailure = 'missing' | 'forbidden';

const PROC_FD = existsSync('/proc/self/fd') ? '/proc/self/fd/' : undefined;

// O_NONBLOCK does nothing to regular files, and makes opening a FIFO return at once instead of
// waiting for a writer. Windows has neither flag; the values there are undefined.
const BASE_FLAGS = constants.O_RDONLY | ((constants.O_NONBLOCK as number | undefined) ?? 0);
const NOFOLLOW = (constants.O_NOFOLLOW as number | undefined) ?? 0;

/** Whether `path` is `root` or below it, on a separator boundary (`/srv` never covers `/srv-x`). */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

async function canonicalPath(file: Descriptor, path: string): Promise<string> {
  if (PROC_FD !== undefined) {
    // A procfs link is read from kernel memory, never from the disk, so reading it in place costs
    // less than a round trip through the thread pool.
    return readlinkSync(PROC_FD + String(file.fd));
  }
  return realpath(path);
}

const MISSING = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EINVAL', 'ENXIO']);
const FORBIDDEN = new Set(['EACCES', 'EPERM']);

/** What an error from `open` means for the client; other errors are thrown again. */
export function failureOf(error: unknown): OpenFailure {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && MISSING.has(code)) return 'missing';
  if (typeof code === 'string' && FORBIDDEN.has(code)) return 'forbidden';
  throw error;
}

/**
 * Opens `path` (which must be `root` or below it, already free of `..`) and checks where it
 * landed. Resolves with the open file, or with the reason nothing may be served. Errors other than
 * a missing or forbidden file (EMFILE, EIO) are thrown.
 *
 * @example
 * ```ts
 * const opened = await openInside('/srv/www', '/srv/www/index.html', false);
 * if (typeof opened !== 'string') opened.file.close();
 * ```
 */
export async function openInside(
  root: string,
  path: string,
  followSymlinks: boolean,
): Promise<OpenedFile | OpenFailure> {
  let file: Descriptor;
  try {
    file = await Descriptor.open(path, BASE_FLAGS | (followSymlinks ? 0 : NOFOLLOW));
  } catch (error) {
    return failureOf(error);
  }
  try {
    const real = await canonicalPath(file, path);
    // Without symlinks the canonical path is the name itself (root is canonical already); with
    // them it may be anywhere, as long as it is inside the root.
    if (followSymlinks ? !isInside(root, real) : real !== path) {
      file.close();
      return 'missing';
    }
    return { file, stats: file.stat(), path: real };
  } catch (error) {
    file.close();
    return failureOf(error);
  }
}

/** What {@link lookupInside} learned about a name: the validators' inputs and the file's kind. */
export interface FileFacts {
  /** Its canonical path. */
  readonly path: string;
  /** A regular file, a directory, or anything else (FIFO, socket, device). */
  readonly kind: 'file' | 'directory' | 'other';
  /** Its modification time, in ms. */
  readonly mtimeMs: number;
  /** Its length in bytes. */
  readonly size: number;
}

/**
 * {@link openInside}, done in place and without keeping the descriptor: open, the `/proc` check,
 * `fstat`, close. Resolves nothing through the thread pool, so it suits the revalidation of a file
 * a client already fetched (its inode is in memory), where a trip through the pool costs more than
 * the calls themselves — nginx makes the same calls in its event loop. Returns `undefined` where
 * `/proc/self/fd` is missing: the caller then takes the asynchronous path.
 *
 * @example
 * ```ts
 * const facts = lookupInside('/srv/www', '/srv/www/index.html', false);
 * ```
 */
export function lookupInside(
  root: string,
  path: string,
  followSymlinks: boolean,
): FileFacts | OpenFailure | undefined {
  if (PROC_FD === undefined) return undefined;
  let fd: number;
  try {
    fd = openSync(path, BASE_FLAGS | (followSymlinks ? 0 : NOFOLLOW));
  } catch (error) {
    return failureOf(error);
  }
  try {
    const real = readlinkSync(PROC_FD + String(fd));
    if (followSymlinks ? !isInside(root, real) : real !== path) return 'missing';
    const stats = fstatSync(fd);
    const kind = stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
    return { path: real, kind, mtimeMs: stats.mtimeMs, size: stats.size };
  } catch (error) {
    return failureOf(error);
  } finally {
    closeSync(fd);
  }
}
