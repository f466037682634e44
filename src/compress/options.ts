/**
 * The options of `compress()`, checked once when the middleware is built: every mistake is a
 * `ConfigError` then, never a failure per request.
 */
import { ConfigError } from '../core/config-error.ts';
import { ENCODINGS, HAS_ZSTD, type Encoding, type Levels } from './encoders.ts';

/**
 * Which responses are worth compressing, by media type: a list of patterns (`text/html`,
 * `text/*`, `application/*+json`), or a function given the lowercased media type without
 * parameters (`text/html`).
 */
export type CompressibleTypes = readonly string[] | ((mediaType: string) => boolean);

/** Options of `compress()`. */
export interface CompressOptions {
  /**
   * The codings offered, most preferred first. Between codings the client weighs equally, this
   * order decides (browsers list codings by age, not preference). `zstd` is in the default only
   * where the running Node's zlib has it; asking for it elsewhere is a `ConfigError`.
   * @default ['br', 'zstd', 'gzip', 'deflate']
   */
  readonly encodings?: readonly Encoding[];
  /**
   * Bodies shorter than this many bytes are sent as they are: below about a kilobyte the coding's
   * own overhead and the CPU cost outweigh the bytes saved. The length is the `Content-Length`
   * the application set, or the body's own length when it is already complete in memory; a body
   * of unknown length (a stream) is compressed.
   * @default 1024
   */
  readonly threshold?: number;
  /**
   * Which media types are compressed. The default is text and the structured text formats: see
   * {@link DEFAULT_TYPES}. A response without `Content-Type` is never compressed.
   * @default DEFAULT_TYPES
   */
  readonly types?: CompressibleTypes;
  /** zlib compression level for `gzip` and `deflate`, 1 (fastest) to 9 (smallest). @default 6 */
  readonly level?: number;
  /**
   * Brotli quality, 0 to 11. The default suits responses made per request: 11 is for files
   * compressed once, ahead of time (and served with `staticFiles({ precompressed })`).
   * @default 4
   */
  readonly brotliQuality?: number;
  /**
   * Zstandard level, 1 to 19. Levels above 19 need a window larger than the 8 MB a `zstd`
   * content coding may use (RFC 9659), so browsers would refuse them.
   * @default 3
   */
  readonly zstdLevel?: number;
  /**
   * Whenever the application's body has nothing more ready, flush the encoder, so every chunk
   * written reaches the client at once (server-sent events, progress pages, long polls). A body
   * whose bytes come back to back is compressed in one run whatever this says; only a stream that
   * trickles pays, a few bytes per flush. `false` lets the encoder hold bytes until it has a block
   * worth sending: smaller for slow streams, but nothing arrives until then.
   * @default true
   */
  readonly flush?: boolean;
}

/**
 * The media types compressed by default: every `text/*` (HTML, CSS, plain text, CSV, server-sent
 * events), JSON and its `+json` kin, NDJSON, JavaScript, XML and its `+xml` kin (SVG, Atom, RSS,
 * XHTML), YAML, WebAssembly, and the uncompressed font and image formats (TrueType, OpenType,
 * Embedded OpenType, BMP, ICO). Formats that are compressed already (JPEG, PNG, WebP, WOFF2, ZIP,
 * video, PDF) gain nothing and are left out.
 *
 * @example
 * ```ts
 * import { compress, DEFAULT_TYPES } from 'trowel/compress';
 * const withToml = compress({ types: [...DEFAULT_TYPES, 'application/toml'] });
 * ```
 */
export const DEFAULT_TYPES: readonly string[] = [
  'text/*',
  'application/json',
  'application/*+json',
  'application/x-ndjson',
  'application/javascript',
  'application/x-javascript',
  'application/ecmascript',
  'application/xml',
  'application/*+xml',
  'image/svg+xml',
  'application/yaml',
  'application/wasm',
  'font/ttf',
  'font/otf',
  'application/vnd.ms-fontobject',
  'image/bmp',
  'image/x-icon',
  'image/vnd.microsoft.icon',
];

/** The options with every default applied. */
export interface ResolvedOptions {
  readonly encodings: readonly Encoding[];
  /** `encodings` plus `identity`, for negotiation. */
  readonly offers: readonly string[];
  readonly threshold: number;
  readonly isCompressible: (mediaType: string) => boolean;
  readonly levels: Levels;
  readonly flush: boolean;
}

const KNOWN = new Set([
  'encodings',
  'threshold',
  'types',
  'level',
  'brotliQuality',
  'zstdLevel',
  'flush',
]);

/** A value as a message shows it. */
function shown(value: unknown): string {
  if (typeof value === 'number') return String(value);
  const json = JSON.stringify(value) as string | undefined;
  return json ?? typeof value;
}

function fail(what: string, message: string): ConfigError {
  return new ConfigError(`TROWEL_ERR_COMPRESS_${what}`, `compress(): ${message}`);
}

function resolveEncodings(value: unknown): readonly Encoding[] {
  if (value === undefined) return ENCODINGS.filter((e) => e !== 'zstd' || HAS_ZSTD);
  if (!Array.isArray(value) || value.length === 0) {
    throw fail('ENCODINGS', `encodings must be a non-empty array of ${ENCODINGS.join(', ')}`);
  }
  const seen = new Set<Encoding>();
  for (const item of value as unknown[]) {
    const known = ENCODINGS.find((e) => e === item);
    if (known === undefined) {
      throw fail(
        'ENCODINGS',
        `unknown encoding ${JSON.stringify(item)}; known: ${ENCODINGS.join(', ')}`,
      );
    }
    if (known === 'zstd' && !HAS_ZSTD) {
      throw fail('ENCODINGS', `this Node (${process.version}) has no Zstandard in node:zlib`);
    }
    if (seen.has(known)) throw fail('ENCODINGS', `encoding ${known} is listed twice`);
    seen.add(known);
  }
  return [...seen];
}

function integer(
  what: string,
  name: string,
  value: unknown,
  min: number,
  max: number,
  def: number,
): number {
  if (value === undefined) return def;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw fail(what, `${name} must be an integer from ${min} to ${max}, not ${shown(value)}`);
  }
  return value;
}

// A token without `*`, which patterns use as the wildcard (RFC 9110 §5.6.2).
const PART = "[!#$%&'+.^_`|~0-9a-z-]+";
const PATTERN = new RegExp(`^(${PART})/(?:(\\*)|\\*\\+(${PART})|(${PART}))$`);

/** Reads one pattern into a test of a lowercased media type. */
function pattern(text: unknown): {
  readonly exact?: string;
  readonly test?: (m: string) => boolean;
} {
  const lower = typeof text === 'string' ? text.trim().toLowerCase() : '';
  const match = PATTERN.exec(lower);
  const type = match?.[1];
  if (match === null || type === undefined) {
    throw fail(
      'TYPES',
      `${JSON.stringify(text)} is not a media type pattern (type/subtype, type/*, type/*+suffix)`,
    );
  }
  const [, , any, suffix] = match;
  if (any !== undefined) return { test: (m) => m.startsWith(`${type}/`) };
  if (suffix !== undefined) {
    return { test: (m) => m.startsWith(`${type}/`) && m.endsWith(`+${suffix}`) };
  }
  return { exact: lower };
}

function resolveTypes(value: unknown): (mediaType: string) => boolean {
  if (typeof value === 'function') {
    const predicate = value as (mediaType: string) => unknown;
    return (m) => predicate(m) === true;
  }
  const list: unknown = value ?? DEFAULT_TYPES;
  if (!Array.isArray(list)) {
    throw fail('TYPES', 'types must be an array of media type patterns or a function');
  }
  const exact = new Set<string>();
  const tests: ((mediaType: string) => boolean)[] = [];
  for (const item of list as unknown[]) {
    const read = pattern(item);
    // Exact types are looked up in a set: most lists are mostly exact types.
    if (read.exact !== undefined) exact.add(read.exact);
    if (read.test !== undefined) tests.push(read.test);
  }
  return (m) => exact.has(m) || tests.some((test) => test(m));
}

/**
 * Checks `compress()`'s options and fills in the defaults.
 *
 * @throws {ConfigError} `TROWEL_ERR_COMPRESS_OPTIONS`, `_ENCODINGS`, `_THRESHOLD`, `_TYPES` or
 * `_LEVEL`, naming the option.
 * @example
 * ```ts
 * const resolved = resolveOptions({ encodings: ['gzip'] });
 * ```
 */
export function resolveOptions(options: CompressOptions | undefined): ResolvedOptions {
  const given: unknown = options ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw fail('OPTIONS', 'options must be an object');
  }
  for (const key of Object.keys(given)) {
    if (!KNOWN.has(key)) {
      throw fail(
        'OPTIONS',
        `unknown option ${JSON.stringify(key)}; known: ${[...KNOWN].join(', ')}`,
      );
    }
  }
  const o = given as Readonly<Record<string, unknown>>;
  const encodings = resolveEncodings(o['encodings']);
  const threshold = o['threshold'] ?? 1024;
  if (typeof threshold !== 'number' || !Number.isSafeInteger(threshold) || threshold < 0) {
    throw fail('THRESHOLD', `threshold must be a whole number of bytes, not ${shown(threshold)}`);
  }
  const flush = o['flush'] ?? true;
  if (typeof flush !== 'boolean') throw fail('OPTIONS', 'flush must be true or false');
  return {
    encodings,
    offers: [...encodings, 'identity'],
    threshold,
    isCompressible: resolveTypes(o['types']),
    levels: {
      zlib: integer('LEVEL', 'level', o['level'], 1, 9, 6),
      brotli: integer('LEVEL', 'brotliQuality', o['brotliQuality'], 0, 11, 4),
      zstd: integer('LEVEL', 'zstdLevel', o['zstdLevel'], 1, 19, 3),
    },
    flush,
  };
}
