/**
 * `egg:wsgi_cache#middleware`: wsgi_cache's `CacheMiddleware` options, mapped onto `diskCache()`
 * from `trowel/disk-cache`.
 *
 * | wsgi_cache option | trowel |
 * |---|---|
 * | `cache_dir` (required) | `cacheDir`, relative to the file the value is written in |
 * | `content_type` (default `text/html`) | `contentType`: now only the type of entries whose response had none |
 * | `cache_paths` (comma-separated prefixes) | `cachePaths`, matched on segment boundaries |
 * | `directory_index` (default `__index.html`) | `directoryIndex` |
 *
 * trowel's own options: `policy` (`static` or `http`), `heuristic`, `share_authorized`,
 * `ignore_cookies`, `store_encoded`, `by_host` (booleans), `max_size` (a size), `max_age` and
 * `sweep_interval` (durations).
 */
import type { Handler } from '../../core/handler.ts';
import { diskCache, type DiskCacheOptions } from '../../disk-cache/index.ts';
import {
  asBool,
  asChoice,
  asDuration,
  asList,
  asPath,
  asSize,
  asString,
  checkKeys,
  locate,
  type Settings,
} from '../converters.ts';
import type { FilterAppFactory } from '../registry.ts';
import { optional } from './optional.ts';

const OPTIONS = [
  'cache_dir',
  'content_type',
  'cache_paths',
  'directory_index',
  'policy',
  'heuristic',
  'share_authorized',
  'ignore_cookies',
  'store_encoded',
  'by_host',
  'max_size',
  'max_age',
  'sweep_interval',
];

const KEY_BY_CODE: readonly (readonly [RegExp, string])[] = [
  [/DIR/, 'cache_dir'],
  [/PATHS/, 'cache_paths'],
  [/INDEX/, 'directory_index'],
  [/POLICY/, 'policy'],
  [/CONTENT_TYPE/, 'content_type'],
  [/SIZE/, 'max_size'],
  [/AGE/, 'max_age'],
  [/SWEEP/, 'sweep_interval'],
];

/** The `diskCache()` options a `egg:wsgi_cache#middleware` section describes. */
export function diskCacheOptions(options: Settings): DiskCacheOptions {
  checkKeys(options, OPTIONS, 'egg:wsgi_cache#middleware');
  asString(options, 'cache_dir', { what: 'the directory the cache is kept in' });
  const cachePaths = asList(options, 'cache_paths', { separator: 'comma' });
  return {
    cacheDir: asPath(options, 'cache_dir') ?? '',
    ...optional('contentType', options['content_type']?.trim()),
    ...(cachePaths.length > 0 ? { cachePaths } : {}),
    ...optional('directoryIndex', options['directory_index']?.trim()),
    policy: asChoice(options, 'policy', ['static', 'http'] as const, 'static'),
    ...optional('heuristic', asBool(options, 'heuristic')),
    ...optional('shareAuthorized', asBool(options, 'share_authorized')),
    ...optional('ignoreCookies', asBool(options, 'ignore_cookies')),
    ...optional('storeEncoded', asBool(options, 'store_encoded')),
    ...optional('byHost', asBool(options, 'by_host')),
    ...optional('maxSize', asSize(options, 'max_size', { min: 1 })),
    ...optional('maxAge', asDuration(options, 'max_age', { min: 1 })),
    ...optional('sweepInterval', asDuration(options, 'sweep_interval', { min: 1000 })),
  };
}

/** `egg:wsgi_cache#middleware`: `diskCache()` in front of `next`. */
export const diskCacheFilterApp: FilterAppFactory = (next, options): Handler => {
  const settings = diskCacheOptions(options);
  return locate(
    options,
    (code) => KEY_BY_CODE.find(([pattern]) => pattern.test(code))?.[1],
    () => diskCache(settings)(next),
  );
};
