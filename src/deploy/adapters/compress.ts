/**
 * `egg:Paste#gzip`: Paste's gzipper options, mapped onto `compress()` from `trowel/compress`.
 *
 * | option | trowel |
 * |---|---|
 * | `compress_level` (Paste's; default 6) | `level`, for gzip and deflate |
 * | `threshold` (bytes; default 1 KiB) | `threshold` |
 * | `encodings` (default `br zstd gzip deflate`, zstd where Node has it) | `encodings`, in order of preference |
 * | `types` (media-type patterns) | `types` |
 * | `flush` (default true) | `flush`: streamed bodies go out as they are written |
 * | `brotli_quality` (default 4), `zstd_level` (default 3) | `brotliQuality`, `zstdLevel` |
 */
import { compress, type Encoding } from '../../compress/index.ts';
import type { Handler } from '../../core/handler.ts';
import { asBool, asInt, asList, asSize, checkKeys, locate, type Settings } from '../converters.ts';
import type { FilterAppFactory } from '../registry.ts';
import { optional } from './optional.ts';

const OPTIONS = [
  'compress_level',
  'threshold',
  'encodings',
  'types',
  'flush',
  'brotli_quality',
  'zstd_level',
];

const KEY_BY_CODE: readonly (readonly [RegExp, string])[] = [
  [/ENCODINGS/, 'encodings'],
  [/THRESHOLD/, 'threshold'],
  [/TYPES/, 'types'],
  [/LEVEL/, 'compress_level'],
];

function list(options: Settings, key: string): string[] | undefined {
  if (options[key] === undefined) return undefined;
  return asList(options, key)
    .flatMap((item) => item.split(','))
    .filter((item) => item !== '');
}

/** `egg:Paste#gzip`: `compress()` in front of `next`. */
export const compressFilterApp: FilterAppFactory = (next, options): Handler => {
  checkKeys(options, OPTIONS, 'egg:Paste#gzip');
  const encodings = list(options, 'encodings');
  const types = list(options, 'types');
  const settings = {
    ...optional('level', asInt(options, 'compress_level', { min: 1, max: 9 })),
    ...optional('threshold', asSize(options, 'threshold', { min: 0 })),
    ...optional('encodings', encodings as Encoding[] | undefined),
    ...optional('types', types),
    ...optional('flush', asBool(options, 'flush')),
    ...optional('brotliQuality', asInt(options, 'brotli_quality', { min: 0, max: 11 })),
    ...optional('zstdLevel', asInt(options, 'zstd_level', { min: 1, max: 19 })),
  };
  return locate(
    options,
    (code) => KEY_BY_CODE.find(([pattern]) => pattern.test(code))?.[1],
    () => compress(settings)(next),
  );
};
