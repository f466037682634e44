/**
 * Where an entry lives on disk: from a request path to a body file, its sidecar and its temporary
 * files, refusing every path that could leave the cache directory or collide with another entry.
 *
 * The layout is wsgi_cache's, kept so that nginx or Apache can serve the directory: `/foo/bar` is
 * the file `foo/bar`, `/monkeys/` is `monkeys/__index.html`. Each segment is percent-decoded on
 * its own, as nginx's `$uri` is, so `/a%20b` is the file `a b`; a segment that would decode to a
 * separator (`%2F`, `%5C`) is refused instead of becoming one (RFC 3986 §2.2; CVE-2024-43800).
 * Refused, so the request passes through uncached: `.`/`..` and any name starting with `.`
 * (sidecars, temporary files and dotfiles share that prefix), `\`, NUL and other control
 * characters (CWE-22, CWE-158), invalid percent-encoding or UTF-8 (overlong `%c0%ae`), empty
 * segments (a leading `//` would otherwise join as an absolute path: CWE-36), a segment named like
 * the directory index (its file belongs to the directory's own entry), a segment over 200 bytes
 * and a path over 1024 bytes. The joined path is checked once more with `path.resolve` and a
 * separator-terminated prefix, and the file actually opened is checked on its descriptor
 * (`open-file.ts` of trowel/static): three independent defences.
 */
import { join, resolve, sep } from 'node:path';

/** The longest file name an entry may have, in UTF-8 bytes: room for the sidecar's affixes. */
export const MAX_SEGMENT_BYTES = 200;

/** The longest request path an entry may have, in UTF-8 bytes. */
export const MAX_PATH_BYTES = 1024;

const SIDECAR_SUFFIX = '.trowel.json';
const TEMP = /^\.(.+)\.[0-9a-f]{12}\.tmp$/;
const SIDECAR = /^\.(.+)\.trowel\.json$/;
// C0 controls and DEL: no web file name holds one, and some (NUL) end a C path early.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
const HOST_NAME = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*$/;
const IPV6_LITERAL = /^\[[0-9a-f:.]+\]$/;

/** The files of one entry. */
export interface EntryPaths {
  /** The decoded request path the entry answers (`/foo/`, `/a b`). */
  readonly path: string;
  /** {@link EntryPaths.path}, after the host's directory name when entries are kept by host. */
  readonly key: string;
  /** The directory holding the body, its sidecar and its temporary files. */
  readonly dir: string;
  /** The body's file name. */
  readonly name: string;
  /** The body file: served as is by nginx, or by trowel with the sidecar's header fields. */
  readonly body: string;
  /** The sidecar: the stored status and header fields, as JSON. */
  readonly sidecar: string;
}

/**
 * The decoded names of a URL-encoded request path, the last one `''` when it ends in `/`, or
 * `undefined` when the path may not be cached (see the module comment).
 *
 * @example
 * ```ts
 * decodePath('/docs/a%20b', '__index.html'); // ['docs', 'a b']
 * decodePath('/docs/', '__index.html'); // ['docs', '']
 * decodePath('/a%2Fb', '__index.html'); // undefined
 * ```
 */
export function decodePath(path: string, directoryIndex: string): string[] | undefined {
  const encoded = path === '' ? '/' : path;
  if (!encoded.startsWith('/')) return undefined;
  const raw = encoded.slice(1).split('/');
  const names: string[] = [];
  let bytes = 0;
  for (let i = 0; i < raw.length; i++) {
    const segment = raw[i] ?? '';
    if (segment === '') {
      // Only the last segment may be empty: a path ending in `/` asks for the directory index.
      if (i !== raw.length - 1) return undefined;
      names.push('');
      bytes += Buffer.byteLength(directoryIndex);
      continue;
    }
    const name = decodeSegment(segment);
    if (name === undefined || !isEntryName(name) || name === directoryIndex) return undefined;
    bytes += Buffer.byteLength(name) + 1;
    names.push(name);
  }
  return bytes > MAX_PATH_BYTES ? undefined : names;
}

function decodeSegment(segment: string): string | undefined {
  if (!segment.includes('%')) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined; // malformed percent-encoding, or bytes that are not UTF-8
  }
}

/**
 * Whether `name` may be the file name of a body: not empty, not starting with `.`, without `/`,
 * `\` or control characters, well-formed Unicode, and at most 200 bytes of UTF-8.
 */
export function isEntryName(name: string): boolean {
  return (
    name !== '' &&
    !name.startsWith('.') &&
    !name.includes('/') &&
    !name.includes('\\') &&
    !CONTROL.test(name) &&
    name.isWellFormed() &&
    Buffer.byteLength(name) <= MAX_SEGMENT_BYTES
  );
}

/**
 * The directory name for a request's host, as nginx's `$host` spells it (lower case, no port,
 * no trailing dot), or `undefined` when the host cannot be a directory name.
 *
 * @example
 * ```ts
 * hostDirectory('Example.COM:8080'); // 'example.com'
 * hostDirectory('[::1]:80'); // '[::1]'
 * hostDirectory('../etc'); // undefined
 * ```
 */
export function hostDirectory(host: string): string | undefined {
  let name = host.toLowerCase();
  if (name.startsWith('[')) {
    const end = name.indexOf(']');
    name = end === -1 ? name : name.slice(0, end + 1);
    return IPV6_LITERAL.test(name) ? name : undefined;
  }
  const colon = name.indexOf(':');
  if (colon !== -1) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name.length <= 253 && HOST_NAME.test(name) ? name : undefined;
}

/** Whether `path` is `root` itself or below it, on a separator boundary. */
function isBelow(root: string, path: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The files of the entry for a URL-encoded request path under `root` (canonical), or `undefined`
 * when the path may not be cached. With `host`, the entry lives under the host's directory.
 *
 * @example
 * ```ts
 * entryPaths('/var/cache/site', '/monkeys/', '__index.html')?.body;
 * // '/var/cache/site/monkeys/__index.html'
 * ```
 */
export function entryPaths(
  root: string,
  path: string,
  directoryIndex: string,
  host?: string,
): EntryPaths | undefined {
  const names = decodePath(path, directoryIndex);
  if (names === undefined) return undefined;
  let base = root;
  let key = '';
  if (host !== undefined) {
    const hostName = hostDirectory(host);
    if (hostName === undefined) return undefined;
    base = join(root, hostName);
    key = hostName;
  }
  const last = names.length - 1;
  const name = names[last] === '' ? directoryIndex : (names[last] ?? directoryIndex);
  const dir = resolve(base, ...names.slice(0, last));
  const body = resolve(dir, name);
  // Belt and braces: the names were checked one by one, and the joined result must still be
  // strictly inside the root.
  if (!isBelow(root, body) || !isBelow(root, dir + sep)) return undefined;
  const decoded = `/${names.join('/')}`;
  return {
    path: decoded,
    key: key + decoded,
    dir,
    name,
    body,
    sidecar: join(dir, sidecarName(name)),
  };
}

/** The sidecar file name of a body file name. */
export function sidecarName(name: string): string {
  return `.${name}${SIDECAR_SUFFIX}`;
}

/** The sidecar path of a body path. */
export function sidecarOf(body: string): string {
  const slash = body.lastIndexOf(sep);
  return body.slice(0, slash + 1) + sidecarName(body.slice(slash + 1));
}

/** A fresh temporary file name for `name`: `.name.<12 hex>.tmp`. */
export function tempName(name: string, random: string): string {
  return `.${name}.${random}.tmp`;
}

/** The kind of a file found in the cache directory, and the body name it belongs to. */
export type FileKind =
  | { readonly kind: 'body' }
  | { readonly kind: 'sidecar'; readonly body: string }
  | { readonly kind: 'temp'; readonly body: string }
  | { readonly kind: 'other' };

/**
 * What a file name in the cache directory is: a body, a sidecar, a temporary file, or something
 * else (a dotfile trowel did not write).
 *
 * @example
 * ```ts
 * classifyName('.page.trowel.json'); // { kind: 'sidecar', body: 'page' }
 * ```
 */
export function classifyName(fileName: string): FileKind {
  if (!fileName.startsWith('.')) return { kind: 'body' };
  const sidecar = SIDECAR.exec(fileName);
  if (sidecar?.[1] !== undefined) return { kind: 'sidecar', body: sidecar[1] };
  const temp = TEMP.exec(fileName);
  if (temp?.[1] !== undefined) return { kind: 'temp', body: temp[1] };
  return { kind: 'other' };
}
