/**
 * `egg:Paste#urlparser`: Paste's `make_url_parser` options, mapped onto `urlParser()` from
 * `trowel/urlparser`.
 *
 * | Paste option | trowel |
 * |---|---|
 * | `directory` | `root`, relative to the config file |
 * | `index_names` (else the `[DEFAULT]` value, else `index Index main Main`) | `indexNames` |
 * | `hide_extensions` (else `[DEFAULT]`) | `hideExtensions`; trowel's default is `.bak .orig .rej .swp ~` |
 * | `ignore_extensions` (else `[DEFAULT]`) | `ignoreExtensions` |
 * | `base_python_name` | accepted with a warning: modules are found by file path |
 * | `constructor .ext = …` | refused: modules (`.js`, `.mjs`, `.ts`) and files are the only kinds |
 *
 * trowel's own options: `module_extensions`, `init_name` (`false` for none), and the file options
 * of `egg:Paste#static` (`cache_max_age`, `dotfiles`, `follow_symlinks`, …; not `index` and
 * `redirect`).
 */
import { urlParser } from '../../urlparser/index.ts';
import type { Handler } from '../../core/handler.ts';
import {
  asList,
  asPath,
  asString,
  checkKeys,
  settingWhere,
  warnSetting,
  type Settings,
} from '../converters.ts';
import { DeployError, codes } from '../errors.ts';
import type { AppFactory } from '../registry.ts';
import { parseBool } from '../values.ts';
import { FILE_OPTIONS, at, fileOptions } from './static.ts';

const PASTE_INDEX_NAMES = ['index', 'Index', 'main', 'Main'];

const OPTIONS = [
  'directory',
  'index_names',
  'hide_extensions',
  'ignore_extensions',
  'base_python_name',
  'module_extensions',
  'init_name',
  ...FILE_OPTIONS.filter((key) => key !== 'index' && key !== 'redirect'),
];

/** The list in `key` of the section, else of `[DEFAULT]` (as Paste read it), else undefined. */
function listOf(options: Settings, globalConf: Settings, key: string): string[] | undefined {
  if (options[key] !== undefined) return asList(options, key);
  if (globalConf[key] !== undefined) return asList(globalConf, key);
  return undefined;
}

/** `egg:Paste#urlparser`: `urlParser()` over `directory`. */
export const urlParserApp: AppFactory = (options, globalConf): Handler => {
  const constructor = Object.keys(options).find((key) => key.startsWith('constructor '));
  if (constructor !== undefined) {
    throw new DeployError(
      codes.option,
      settingWhere(options, constructor),
      'custom constructors are not supported: a module (.js, .mjs, .ts) exporting a handler serves its subtree, and other files are served as static files',
    );
  }
  checkKeys(options, OPTIONS, 'egg:Paste#urlparser');
  if (options['base_python_name'] !== undefined) {
    warnSetting(
      options,
      'base_python_name',
      'TROWEL_WARN_DEPLOY_IGNORED',
      'ignored: modules are found by their file path under directory',
    );
  }
  asString(options, 'directory', { what: 'the directory to serve' });
  const root = asPath(options, 'directory') ?? '';
  const indexNames = listOf(options, globalConf, 'index_names') ?? PASTE_INDEX_NAMES;
  const hideExtensions = listOf(options, globalConf, 'hide_extensions');
  const ignoreExtensions = listOf(options, globalConf, 'ignore_extensions');
  const moduleExtensions = listOf(options, {}, 'module_extensions');
  const init = options['init_name']?.trim();
  const initName = init === undefined ? undefined : parseBool(init) === false ? false : init;
  const rest = fileOptions(options);
  return at(options, 'directory', () =>
    urlParser({
      ...rest,
      root,
      indexNames,
      ...(hideExtensions === undefined ? {} : { hideExtensions }),
      ...(ignoreExtensions === undefined ? {} : { ignoreExtensions }),
      ...(moduleExtensions === undefined ? {} : { moduleExtensions }),
      ...(initName === undefined ? {} : { initName }),
    }),
  );
};
