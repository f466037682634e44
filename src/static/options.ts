/**
 * The options of `staticFiles()` and the helpers, checked once when the handler is built: every
 * mistake is a `ConfigError` then, never a failure per request.
 */
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../core/config-error.ts';
import type { Handler } from '../core/handler.ts';
import { contentTypes, type ContentTypeLookup } from './content-type.ts';
import { isPlainName, type DotfilePolicy } from './segments.ts';

/** A precompressed sibling trowel looks for: `<file>.br` or `<file>.gz`. */
export type Precompressed = 'br' | 'gzip';

/** Options of the cache and validator fields, shared by every static answer. */
export interface CachingOptions {
  /**
   * Sends `Cache-Control: max-age=<seconds>`. Nothing is sent by default, which leaves freshness
   * to the caches' heuristics (RFC 9111 §4.2.2); no `public` is ever added, so a file behind
   * authentication is not made shareable by accident.
   * @default none
   */
  readonly cacheMaxAge?: number;
  /** Adds `immutable` (RFC 8246) to `Cache-Control`; needs `cacheMaxAge`. @default false */
  readonly immutable?: boolean;
  /** Sends an `ETag` and honours `If-None-Match`, `If-Match` and `If-Range` with it. @default true */
  readonly etag?: boolean;
  /** Sends `Last-Modified` and honours the date conditions with it. @default true */
  readonly lastModified?: boolean;
}

/** How long, and for how many names, `staticFiles()` reuses what it learned about a file. */
export interface MetadataCacheOptions {
  /** Milliseconds a file's metadata is reused before the file is looked at again. @default 1000 */
  readonly maxAge?: number;
  /** The most names remembered; past it the oldest is forgotten. @default 10000 */
  readonly maxEntries?: number;
}

/** Options of {@link staticFiles}. */
export interface StaticFilesOptions extends CachingOptions {
  /** The directory to serve; relative paths are resolved against the working directory. */
  readonly root: string;
  /** File names tried, in order, for a path ending in `/`; `false` or `[]` for none. @default ['index.html'] */
  readonly index?: readonly string[] | false;
  /**
   * `deny` answers 404 for any path with a segment starting with `.` (except `.well-known`), as
   * if it did not exist; `allow` serves them.
   * @default 'deny'
   */
  readonly dotfiles?: DotfilePolicy;
  /**
   * Whether a symlink in the tree is followed. Even when it is, the file it leads to must be inside
   * `root`; when it is not, any path through a symlink answers 404.
   * @default false
   */
  readonly followSymlinks?: boolean;
  /**
   * Serve `<file>.br` / `<file>.gz` instead of `<file>` when the client accepts that coding, with
   * the original's `Content-Type`, `Content-Encoding` and `Vary: Accept-Encoding`. `true` means
   * `['br', 'gzip']` (preferred in that order); `false` or `[]` turns it off.
   * @default true
   */
  readonly precompressed?: boolean | readonly Precompressed[];
  /** Extension → media type, consulted before the database (`{ gmi: 'text/gemini' }`). @default {} */
  readonly extraMimeTypes?: Readonly<Record<string, string>>;
  /** Answer a path ending in a directory name without `/` with 301 to the path with it. @default true */
  readonly redirect?: boolean;
  /**
   * Called instead of answering 404 (no such file, or refused) or 405 (a method other than GET
   * and HEAD): the application behind the static tree.
   * @default none: answer 404 / 405
   */
  readonly fallthrough?: Handler;
  /**
   * Reuse what a lookup learned about a name (its kind, mtime, size, canonical path — or its
   * absence) for `maxAge` ms when answering a revalidation (`If-None-Match`,
   * `If-Modified-Since`), like nginx's `open_file_cache`: a current client copy is then answered
   * 304 without a system call. The price is a staleness window: a file changed on disk may still
   * be answered 304 for up to `maxAge` ms. Requests for bodies always look at the file. `true`
   * means `{ maxAge: 1000, maxEntries: 10000 }`.
   * @default false: every revalidation looks at the file
   */
  readonly metadataCache?: boolean | MetadataCacheOptions;
}

/** {@link StaticFilesOptions}, checked and with every default filled in. */
export interface StaticConfig {
  readonly root: string;
  readonly index: readonly string[];
  readonly dotfiles: DotfilePolicy;
  readonly followSymlinks: boolean;
  readonly encodings: readonly Precompressed[];
  readonly redirect: boolean;
  readonly fallthrough: Handler | undefined;
  readonly validators: { readonly etag: boolean; readonly lastModified: boolean };
  readonly cacheControl: string | undefined;
  readonly vary: string | undefined;
  readonly contentType: ContentTypeLookup;
  readonly metadataCache: { readonly maxAge: number; readonly maxEntries: number } | undefined;
}

const CODE = 'TROWEL_ERR_STATIC_INVALID_OPTION';

function invalid(what: string, message: string): ConfigError {
  return new ConfigError(CODE, `${what}: ${message}`);
}

function checkBoolean(what: string, name: string, value: unknown): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw invalid(what, `${name} must be true or false, got ${JSON.stringify(value)}`);
}

/**
 * The `Cache-Control` value of {@link CachingOptions}, or `undefined`.
 *
 * @throws {ConfigError} `TROWEL_ERR_STATIC_INVALID_OPTION`.
 */
export function cacheControlOf(what: string, options: CachingOptions): string | undefined {
  const { cacheMaxAge } = options;
  const immutable = checkBoolean(what, 'immutable', options.immutable) ?? false;
  if (cacheMaxAge === undefined) {
    if (immutable) throw invalid(what, 'immutable needs cacheMaxAge');
    return undefined;
  }
  if (!Number.isSafeInteger(cacheMaxAge) || cacheMaxAge < 0) {
    throw invalid(what, `cacheMaxAge must be a whole number of seconds >= 0, got ${cacheMaxAge}`);
  }
  return immutable ? `max-age=${cacheMaxAge}, immutable` : `max-age=${cacheMaxAge}`;
}

/** The validator switches of {@link CachingOptions}, defaulted. */
export function validatorsOf(
  what: string,
  options: CachingOptions,
): { readonly etag: boolean; readonly lastModified: boolean } {
  return {
    etag: checkBoolean(what, 'etag', options.etag) ?? true,
    lastModified: checkBoolean(what, 'lastModified', options.lastModified) ?? true,
  };
}

function encodingsOf(
  what: string,
  value: StaticFilesOptions['precompressed'],
): readonly Precompressed[] {
  if (value === undefined || value === true) return ['br', 'gzip'];
  if (value === false) return [];
  const codings: unknown = value;
  if (!Array.isArray(codings) || !codings.every((c) => c === 'br' || c === 'gzip')) {
    throw invalid(
      what,
      `precompressed must be a boolean or a list of "br" and "gzip", got ${JSON.stringify(value)}`,
    );
  }
  return [...new Set(codings as readonly Precompressed[])];
}

const MAX_CACHE_AGE = 3_600_000;

function metadataCacheOf(
  what: string,
  value: StaticFilesOptions['metadataCache'],
): StaticConfig['metadataCache'] {
  if (value === undefined || value === false) return undefined;
  const given: unknown = value === true ? {} : value;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw invalid(
      what,
      `metadataCache must be a boolean or an object, got ${JSON.stringify(value)}`,
    );
  }
  const { maxAge = 1000, maxEntries = 10_000 } = given as MetadataCacheOptions;
  if (!Number.isSafeInteger(maxAge) || maxAge < 1 || maxAge > MAX_CACHE_AGE) {
    throw invalid(
      what,
      `metadataCache.maxAge must be a whole number of ms in 1..3600000, got ${maxAge}`,
    );
  }
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw invalid(what, `metadataCache.maxEntries must be a whole number >= 1, got ${maxEntries}`);
  }
  return { maxAge, maxEntries };
}

function indexOf(what: string, value: StaticFilesOptions['index']): readonly string[] {
  if (value === undefined) return ['index.html'];
  if (value === false) return [];
  const names: unknown = value;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && isPlainName(n))) {
    throw invalid(
      what,
      `index must be a list of plain file names (no "/", "..", NUL), got ${JSON.stringify(value)}`,
    );
  }
  return [...(names as readonly string[])];
}

/**
 * The canonical path of a directory to serve.
 *
 * @throws {ConfigError} `TROWEL_ERR_STATIC_ROOT` when it is missing or not a directory.
 */
export function rootOf(what: string, root: unknown, code = 'TROWEL_ERR_STATIC_ROOT'): string {
  if (typeof root !== 'string' || root === '') {
    throw new ConfigError(code, `${what}: root must be a directory path, got ${String(root)}`);
  }
  let real: string;
  try {
    real = realpathSync(resolve(root));
  } catch (error) {
    throw new ConfigError(code, `${what}: root ${JSON.stringify(root)} does not exist`, {
      cause: error,
    });
  }
  if (!statSync(real).isDirectory()) {
    throw new ConfigError(code, `${what}: root ${JSON.stringify(root)} is not a directory`);
  }
  return real;
}

/**
 * Checks {@link StaticFilesOptions} and fills in the defaults.
 *
 * @throws {ConfigError} `TROWEL_ERR_STATIC_ROOT` or `TROWEL_ERR_STATIC_INVALID_OPTION`.
 */
export function resolveOptions(options: StaticFilesOptions, what = 'staticFiles()'): StaticConfig {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw invalid(what, 'expects an options object with a root');
  }
  const { dotfiles = 'deny', fallthrough } = options;
  if ((dotfiles as unknown) !== 'allow' && (dotfiles as unknown) !== 'deny') {
    throw invalid(what, `dotfiles must be "allow" or "deny", got ${JSON.stringify(dotfiles)}`);
  }
  if (fallthrough !== undefined && typeof fallthrough !== 'function') {
    throw invalid(what, 'fallthrough must be a handler function');
  }
  const encodings = encodingsOf(what, options.precompressed);
  return {
    root: rootOf(what, options.root),
    index: indexOf(what, options.index),
    dotfiles,
    followSymlinks: checkBoolean(what, 'followSymlinks', options.followSymlinks) ?? false,
    encodings,
    redirect: checkBoolean(what, 'redirect', options.redirect) ?? true,
    fallthrough,
    validators: validatorsOf(what, options),
    cacheControl: cacheControlOf(what, options),
    vary: encodings.length > 0 ? 'accept-encoding' : undefined,
    contentType: contentTypes(options.extraMimeTypes ?? {}),
    metadataCache: metadataCacheOf(what, options.metadataCache),
  };
}
