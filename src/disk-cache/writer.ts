/**
 * Writing one entry so that no reader ever sees a partial file: the body goes to a temporary file
 * in the entry's own directory (`.name.<random>.tmp`, so the rename never crosses a file system),
 * is flushed with `fsync`, and is renamed over the body; then the sidecar, which records the new
 * body file's size, mtime and inode, is written the same way. `rename(2)` replaces the name
 * atomically, on local disks and on NFS alike, so a reader — trowel, nginx, another process on
 * another machine — opens either the old file or the new one, whole.
 *
 * A write that is abandoned (the origin failed, the client went away, a file/directory clash)
 * removes its temporary file; one cut short by a crash leaves it behind, and the sweep removes
 * temporary files older than an hour.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { tempName, type EntryPaths } from './layout.ts';
import { formatSidecar, type Sidecar } from './sidecar.ts';

/** Errors that mean "a file stands where a directory should, or the reverse": a miss, not a 500. */
const CLASH = new Set(['EEXIST', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG', 'ELOOP', 'ENOTEMPTY']);

/** Whether `error` is a file/directory clash (or a name the file system refuses). */
export function isClash(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CLASH.has(code);
}

function tempPath(paths: EntryPaths): string {
  return join(paths.dir, tempName(paths.name, randomBytes(6).toString('hex')));
}

/** Removes a file, ignoring that it is already gone. */
export async function removeQuietly(path: string): Promise<void> {
  await rm(path, { force: true }).catch(() => undefined);
}

/**
 * Writes `sidecar` beside its body: temporary file, `fsync`, rename.
 *
 * @throws what the file system throws; the temporary file is removed first.
 */
export async function writeSidecar(paths: EntryPaths, sidecar: Sidecar): Promise<void> {
  const temp = tempPath(paths);
  try {
    await writeFile(temp, formatSidecar(sidecar), { flag: 'wx', mode: 0o644, flush: true });
    await rename(temp, paths.sidecar);
  } catch (error) {
    await removeQuietly(temp);
    throw error;
  }
}

/** What {@link EntryWriter.commit} records besides the header fields. */
export interface CommitDetails {
  /** The stored fields. */
  readonly headers: readonly (readonly [string, string])[];
  /** The origin's `Last-Modified` (ms), given to the body file as its mtime. */
  readonly lastModified: number | undefined;
  /** The `http` policy's state. */
  readonly policy?: Sidecar['policy'];
}

/** One entry being written: its body streams in, then it is committed or abandoned. */
export class EntryWriter {
  /** The entry's files. */
  readonly paths: EntryPaths;
  readonly #temp: string;
  readonly #handle: FileHandle;
  #bytes = 0;
  #finished = false;
  #cancelled = false;

  private constructor(paths: EntryPaths, temp: string, handle: FileHandle) {
    this.paths = paths;
    this.#temp = temp;
    this.#handle = handle;
  }

  /**
   * Opens a temporary file for the entry, creating its directory. Resolves `undefined` when a
   * file stands where a directory of the path should be (or the reverse).
   *
   * @throws other file system errors (EACCES, ENOSPC, EMFILE).
   */
  static async start(paths: EntryPaths): Promise<EntryWriter | undefined> {
    const temp = tempPath(paths);
    try {
      // recursive: a directory made meanwhile by a concurrent write is not an error.
      await mkdir(paths.dir, { recursive: true });
      // A directory where the body should go (`/h/child` cached, now `/h`): the rename would fail
      // once the whole body had been copied; say so before.
      if ((await lstat(paths.body).catch(() => undefined))?.isDirectory() === true)
        return undefined;
      return new EntryWriter(paths, temp, await open(temp, 'wx', 0o644));
    } catch (error) {
      if (isClash(error)) return undefined;
      throw error;
    }
  }

  /** The bytes written so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Makes {@link commit} abandon the write (the entry was invalidated meanwhile). */
  cancel(): void {
    this.#cancelled = true;
  }

  /** Appends `chunk` to the body. */
  async write(chunk: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < chunk.byteLength) {
      const { bytesWritten } = await this.#handle.write(chunk, offset, chunk.byteLength - offset);
      offset += bytesWritten;
    }
    this.#bytes += chunk.byteLength;
  }

  /**
   * Flushes the body, renames it into place, then writes the sidecar. Resolves with the sidecar,
   * or `undefined` when the write was cancelled or clashed with a directory (nothing is left
   * behind then).
   *
   * @throws what the file system throws; nothing is left behind either.
   */
  async commit(details: CommitDetails, now: number): Promise<Sidecar | undefined> {
    if (this.#finished) return undefined;
    this.#finished = true;
    const { paths } = this;
    try {
      if (this.#cancelled) {
        await this.#discard();
        return undefined;
      }
      await this.#handle.sync();
      if (details.lastModified !== undefined && details.lastModified <= now) {
        // nginx then sends the origin's Last-Modified, and derives its ETag from it.
        await this.#handle.utimes(now / 1000, details.lastModified / 1000);
      }
      // The identity comes from the descriptor, before the rename: another process may rename
      // its own body over the name at any moment, and its file must not be recorded as ours.
      const stats = await this.#handle.stat();
      await this.#handle.close();
      try {
        await rename(this.#temp, paths.body);
      } catch (error) {
        await removeQuietly(this.#temp);
        if (isClash(error)) return undefined;
        throw error;
      }
      const sidecar: Sidecar = {
        v: 1,
        status: 200,
        headers: details.headers,
        storedAt: now,
        size: stats.size,
        mtimeMs: stats.mtimeMs,
        ino: stats.ino,
        ...(details.policy === undefined ? {} : { policy: details.policy }),
      };
      try {
        await writeSidecar(paths, sidecar);
      } catch (error) {
        // A body without its sidecar is a miss for trowel but would be served by nginx with a
        // guessed type: take it back.
        await removeQuietly(paths.body);
        throw error;
      }
      return sidecar;
    } catch (error) {
      await this.#discard();
      throw error;
    }
  }

  /** Abandons the write and removes the temporary file. */
  async abort(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    await this.#discard();
  }

  async #discard(): Promise<void> {
    await this.#handle.close().catch(() => undefined);
    await removeQuietly(this.#temp);
  }
}
