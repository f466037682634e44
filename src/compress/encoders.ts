/**
 * The content codings `compress()` can produce (RFC 9110 §8.4.1), each on `node:zlib`: a one-shot
 * encoder for a body that is already in memory and a streaming one, with the flush that makes
 * whatever the encoder holds decodable at once (`Z_SYNC_FLUSH`, `BROTLI_OPERATION_FLUSH`,
 * `ZSTD_e_flush`), so a slow stream's bytes are never held back waiting for more.
 *
 * `deflate` is the zlib format (RFC 1950) wrapping a deflate stream, as RFC 9110 §8.4.1.2 defines
 * the coding, not a raw deflate stream. `zstd` exists only where the running Node's zlib has it
 * (Node 22.15 and 23.8 on).
 */
import * as zlib from 'node:zlib';

/** A content coding `compress()` can produce. */
export type Encoding = 'br' | 'zstd' | 'gzip' | 'deflate';

/** Every coding trowel knows, in its default order of preference. */
export const ENCODINGS: readonly Encoding[] = ['br', 'zstd', 'gzip', 'deflate'];

/** What each encoder is tuned with. */
export interface Levels {
  /** zlib level for `gzip` and `deflate`, 1–9. */
  readonly zlib: number;
  /** Brotli quality, 0–11. */
  readonly brotli: number;
  /** Zstandard level, 1–19. */
  readonly zstd: number;
}

/** A streaming encoder: a zlib Transform, which has `flush()` and can be destroyed. */
export type Encoder = zlib.Gzip | zlib.Deflate | zlib.BrotliCompress | zlib.ZstdCompress;

const optional: Partial<typeof zlib> = zlib;

/**
 * Whether the running Node's zlib can write Zstandard (Node 22.15, 23.8 and later).
 *
 * @example
 * ```ts
 * import { compress, HAS_ZSTD } from 'trowel/compress';
 * const fastest = compress({ encodings: HAS_ZSTD ? ['zstd', 'br', 'gzip'] : ['br', 'gzip'] });
 * ```
 */
export const HAS_ZSTD: boolean = typeof optional.createZstdCompress === 'function';

const {
  BROTLI_MODE_TEXT,
  BROTLI_OPERATION_FLUSH,
  BROTLI_PARAM_MODE,
  BROTLI_PARAM_QUALITY,
  BROTLI_PARAM_SIZE_HINT,
  Z_SYNC_FLUSH,
} = zlib.constants;
// Read by name: the Zstandard constants are absent where zlib has no Zstandard.
const constants: Readonly<Record<string, number | undefined>> = zlib.constants;
const ZSTD_LEVEL = constants['ZSTD_c_compressionLevel'] ?? 100;
const ZSTD_FLUSH = constants['ZSTD_e_flush'] ?? 1;

function brotliOptions(levels: Levels, size?: number): zlib.BrotliOptions {
  const params: Record<number, number> = {
    [BROTLI_PARAM_QUALITY]: levels.brotli,
    // Everything compress() handles by default is text; the hint tunes the encoder for it.
    [BROTLI_PARAM_MODE]: BROTLI_MODE_TEXT,
  };
  if (size !== undefined) params[BROTLI_PARAM_SIZE_HINT] = size;
  return { params };
}

function zstdOptions(levels: Levels): zlib.ZstdOptions {
  return { params: { [ZSTD_LEVEL]: levels.zstd } };
}

/**
 * A streaming encoder for `encoding`.
 *
 * @example
 * ```ts
 * const gzip = createEncoder('gzip', { zlib: 6, brotli: 4, zstd: 3 });
 * ```
 */
export function createEncoder(encoding: Encoding, levels: Levels): Encoder {
  switch (encoding) {
    case 'gzip':
      return zlib.createGzip({ level: levels.zlib });
    case 'deflate':
      return zlib.createDeflate({ level: levels.zlib });
    case 'br':
      return zlib.createBrotliCompress(brotliOptions(levels));
    case 'zstd':
      return zlib.createZstdCompress(zstdOptions(levels));
  }
}

/** The flush that ends the encoder's current block without ending the stream. */
export function flushKind(encoding: Encoding): number {
  switch (encoding) {
    case 'gzip':
    case 'deflate':
      // Not zlib's default Z_FULL_FLUSH, which also resets the dictionary and costs ratio.
      return Z_SYNC_FLUSH;
    case 'br':
      return BROTLI_OPERATION_FLUSH;
    case 'zstd':
      return ZSTD_FLUSH;
  }
}

/**
 * Encodes a body that is already in memory in one go, on zlib's thread pool.
 *
 * @example
 * ```ts
 * const gz = await encodeBytes('gzip', new TextEncoder().encode('hello'), { zlib: 6, brotli: 4, zstd: 3 });
 * ```
 */
export function encodeBytes(
  encoding: Encoding,
  bytes: Uint8Array,
  levels: Levels,
): Promise<Buffer<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const done: zlib.CompressCallback = (error, result) => {
      if (error) reject(error);
      else resolve(result);
    };
    switch (encoding) {
      case 'gzip':
        zlib.gzip(bytes, { level: levels.zlib }, done);
        break;
      case 'deflate':
        zlib.deflate(bytes, { level: levels.zlib }, done);
        break;
      case 'br':
        zlib.brotliCompress(bytes, brotliOptions(levels, bytes.byteLength), done);
        break;
      case 'zstd':
        zlib.zstdCompress(bytes, zstdOptions(levels), done);
        break;
    }
  });
}
