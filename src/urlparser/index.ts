/**
 * @module trowel/urlparser
 *
 * `urlParser()` maps URLs onto a directory of modules and files, the way Paste's `URLParser` did:
 * the path is walked one segment at a time; a directory is entered, a module (`.js`, `.mjs`,
 * `.ts`) whose `default`, `handler` or `app` export is a handler answers for its whole subtree
 * (it sees the rest of the path as `ctx.pathInfo`), and any other file is served as by
 * `trowel/static`, with validators, conditional requests and ranges. A segment may leave out the
 * extension (`/about` finds `about.html` or `about.ts`), a path ending in `/` tries the index
 * names, and a directory's path without the slash is redirected to the path with it.
 *
 * A directory may hold an `__init__` module: its handler export serves the whole directory, its
 * `wrap` middleware wraps every answer from the directory and below, and its `notFound` handler
 * answers what is not found there. Modules are imported on first use and kept: restart (or run
 * under the reloader) to pick up changes.
 *
 * When not to use it: the modules in the tree run with the server's rights, so the root must hold
 * only code you trust, and nothing that is uploaded or written by the application; a browser
 * script with a module extension would be imported on the server, so keep client assets in a tree
 * served by `staticFiles()` (or set `moduleExtensions`). For an application whose routes are
 * known, an explicit `urlMap()` or router is clearer.
 *
 * Replaces Paste's `paste.urlparser.URLParser`; its static side is `staticFiles()`.
 */
import { ConfigError } from '../core/config-error.ts';
import type { Handler } from '../core/handler.ts';
import { resolveOptions, type StaticFilesOptions } from '../static/options.ts';
import { isPlainName } from '../static/segments.ts';
import { makeParser } from './parser.ts';

export { NotAHandlerError } from './modules.ts';

/** Options of {@link urlParser}. */
export interface UrlParserOptions extends Pick<
  StaticFilesOptions,
  | 'cacheMaxAge'
  | 'immutable'
  | 'etag'
  | 'lastModified'
  | 'extraMimeTypes'
  | 'dotfiles'
  | 'followSymlinks'
  | 'precompressed'
> {
  /** The directory to serve; relative paths are resolved against the working directory. */
  readonly root: string;
  /** Names tried, in order and with any extension, for a path ending in `/`. @default ['index'] */
  readonly indexNames?: readonly string[];
  /**
   * Name endings that are never served, even when asked for by full name (editor and merge
   * leftovers). Paste called these `hide_extensions`.
   * @default ['.bak', '.orig', '.rej', '.swp', '~']
   */
  readonly hideExtensions?: readonly string[];
  /**
   * Extensions a segment without extension does not find: with `['.txt']`, `/notes` does not
   * serve `notes.txt`, but `/notes.txt` does.
   * @default []
   */
  readonly ignoreExtensions?: readonly string[];
  /** Extensions of the files that are imported as handlers rather than served. @default ['.js', '.mjs', '.ts'] */
  readonly moduleExtensions?: readonly string[];
  /** The base name of a directory's hook module; `false` for none. @default '__init__' */
  readonly initName?: string | false;
  /**
   * Receives what goes wrong on the server's side: a module that fails to import or exports no
   * handler (the client gets a bare 500), an ambiguous name (404).
   * @default logs to `console.error`
   */
  readonly onError?: (error: unknown) => void;
}

const CODE = 'TROWEL_ERR_URLPARSER_INVALID_OPTION';

function list(name: string, value: unknown, fallback: readonly string[], check: RegExp): string[] {
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && check.test(v))) {
    throw new ConfigError(CODE, `urlParser(): ${name} is invalid: ${JSON.stringify(value)}`);
  }
  return [...(value as string[])];
}

const EXTENSION = /^\.[^/\\\0.]+$/;
const ENDING = /^[^/\\\0]+$/;
const MODULE_ENDING = /^\.[^/\\\0]+$/;

/**
 * Serves the modules and files under `options.root`.
 *
 * @throws {ConfigError} `TROWEL_ERR_URLPARSER_ROOT` when the root is not a directory,
 * `TROWEL_ERR_URLPARSER_INVALID_OPTION` (or a `TROWEL_ERR_STATIC_*` code for the file options)
 * for invalid options.
 * @example
 * ```ts
 * import { serve } from 'trowel/server';
 * import { urlParser } from 'trowel/urlparser';
 * await serve(urlParser({ root: './site', indexNames: ['index', 'main'] }), { port: 0 });
 * ```
 */
export function urlParser(options: UrlParserOptions): Handler {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new ConfigError(CODE, 'urlParser(): expects an options object with a root');
  }
  const {
    root,
    indexNames,
    hideExtensions,
    ignoreExtensions,
    moduleExtensions,
    initName = '__init__',
    onError = (error: unknown) => {
      console.error('trowel/urlparser:', error);
    },
    ...fileOptions
  } = options;
  if (typeof root !== 'string' || root === '') {
    throw new ConfigError(
      'TROWEL_ERR_URLPARSER_ROOT',
      'urlParser(): root must be a directory path',
    );
  }
  let files;
  try {
    files = resolveOptions({ ...fileOptions, root, index: false }, 'urlParser()');
  } catch (error) {
    if (error instanceof ConfigError && error.code === 'TROWEL_ERR_STATIC_ROOT') {
      throw new ConfigError('TROWEL_ERR_URLPARSER_ROOT', error.message, { cause: error });
    }
    throw error;
  }
  if (initName !== false && (typeof initName !== 'string' || !isPlainName(initName))) {
    throw new ConfigError(CODE, `urlParser(): initName must be a file base name or false`);
  }
  if (typeof onError !== 'function') {
    throw new ConfigError(CODE, 'urlParser(): onError must be a function');
  }
  const names = list('indexNames', indexNames, ['index'], ENDING);
  if (!names.every(isPlainName)) {
    throw new ConfigError(CODE, `urlParser(): indexNames must be plain file names`);
  }
  return makeParser({
    files,
    indexNames: names,
    hideExtensions: list(
      'hideExtensions',
      hideExtensions,
      ['.bak', '.orig', '.rej', '.swp', '~'],
      ENDING,
    ),
    ignoreExtensions: list('ignoreExtensions', ignoreExtensions, [], EXTENSION),
    moduleExtensions: list(
      'moduleExtensions',
      moduleExtensions,
      ['.js', '.mjs', '.ts'],
      MODULE_ENDING,
    ),
    initName: initName === false ? undefined : initName,
    onError,
  });
}
