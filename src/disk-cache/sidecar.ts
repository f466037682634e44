/**
 * The sidecar: one small JSON file beside each body (`dir/.name.trowel.json`) holding what
 * wsgi_cache threw away — the stored status and header fields (Content-Type, Content-Encoding,
 * ETag, Cache-Control, Vary, …), when the entry was stored, and for the `http` policy the
 * `http-cache-semantics` state. So one cache directory serves many content types.
 *
 * A sidecar names the body it describes by the body file's size, mtime and inode, read from the
 * file after it was written. A reader whose body file does not match treats the entry as a miss,
 * so a body and a sidecar from two different writes (two processes racing on shared storage) are
 * never paired: the next miss rewrites both.
 */
import type CachePolicy from 'http-cache-semantics';
import { hopByHop } from '../core/hop-by-hop.ts';

/** The JSON stored beside a body. */
export interface Sidecar {
  /** The format version. */
  readonly v: 1;
  /** The stored status: always 200, since a file server serves any file as 200. */
  readonly status: 200;
  /** The stored header fields, lower-case names, in order. */
  readonly headers: readonly (readonly [string, string])[];
  /** When the entry was stored, or last validated with the origin (ms since the epoch). */
  readonly storedAt: number;
  /** The body file's size in bytes. */
  readonly size: number;
  /** The body file's modification time (ms): the origin's `Last-Modified` when it sent one. */
  readonly mtimeMs: number;
  /** The body file's inode number. */
  readonly ino: number;
  /** The `http` policy's state (`CachePolicy.toObject()`), absent for the `static` policy. */
  readonly policy?: CachePolicy.CachePolicyObject;
}

/** The status of a body file, as far as a sidecar records it. */
export interface FileIdentity {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
// Field values must not hold CR, LF or NUL (RFC 9110 §5.5).
const BAD_VALUE = /[\r\n\0]/;

/**
 * Header fields that are not stored: hop-by-hop ones (RFC 9110 §7.6.1), `Set-Cookie` (never
 * shared), `Date` and `Age` (recomputed on each answer, RFC 9111 §5.1), the framing fields
 * (recomputed from the body file) and an upstream `Cache-Status` (it described another request).
 */
const NOT_STORED = new Set([
  'set-cookie',
  'date',
  'age',
  'content-length',
  'content-range',
  'accept-ranges',
  'cache-status',
]);

/**
 * The fields of an origin response worth storing, in order, lower-case names.
 *
 * @example
 * ```ts
 * storedFields(new Headers({ 'content-type': 'text/css', connection: 'close', date: 'x' }));
 * // [['content-type', 'text/css']]
 * ```
 */
export function storedFields(headers: Headers): [string, string][] {
  const drop = hopByHop(headers);
  const fields: [string, string][] = [];
  for (const [name, value] of headers) {
    if (!drop.has(name) && !NOT_STORED.has(name)) fields.push([name, value]);
  }
  return fields;
}

function isFields(value: unknown): value is readonly (readonly [string, string])[] {
  return (
    Array.isArray(value) &&
    value.every(
      (field: unknown) =>
        Array.isArray(field) &&
        field.length === 2 &&
        typeof field[0] === 'string' &&
        TOKEN.test(field[0]) &&
        typeof field[1] === 'string' &&
        !BAD_VALUE.test(field[1]),
    )
  );
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * Reads a sidecar, or `undefined` for anything that is not one (a truncated file, a foreign
 * JSON, a header value with a line break). Never throws.
 *
 * @example
 * ```ts
 * parseSidecar('{"v":1}'); // undefined
 * ```
 */
export function parseSidecar(text: string): Sidecar | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null) return undefined;
  const s = data as Record<string, unknown>;
  const policy = s['policy'];
  if (
    s['v'] !== 1 ||
    s['status'] !== 200 ||
    !isFields(s['headers']) ||
    !isCount(s['storedAt']) ||
    !isCount(s['size']) ||
    !isCount(s['mtimeMs']) ||
    !isCount(s['ino']) ||
    (policy !== undefined && (typeof policy !== 'object' || policy === null))
  ) {
    return undefined;
  }
  return data as Sidecar;
}

/** The JSON text of a sidecar. */
export function formatSidecar(sidecar: Sidecar): string {
  return JSON.stringify(sidecar);
}

/** Whether `sidecar` describes the body file with this status. */
export function describes(sidecar: Sidecar, file: FileIdentity): boolean {
  return sidecar.size === file.size && sidecar.mtimeMs === file.mtimeMs && sidecar.ino === file.ino;
}

/**
 * nginx's entity tag for a file, `"<mtime in s, hex>-<size, hex>"`, so that a client revalidates
 * alike whether nginx or trowel served it the entry.
 *
 * @example
 * ```ts
 * nginxETag(1_700_000_000_000, 5); // '"6553f100-5"'
 * ```
 */
export function nginxETag(mtimeMs: number, size: number): string {
  return `"${Math.floor(mtimeMs / 1000).toString(16)}-${size.toString(16)}"`;
}

/** A sidecar read into what an answer needs, computed once per entry and kept in memory. */
export interface EntryMeta {
  readonly sidecar: Sidecar;
  readonly contentType: string;
  readonly etag: string;
  readonly lastModified: number;
  readonly cacheControl: string | undefined;
  readonly vary: string | undefined;
  readonly contentEncoding: string | undefined;
  /** The other stored fields, sent with 200 and 206 answers. */
  readonly extra: readonly (readonly [string, string])[];
  /** The `http` policy's state, rebuilt on first use. */
  policy?: CachePolicy;
}

/** Fields the answer builds itself from the entry (see `respond()` of trowel/static). */
const BUILT = new Set([
  'content-type',
  'etag',
  'last-modified',
  'cache-control',
  'vary',
  'content-encoding',
]);

/**
 * What an answer from `sidecar` sends: the stored `Content-Type` (or `contentType`), the
 * origin's `ETag` (or nginx's), `Last-Modified` from the body file (whose mtime is the origin's
 * `Last-Modified` when there was one), and the other stored fields.
 */
export function entryMeta(sidecar: Sidecar, contentType: string): EntryMeta {
  const get = (name: string): string | undefined =>
    sidecar.headers.find(([field]) => field === name)?.[1];
  const coding = get('content-encoding');
  return {
    sidecar,
    contentType: get('content-type') ?? contentType,
    etag: get('etag') ?? nginxETag(sidecar.mtimeMs, sidecar.size),
    lastModified: sidecar.mtimeMs,
    cacheControl: get('cache-control'),
    vary: get('vary'),
    contentEncoding:
      coding === undefined || coding.toLowerCase() === 'identity' ? undefined : coding,
    extra: sidecar.headers.filter(([name]) => !BUILT.has(name)),
  };
}
