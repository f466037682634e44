/**
 * The options of `diskCache()`, checked once when the middleware is built: every mistake is a
 * `ConfigError` then, never a failure per request. The cache directory is created and proved
 * writable here too, so a read-only or misspelt directory stops the server before it starts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError } from '../core/config-error.ts';
import { decodePath, isEntryName } from './layout.ts';

/** How stored entries are reused. */
export type CachePolicyName = 'static' | 'http';

/** Options of `diskCache()`. */
export interface DiskCacheOptions {
  /**
   * The cache directory: absolute, or relative to the working directory. Created when missing.
   * Point nginx's `root` (or Apache's `DocumentRoot`) here to serve hits without trowel.
   */
  readonly cacheDir: string;
  /**
   * The `Content-Type` of an entry whose response had none; set nginx's `default_type` to the
   * same value so that both serve extension-less pages alike.
   * @default 'text/html'
   */
  readonly contentType?: string;
  /**
   * Only requests whose path is one of these or below one of them are cached, matched on segment
   * boundaries (`/lic` covers `/lic` and `/lic/x`, never `/licenses`). Each starts with `/`.
   * @default every path
   */
  readonly cachePaths?: readonly string[];
  /** The file name of a path ending in `/` (`/monkeys/` → `monkeys/__index.html`). @default '__index.html' */
  readonly directoryIndex?: string;
  /**
   * `static`: keep an eligible 200 until it is purged (or older than `maxAge`), as wsgi_cache
   * did. `http`: a shared cache per RFC 9111 — freshness, validation, `Vary`, `Age`.
   * @default 'static'
   */
  readonly policy?: CachePolicyName;
  /**
   * `http` policy: give responses without explicit freshness (`max-age`, `s-maxage`, `Expires`)
   * a heuristic lifetime of 10% of their age since `Last-Modified` (RFC 9111 §4.2.2).
   * @default false
   */
  readonly heuristic?: boolean;
  /**
   * Let requests with `Authorization` use the cache. The `http` policy still stores their
   * responses only when RFC 9111 §3.5 allows (`public`, `s-maxage`, `must-revalidate`); the
   * `static` policy stores them like any other.
   * @default false: such requests pass through untouched
   */
  readonly shareAuthorized?: boolean;
  /** Let requests with a `Cookie` use the cache. @default false: they pass through untouched */
  readonly ignoreCookies?: boolean;
  /**
   * Store responses with a `Content-Encoding` other than `identity`. A server that serves the
   * directory directly would send such bytes without the header, so leave it off for nginx.
   * @default false
   */
  readonly storeEncoded?: boolean;
  /** Keep entries under a directory per host (`cacheDir/<host>/<path>`; nginx `root /cache/$host`). @default false */
  readonly byHost?: boolean;
  /** The most bytes of bodies kept; past it the least recently hit entries are evicted. @default unlimited */
  readonly maxSize?: number;
  /** `static` policy: entries older than this many ms are misses, and the sweep removes them. @default none */
  readonly maxAge?: number;
  /**
   * How often, in ms, the sweep runs (expired entries, leftovers of crashed writes, the size
   * index). The timer does not keep the process alive.
   * @default 600000 (10 min) when `maxSize`, `maxAge` or the `http` policy is set; else no sweep
   */
  readonly sweepInterval?: number;
  /** Called with what went wrong reading or writing the cache; the request itself is still answered. @default console.error */
  readonly onError?: (error: unknown) => void;
}

/** {@link DiskCacheOptions}, checked, with every default filled in. */
export interface DiskCacheConfig {
  readonly root: string;
  readonly contentType: string;
  readonly cachePaths: readonly string[] | undefined;
  readonly directoryIndex: string;
  readonly policy: CachePolicyName;
  readonly heuristic: boolean;
  readonly shareAuthorized: boolean;
  readonly ignoreCookies: boolean;
  readonly storeEncoded: boolean;
  readonly byHost: boolean;
  readonly maxSize: number | undefined;
  readonly maxAge: number | undefined;
  readonly sweepInterval: number | undefined;
  readonly onError: (error: unknown) => void;
}

const PREFIX = 'TROWEL_ERR_DISK_CACHE_';

function fail(what: string, message: string, cause?: unknown): never {
  throw new ConfigError(
    PREFIX + what,
    `diskCache(): ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

function flag(options: DiskCacheOptions, name: keyof DiskCacheOptions): boolean {
  const value: unknown = options[name];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    fail('OPTION', `${name} must be true or false, got ${JSON.stringify(value)}`);
  }
  return value;
}

function positive(
  what: string,
  name: string,
  value: unknown,
  min: number,
  unit: string,
): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(what, `${name} must be a whole number of ${unit} >= ${min}, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Creates the cache directory and proves it writable; returns its canonical path. */
function cacheRoot(dir: unknown): string {
  if (typeof dir !== 'string' || dir.trim() === '') {
    fail('DIR', `cacheDir must be a directory path, got ${JSON.stringify(dir)}`);
  }
  const path = resolve(dir);
  try {
    mkdirSync(path, { recursive: true });
  } catch (error) {
    fail('DIR', `cannot create the cache directory ${JSON.stringify(path)}`, error);
  }
  if (!statSync(path).isDirectory()) {
    fail('DIR', `the cache directory ${JSON.stringify(path)} is not a directory`);
  }
  // A real write, not access(2): a read-only mount or an ACL says no only when asked to write.
  const probe = join(path, `.probe.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(probe, '', { flag: 'wx' });
    rmSync(probe);
  } catch (error) {
    fail('DIR', `the cache directory ${JSON.stringify(path)} is not writable`, error);
  }
  return realpathSync(path);
}

/** Checks the `cachePaths` prefixes: each a request path without query, dot segments or `//`. */
function prefixes(value: unknown): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) {
    fail('PATHS', `cachePaths must be a non-empty list of paths, got ${JSON.stringify(value)}`);
  }
  return (value as unknown[]).map((prefix) => {
    if (
      typeof prefix !== 'string' ||
      !prefix.startsWith('/') ||
      /[?#%]/.test(prefix) ||
      decodePath(prefix, '\0') === undefined
    ) {
      fail(
        'PATHS',
        `each of cachePaths must be a plain path starting with "/" (no "..", "//", query or dot ` +
          `segment), got ${JSON.stringify(prefix)}`,
      );
    }
    // Stored without a trailing slash: the match adds the boundary itself.
    return prefix.length > 1 && prefix.endsWith('/') ? prefix.slice(0, -1) : prefix;
  });
}

function mediaType(value: unknown): string {
  if (value === undefined) return 'text/html';
  if (typeof value !== 'string' || !/^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(?:\s*;.*)?$/.test(value)) {
    fail('CONTENT_TYPE', `contentType must be a media type, got ${JSON.stringify(value)}`);
  }
  // eslint-disable-next-line no-control-regex -- a header value must not hold control characters
  if (/[\u0000-\u001f\u007f]/.test(value)) fail('CONTENT_TYPE', 'contentType has a control char');
  return value;
}

const DEFAULT_SWEEP = 600_000;

/**
 * Checks {@link DiskCacheOptions}, creates the cache directory and fills in the defaults.
 *
 * @throws {ConfigError} `TROWEL_ERR_DISK_CACHE_<DIR|PATHS|INDEX|POLICY|CONTENT_TYPE|SIZE|AGE|SWEEP|OPTION>`.
 */
export function resolveOptions(options: DiskCacheOptions): DiskCacheConfig {
  if (typeof options !== 'object' || (options as unknown) === null) {
    fail('OPTION', 'expects an options object with a cacheDir');
  }
  const policy: unknown = options.policy ?? 'static';
  if (policy !== 'static' && policy !== 'http') {
    fail('POLICY', `policy must be "static" or "http", got ${JSON.stringify(policy)}`);
  }
  const heuristic = flag(options, 'heuristic');
  if (heuristic && policy !== 'http') {
    fail('POLICY', 'heuristic applies to the "http" policy only');
  }
  const directoryIndex: unknown = options.directoryIndex ?? '__index.html';
  if (typeof directoryIndex !== 'string' || !isEntryName(directoryIndex)) {
    fail(
      'INDEX',
      `directoryIndex must be a plain file name (no "/", "\\", leading ".", control ` +
        `characters; at most 200 bytes), got ${JSON.stringify(directoryIndex)}`,
    );
  }
  const maxAge = positive('AGE', 'maxAge', options.maxAge, 1, 'ms');
  if (maxAge !== undefined && policy === 'http') {
    fail(
      'AGE',
      'maxAge applies to the "static" policy; the "http" policy reads freshness from responses',
    );
  }
  const maxSize = positive('SIZE', 'maxSize', options.maxSize, 1, 'bytes');
  const sweep = positive('SWEEP', 'sweepInterval', options.sweepInterval, 1000, 'ms');
  const onError: unknown = options.onError;
  if (onError !== undefined && typeof onError !== 'function') {
    fail('OPTION', 'onError must be a function');
  }
  const needsSweep = maxSize !== undefined || maxAge !== undefined || policy === 'http';
  return {
    contentType: mediaType(options.contentType),
    cachePaths: prefixes(options.cachePaths),
    directoryIndex,
    policy,
    heuristic,
    shareAuthorized: flag(options, 'shareAuthorized'),
    ignoreCookies: flag(options, 'ignoreCookies'),
    storeEncoded: flag(options, 'storeEncoded'),
    byHost: flag(options, 'byHost'),
    maxSize,
    maxAge,
    sweepInterval: sweep ?? (needsSweep ? DEFAULT_SWEEP : undefined),
    onError:
      (onError as DiskCacheConfig['onError'] | undefined) ??
      ((error) => {
        console.error('trowel/disk-cache:', error);
      }),
    // Last: nothing is created on disk for options that are wrong anyway.
    root: cacheRoot(options.cacheDir),
  };
}

/**
 * Whether a decoded request path is covered by `cachePaths`, on segment boundaries.
 *
 * @example
 * ```ts
 * isCachedPath('/licenses/x', ['/licenses']); // true
 * isCachedPath('/licensed', ['/lic']); // false
 * ```
 */
export function isCachedPath(path: string, cachePaths: readonly string[] | undefined): boolean {
  if (cachePaths === undefined) return true;
  return cachePaths.some(
    (prefix) => prefix === '/' || path === prefix || path.startsWith(`${prefix}/`),
  );
}
