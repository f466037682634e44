/**
 * Sessions as JSON files in a directory of their own: survives restarts, needs no server, and is
 * shared by the worker processes of one machine. Not for several machines (use
 * {@link RedisStore}), nor for a directory other users can write to.
 *
 * Each session is one file named by the SHA-256 of its id (`<64 hex>.json`), never by the id
 * itself, so the name is fixed-length hex whatever the cookie says; the middleware also checks the
 * id's shape before a store sees it. Files are written to a temporary name and renamed into place,
 * so a reader sees the old session or the new one, never half of one. A file's modification time
 * is its expiry time: `touch()` changes only that, so it never rewrites data another request is
 * saving.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants, mkdirSync, statSync } from 'node:fs';
import { open, readdir, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { ConfigError } from '../core/config-error.ts';
import type { JsonValue, SessionRecord, SessionStore, StoredSession } from './store.ts';

/** Options for {@link FileStore}. */
export interface FileStoreOptions {
  /** The directory, absolute; created (mode 0700) if missing. Must not be writable by others. */
  readonly dir: string;
  /**
   * How often expired files are deleted, in ms; `0` turns the timer off (call `sweep()` yourself).
   * The timer does not keep the process alive.
   * @default 600000 (10 minutes)
   */
  readonly sweepInterval?: number;
}

const FILE_NAME = /^[0-9a-f]{64}\.json$/;
const TEMP_NAME = /^\.[0-9a-f]{64}\.[0-9a-f]{16}\.tmp$/;
// A temporary file this old belongs to a writer that died between write and rename.
const STALE_TEMP_MS = 60 * 60 * 1000;

/**
 * A {@link SessionStore} keeping one JSON file per session in `dir`.
 *
 * @example
 * ```ts
 * import { FileStore } from 'trowel/session';
 * const store = new FileStore({ dir: '/var/lib/myapp/sessions' });
 * ```
 */
export class FileStore implements SessionStore {
  readonly #dir: string;
  readonly #timer: NodeJS.Timeout | undefined;

  /**
   * @throws {ConfigError} `TROWEL_ERR_SESSION_OPTIONS` for a relative `dir` or a bad
   * `sweepInterval`; `TROWEL_ERR_SESSION_DIR` when the directory cannot be created, is not a
   * directory, belongs to another user, or is writable by other users (as `/tmp` is).
   */
  constructor(options: FileStoreOptions) {
    const { dir } = options;
    if (typeof dir !== 'string' || !isAbsolute(dir)) {
      throw new ConfigError(
        'TROWEL_ERR_SESSION_OPTIONS',
        `FileStore: dir must be an absolute path, got ${JSON.stringify(dir)}`,
      );
    }
    const interval = options.sweepInterval ?? 600_000;
    if (!Number.isSafeInteger(interval) || interval < 0) {
      throw new ConfigError(
        'TROWEL_ERR_SESSION_OPTIONS',
        `FileStore: sweepInterval must be a non-negative integer (ms), got ${String(interval)}`,
      );
    }
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
    } catch (error) {
      throw new ConfigError('TROWEL_ERR_SESSION_DIR', `FileStore: cannot create ${dir}`, {
        cause: error,
      });
    }
    const info = statSync(dir);
    if (!info.isDirectory()) {
      throw new ConfigError('TROWEL_ERR_SESSION_DIR', `FileStore: ${dir} is not a directory`);
    }
    // Another user who can write here can plant or replace sessions (paste.session's /tmp).
    if ((info.mode & 0o002) !== 0) {
      throw new ConfigError(
        'TROWEL_ERR_SESSION_DIR',
        `FileStore: ${dir} is writable by every user; give sessions a directory of their own`,
      );
    }
    // Another user's directory (say a /tmp/sessions made first by someone else) is theirs to read.
    if (process.getuid !== undefined && info.uid !== process.getuid()) {
      throw new ConfigError(
        'TROWEL_ERR_SESSION_DIR',
        `FileStore: ${dir} belongs to another user; give sessions a directory of their own`,
      );
    }
    this.#dir = dir;
    if (interval > 0) {
      this.#timer = setInterval(() => {
        this.sweep().catch(() => undefined);
      }, interval);
      this.#timer.unref();
    }
  }

  #path(id: string): string {
    return join(this.#dir, `${createHash('sha256').update(id).digest('hex')}.json`);
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const path = this.#path(id);
    let text: string;
    let expiresAt: number;
    try {
      // O_NOFOLLOW: a symlink planted in the directory is not followed.
      const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
      try {
        expiresAt = (await handle.stat()).mtimeMs;
        text = await handle.readFile('utf8');
      } finally {
        await handle.close();
      }
    } catch (error) {
      if (isCode(error, 'ENOENT') || isCode(error, 'ELOOP')) return undefined;
      throw error;
    }
    if (expiresAt <= Date.now()) {
      await unlink(path).catch(() => undefined);
      return undefined;
    }
    const parsed = parseRecord(text);
    return parsed === undefined ? undefined : { ...parsed, expiresAt };
  }

  async set(id: string, record: SessionRecord, ttl: number): Promise<void> {
    const path = this.#path(id);
    const name = path.slice(this.#dir.length + 1, -'.json'.length);
    const temp = join(this.#dir, `.${name}.${randomBytes(8).toString('hex')}.tmp`);
    const text = JSON.stringify({ v: 1, createdAt: record.createdAt, data: record.data });
    try {
      await writeFile(temp, text, { flag: 'wx', mode: 0o600 });
      const expires = new Date(Date.now() + ttl);
      await utimes(temp, expires, expires);
      await rename(temp, path);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }

  async touch(id: string, ttl: number): Promise<void> {
    const expires = new Date(Date.now() + ttl);
    try {
      await utimes(this.#path(id), expires, expires);
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
    }
  }

  async destroy(id: string): Promise<void> {
    try {
      await unlink(this.#path(id));
    } catch (error) {
      if (!isCode(error, 'ENOENT')) throw error;
    }
  }

  /**
   * Deletes expired session files and abandoned temporary files; other files in the directory are
   * left alone. Resolves to the number of files deleted.
   */
  async sweep(): Promise<number> {
    let deleted = 0;
    const now = Date.now();
    for (const name of await readdir(this.#dir)) {
      const isSession = FILE_NAME.test(name);
      if (!isSession && !TEMP_NAME.test(name)) continue;
      const path = join(this.#dir, name);
      try {
        const { mtimeMs } = await stat(path);
        if (isSession ? mtimeMs <= now : mtimeMs <= now - STALE_TEMP_MS) {
          await unlink(path);
          deleted++;
        }
      } catch {
        // Gone already: a request destroyed or replaced it while we looked.
      }
    }
    return deleted;
  }

  close(): Promise<void> {
    clearInterval(this.#timer);
    return Promise.resolve();
  }
}

function parseRecord(text: string): SessionRecord | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { createdAt, data } = value as { createdAt?: unknown; data?: unknown };
    if (typeof createdAt !== 'number' || typeof data !== 'object' || data === null) {
      return undefined;
    }
    if (Array.isArray(data)) return undefined;
    return { createdAt, data: data as Record<string, JsonValue> };
  } catch {
    return undefined;
  }
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}
