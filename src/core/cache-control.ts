/**
 * The `Cache-Control` header (RFC 9111 §5.2, plus `immutable` from RFC 8246 and the
 * `stale-while-revalidate` / `stale-if-error` extensions of RFC 5861): read it into a typed
 * object and build it from one.
 *
 * Replaces `paste.httpheaders.CACHE_CONTROL`, which checked its arguments with `assert` and
 * quietly made every response `public`. Here nothing is implied, and a contradiction (`public`
 * with `private`) or a negative age is a TypeError or RangeError when the header is built.
 *
 * Not a cache: deciding freshness from these directives is RFC 9111 §4's business (the disk cache
 * does it). Use `Expires` and `Date` from `http-date` alongside.
 */
import { isToken, quoteIfNeeded, splitList, trimOws, unquote } from './header-syntax.ts';

/** The directives of a `Cache-Control` header. Ages are in seconds. */
export interface CacheControl {
  /** `max-age`: fresh for this long. */
  readonly maxAge?: number;
  /** `s-maxage`: `max-age` for shared caches. */
  readonly sMaxage?: number;
  /** `no-cache`, optionally only for some (lowercased) header fields. */
  readonly noCache?: boolean | readonly string[];
  /** `no-store`. */
  readonly noStore?: boolean;
  /** `no-transform`. */
  readonly noTransform?: boolean;
  /** `must-revalidate`. */
  readonly mustRevalidate?: boolean;
  /** `proxy-revalidate`. */
  readonly proxyRevalidate?: boolean;
  /** `must-understand`; send it with `no-store` for caches that do not know it (RFC 9111 §5.2.2.3). */
  readonly mustUnderstand?: boolean;
  /** `private`, optionally only for some (lowercased) header fields. */
  readonly private?: boolean | readonly string[];
  /** `public`. */
  readonly public?: boolean;
  /** `immutable` (RFC 8246). */
  readonly immutable?: boolean;
  /** `stale-while-revalidate` (RFC 5861). */
  readonly staleWhileRevalidate?: number;
  /** `stale-if-error` (RFC 5861). */
  readonly staleIfError?: number;
  /** `max-stale` (request): `true` for any staleness, or at most this many seconds. */
  readonly maxStale?: boolean | number;
  /** `min-fresh` (request). */
  readonly minFresh?: number;
  /** `only-if-cached` (request). */
  readonly onlyIfCached?: boolean;
  /** Other directives, by lowercased name: the argument, or `true` when there is none. */
  readonly extensions?: ReadonlyMap<string, string | true>;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

type Flag =
  | 'noStore'
  | 'noTransform'
  | 'mustRevalidate'
  | 'proxyRevalidate'
  | 'mustUnderstand'
  | 'public'
  | 'immutable'
  | 'onlyIfCached';

type Age = 'maxAge' | 'sMaxage' | 'staleWhileRevalidate' | 'staleIfError' | 'minFresh';

const FLAGS: Readonly<Record<string, Flag>> = {
  'no-store': 'noStore',
  'no-transform': 'noTransform',
  'must-revalidate': 'mustRevalidate',
  'proxy-revalidate': 'proxyRevalidate',
  'must-understand': 'mustUnderstand',
  public: 'public',
  immutable: 'immutable',
  'only-if-cached': 'onlyIfCached',
};

const AGES: Readonly<Record<string, Age>> = {
  'max-age': 'maxAge',
  's-maxage': 'sMaxage',
  'stale-while-revalidate': 'staleWhileRevalidate',
  'stale-if-error': 'staleIfError',
  'min-fresh': 'minFresh',
};

const KNOWN = new Set([
  ...Object.keys(FLAGS),
  ...Object.keys(AGES),
  'no-cache',
  'private',
  'max-stale',
]);

// RFC 9111 §1.2.2: a delta-seconds too large to represent is read as 2^31.
const MAX_DELTA = 2 ** 31;

function deltaSeconds(arg: string | undefined): number | undefined {
  return arg !== undefined && /^\d+$/.test(arg) ? Math.min(Number(arg), MAX_DELTA) : undefined;
}

function fieldList(arg: string): true | string[] {
  const names = splitList(arg).map((name) => name.toLowerCase());
  // An empty or unreadable list is read as the unqualified (stricter) directive.
  return names.length > 0 && names.every(isToken) ? names : true;
}

/**
 * Reads a `Cache-Control` value. Directive names are case-insensitive; arguments may be tokens or
 * quoted-strings. When a directive repeats, the first occurrence wins (RFC 9111 §4.2.1). A
 * `max-age` or `s-maxage` with an unreadable argument is read as 0, because RFC 9111 §4.2.1 asks
 * caches to treat such a response as stale; other directives with unreadable arguments are
 * ignored. Never throws.
 *
 * @example
 * ```ts
 * import { parseCacheControl } from 'trowel';
 * parseCacheControl('public, max-age=3600, no-cache="Set-Cookie"');
 * // { public: true, maxAge: 3600, noCache: ['set-cookie'] }
 * ```
 */
export function parseCacheControl(header: string | null | undefined): CacheControl {
  const out: Mutable<CacheControl> = {};
  if (typeof header !== 'string') return out;
  const seen = new Set<string>();
  const extensions = new Map<string, string | true>();
  for (const member of splitList(header)) {
    const eq = member.indexOf('=');
    const name = trimOws(eq === -1 ? member : member.slice(0, eq)).toLowerCase();
    if (!isToken(name) || seen.has(name)) continue;
    seen.add(name);
    const raw = eq === -1 ? undefined : trimOws(member.slice(eq + 1));
    const arg = raw === undefined ? undefined : raw.startsWith('"') ? unquote(raw) : raw;
    const flag = FLAGS[name];
    const age = AGES[name];
    if (flag !== undefined) {
      out[flag] = true;
    } else if (age !== undefined) {
      const seconds = deltaSeconds(arg);
      if (seconds !== undefined) out[age] = seconds;
      else if (age === 'maxAge' || age === 'sMaxage') out[age] = 0;
    } else if (name === 'no-cache' || name === 'private') {
      out[name === 'no-cache' ? 'noCache' : 'private'] = arg === undefined ? true : fieldList(arg);
    } else if (name === 'max-stale') {
      const seconds = deltaSeconds(arg);
      if (arg === undefined) out.maxStale = true;
      else if (seconds !== undefined) out.maxStale = seconds;
    } else if (raw === undefined || arg !== undefined) {
      extensions.set(name, arg ?? true);
    }
  }
  if (extensions.size > 0) out.extensions = extensions;
  return out;
}

/**
 * Builds a `Cache-Control` value, directives in a fixed order. `false` and absent fields are left
 * out; field lists and extension arguments are quoted when they need it.
 *
 * @returns the header value, or `''` when no directive is set.
 * @throws {TypeError} for `public` together with `private`, a field name or extension name that is
 * not a token, or an extension named like a directive this type knows.
 * @throws {RangeError} for an age that is not a non-negative integer.
 * @example
 * ```ts
 * import { formatCacheControl } from 'trowel';
 * formatCacheControl({ public: true, maxAge: 86_400, immutable: true });
 * // 'public, immutable, max-age=86400'
 * ```
 */
export function formatCacheControl(cc: CacheControl): string {
  if (cc.public === true && cc.private !== undefined && cc.private !== false) {
    throw new TypeError('Cache-Control: public and private contradict each other');
  }
  const parts: string[] = [];
  if (cc.public === true) parts.push('public');
  pushList(parts, 'private', cc.private);
  pushList(parts, 'no-cache', cc.noCache);
  for (const [name, key] of Object.entries(FLAGS)) {
    if (key !== 'public' && cc[key] === true) parts.push(name);
  }
  for (const [name, key] of Object.entries(AGES)) {
    const seconds = cc[key];
    if (seconds !== undefined) parts.push(`${name}=${age(name, seconds)}`);
  }
  if (cc.maxStale === true) parts.push('max-stale');
  else if (typeof cc.maxStale === 'number')
    parts.push(`max-stale=${age('max-stale', cc.maxStale)}`);
  for (const [name, value] of cc.extensions ?? []) {
    const lower = name.toLowerCase();
    if (!isToken(name) || KNOWN.has(lower)) {
      throw new TypeError(
        `Cache-Control: ${JSON.stringify(name)} cannot be an extension directive`,
      );
    }
    parts.push(value === true ? lower : `${lower}=${quoteIfNeeded(value)}`);
  }
  return parts.join(', ');
}

function pushList(
  parts: string[],
  name: string,
  value: boolean | readonly string[] | undefined,
): void {
  if (value === true) {
    parts.push(name);
  } else if (Array.isArray(value)) {
    const fields: readonly string[] = value;
    if (fields.length === 0 || !fields.every(isToken)) {
      throw new TypeError(`Cache-Control: ${name} needs a non-empty list of header field names`);
    }
    parts.push(`${name}="${fields.join(', ')}"`);
  }
}

function age(name: string, seconds: number): number {
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new RangeError(`Cache-Control: ${name} must be a non-negative integer, got ${seconds}`);
  }
  return seconds;
}
