/**
 * Reading Apache's credential files, shared by trowel/auth/basic and trowel/auth/digest: the
 * `htpasswd` format (`user:hash`, as written by Apache's `htpasswd`) and the `htdigest` format
 * (`user:realm:md5hex`, as written by `htdigest`), and {@link watchedFile}, which reloads such a
 * file when it changes on disk so that adding a user needs no restart.
 *
 * Lines are read the way Apache's mod_authn_file reads them: blank lines and lines starting with
 * `#` are skipped, surrounding whitespace (a CR left by CRLF line endings included) is ignored, and
 * when a user appears twice the first line wins. Only parsing lives here; checking a password
 * against a hash is trowel/auth/basic's job.
 *
 * When not to use it: for more than a few thousand users, or users that change often, keep them
 * in a database and pass a `verify`/`ha1For` callback instead — the whole file is held in memory.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { ConfigError } from '../core/config-error.ts';

function lines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * The users of an htpasswd file and their password hashes, in file order (the first line for a
 * user wins). Fields after the hash (`user:hash:comment`) are ignored, as Apache does.
 *
 * @example
 * ```ts
 * import { parseHtpasswd } from 'trowel/auth/basic';
 *
 * parseHtpasswd('dave:{SHA}qs67vlse11GdWHE+bbh7CYDxCOs=\n').get('dave'); // '{SHA}qs67…'
 * ```
 */
export function parseHtpasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const line of lines(text)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const user = line.slice(0, colon);
    const rest = line.slice(colon + 1);
    const end = rest.indexOf(':');
    const hash = end === -1 ? rest : rest.slice(0, end);
    if (hash !== '' && !users.has(user)) users.set(user, hash);
  }
  return users;
}

/**
 * The key {@link parseHtdigest} files an entry under: user names cannot contain `:`.
 *
 * @example
 * ```ts
 * import { htdigestKey } from 'trowel/auth/digest';
 *
 * htdigestKey('alice', 'realm1'); // 'alice:realm1'
 * ```
 */
export function htdigestKey(user: string, realm: string): string {
  return `${user}:${realm}`;
}

/**
 * The entries of an htdigest file: `htdigestKey(user, realm)` → the lowercase MD5 HA1
 * (`MD5(user:realm:password)`). The user is the first field and the hash the last, so a realm may
 * contain `:` (which `htdigest` writes but Apache itself cannot read back). Lines whose hash is
 * not 32 hex digits are skipped; the first line for a user and realm wins.
 *
 * @example
 * ```ts
 * import { htdigestKey, parseHtdigest } from 'trowel/auth/digest';
 *
 * const entries = parseHtdigest('alice:realm1:731fccb3e59f5dc2a8e87e7356e6068b\n');
 * entries.get(htdigestKey('alice', 'realm1')); // '731fccb3e59f5dc2a8e87e7356e6068b'
 * ```
 */
export function parseHtdigest(text: string): Map<string, string> {
  const entries = new Map<string, string>();
  for (const line of lines(text)) {
    const first = line.indexOf(':');
    const last = line.lastIndexOf(':');
    if (first <= 0 || last === first) continue;
    const hash = line.slice(last + 1).toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(hash)) continue;
    const key = htdigestKey(line.slice(0, first), line.slice(first + 1, last));
    if (!entries.has(key)) entries.set(key, hash);
  }
  return entries;
}

/** A file read once when built and again whenever it changes; see {@link watchedFile}. */
export interface WatchedFile<T> {
  /** The parsed content, re-read first when the file's size, mtime or inode changed. */
  current(): Promise<T>;
}

function signature(stats: Stats): string {
  return `${String(stats.ino)}:${String(stats.size)}:${String(stats.mtimeMs)}`;
}

/**
 * Reads and parses `path` now (throwing a `ConfigError` with `code` when it cannot be read, so a
 * wrong path fails when the middleware is built) and re-reads it on `current()` whenever its
 * inode, size or modification time changed — a file replaced by `htpasswd` (which writes a new
 * file and renames it) is picked up by the next request. When a later read fails (the file is
 * being replaced, or was removed) the last good content stays in use.
 *
 * @example
 * ```ts
 * import { parseHtpasswd, watchedFile } from 'trowel/auth/basic';
 *
 * const users = watchedFile('/etc/trowel/htpasswd', parseHtpasswd, 'TROWEL_ERR_AUTH_BASIC_HTPASSWD');
 * const hash = (await users.current()).get('alice');
 * ```
 */
export function watchedFile<T>(
  path: string,
  parse: (text: string) => T,
  code: string,
): WatchedFile<T> {
  let value: T;
  let seen: string;
  try {
    seen = signature(statSync(path));
    value = parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(code, `cannot read ${path}: ${String(error)}`, { cause: error });
  }
  let pending: Promise<T> | undefined;
  const reload = async (): Promise<T> => {
    try {
      const now = signature(await stat(path));
      if (now !== seen) {
        const text = await readFile(path, 'utf8');
        value = parse(text);
        seen = now;
      }
    } catch {
      // Keep serving the last good copy while the file is missing or half-written.
    }
    return value;
  };
  return {
    current: () => {
      // Concurrent requests share one stat (and at most one read) instead of racing.
      pending ??= reload().finally(() => {
        pending = undefined;
      });
      return pending;
    },
  };
}
