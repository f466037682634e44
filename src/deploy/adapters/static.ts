/**
 * `egg:Paste#static` and `egg:Paste#pkg_resources`: Paste's `make_static` and
 * `make_pkg_resources` options, mapped onto `staticFiles()` and `staticPackage()` from
 * `trowel/static`.
 *
 * | Paste option | trowel |
 * |---|---|
 * | `document_root` (static) | `root`, relative to the config file |
 * | `egg` (pkg_resources; `package` also accepted) | the npm package name, looked up from the config file's directory |
 * | `resource_name` (pkg_resources) | `subdir` |
 * | `cache_max_age` | `cacheMaxAge`; a duration (`3600`, `1h`; a bare number is seconds) |
 *
 * trowel's own options, on both: `metadata_cache` (a duration such as `1s`: revalidations may be
 * answered from remembered file metadata that old; absent or `0` keeps it off), `index` (file names), `dotfiles` (`allow`/`deny`),
 * `follow_symlinks`, `immutable`, `precompressed` (`true`/`false` or a list of `br gzip`),
 * `etag`, `last_modified`, `redirect`.
 */
import { dirname, isAbsolute } from 'node:path';
import type { Handler } from '../../core/handler.ts';
import { staticFiles, staticPackage } from '../../static/index.ts';
import type { Precompressed, StaticFilesOptions } from '../../static/options.ts';
import {
  asBool,
  asChoice,
  asDuration,
  asList,
  asPath,
  asString,
  checkKeys,
  locate,
  settingWhere,
  type Settings,
} from '../converters.ts';
import { DeployError, codes } from '../errors.ts';
import type { AppFactory } from '../registry.ts';
import { parseBool } from '../values.ts';

/** The options both entry points take beyond Paste's. */
export const FILE_OPTIONS: readonly string[] = [
  'cache_max_age',
  'metadata_cache',
  'index',
  'dotfiles',
  'follow_symlinks',
  'immutable',
  'precompressed',
  'etag',
  'last_modified',
  'redirect',
];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function precompressedOf(options: Settings): boolean | Precompressed[] | undefined {
  const value = options['precompressed'];
  if (value === undefined) return undefined;
  const flag = parseBool(value);
  if (flag !== undefined) return flag;
  const codings = asList(options, 'precompressed');
  for (const coding of codings) {
    if (coding !== 'br' && coding !== 'gzip') {
      throw new DeployError(
        codes.value,
        settingWhere(options, 'precompressed'),
        `expected true, false or a list of br and gzip, got "${value}"`,
      );
    }
  }
  return codings as Precompressed[];
}

/** The `staticFiles()` options (all but `root`) that `options` sets. */
export function fileOptions(options: Settings): Omit<StaticFilesOptions, 'root'> {
  const result: Mutable<Omit<StaticFilesOptions, 'root'>> = {};
  const maxAge = asDuration(options, 'cache_max_age', { min: 0 });
  if (maxAge !== undefined) result.cacheMaxAge = Math.floor(maxAge / 1000);
  const cacheAge = asDuration(options, 'metadata_cache', { min: 0 });
  if (cacheAge !== undefined && cacheAge > 0) result.metadataCache = { maxAge: cacheAge };
  if (options['index'] !== undefined) result.index = asList(options, 'index');
  if (options['dotfiles'] !== undefined)
    result.dotfiles = asChoice(options, 'dotfiles', ['allow', 'deny'] as const, 'deny');
  const flags = [
    ['follow_symlinks', 'followSymlinks'],
    ['immutable', 'immutable'],
    ['etag', 'etag'],
    ['last_modified', 'lastModified'],
    ['redirect', 'redirect'],
  ] as const;
  for (const [key, name] of flags) {
    const value = asBool(options, key);
    if (value !== undefined) result[name] = value;
  }
  const precompressed = precompressedOf(options);
  if (precompressed !== undefined) result.precompressed = precompressed;
  return result;
}

/** Builds with `build`, turning a `ConfigError` into a `DeployError` at `key`. */
export function at<T>(options: Settings, key: string, build: () => T): T {
  // A mistake about the root belongs to the key that named it; any other, to the section.
  return locate(
    options,
    (code, message) => (/root|package|subdir/.test(code + message) ? key : undefined),
    build,
  );
}

/** `egg:Paste#static`: `staticFiles()` over `document_root`. */
export const staticApp: AppFactory = (options): Handler => {
  checkKeys(options, ['document_root', ...FILE_OPTIONS], 'egg:Paste#static');
  asString(options, 'document_root', { what: 'the directory to serve' });
  const root = asPath(options, 'document_root') ?? '';
  const rest = fileOptions(options);
  return at(options, 'document_root', () => staticFiles({ ...rest, root }));
};

/** `egg:Paste#pkg_resources`: `staticPackage()` of `egg` (or `package`), `resource_name` inside it. */
export const pkgResourcesApp: AppFactory = (options): Handler => {
  checkKeys(
    options,
    ['egg', 'package', 'resource_name', ...FILE_OPTIONS],
    'egg:Paste#pkg_resources',
  );
  const key = options['package'] !== undefined ? 'package' : 'egg';
  if (options['package'] !== undefined && options['egg'] !== undefined) {
    throw new DeployError(
      codes.option,
      settingWhere(options, 'package'),
      'give the package name once, as egg or as package',
    );
  }
  const name = asString(options, key, { what: 'the npm package whose files to serve' }).trim();
  // Paste's resource names may start with a slash; they are always inside the package.
  const subdir = options['resource_name']?.trim().replace(/^\/+/, '') ?? '';
  const { file } = settingWhere(options, key);
  const rest = fileOptions(options);
  return at(options, key, () =>
    staticPackage(name, {
      ...rest,
      subdir,
      ...(isAbsolute(file) ? { from: `${dirname(file)}/` } : {}),
    }),
  );
};
