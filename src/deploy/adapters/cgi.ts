/**
 * `egg:Paste#cgi`: the app factory behind `cgi()`, with Paste's option names —
 *
 * - `script` (required): the program. `script = env.cgi?mode=x` splits off a query string, as
 *   Paste did. A relative script is looked up along `path` when it is given; without `path`, a
 *   name with a `/` is relative to the config file and a bare name is looked up on the server's
 *   `PATH`. Not found, or not executable, is an error when the config loads.
 * - `path`: the directories (`:`-separated, relative ones against the config file) a relative
 *   script is looked up in; from the globals' `path` or `PATH` when the section has none, as in
 *   Paste.
 * - `include_os_environ`: `false` (the default: the child gets `PATH` from the server's
 *   environment and nothing else), a list of variable names to pass besides `PATH`, or `true` —
 *   the server's whole environment, secrets included, which loads with a warning.
 * - `query_string`: appended to every request's `QUERY_STRING` with `&`.
 *
 * and trowel's own: `env.NAME = value` (a variable for the child, e.g.
 * `env.GIT_PROJECT_ROOT = %(here)s/repos`), `cwd`, `timeout` and `kill_grace` (durations),
 * `max_header_size` and `buffer_chunked_body` (sizes), `pass_authorization` (boolean) and
 * `document_root` (for `PATH_TRANSLATED`).
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path';
import { cgi, type CgiOptions } from '../../cgi/index.ts';
import { isConfigError } from '../../core/config-error.ts';
import type { Handler } from '../../core/handler.ts';
import {
  asBool,
  asDuration,
  asList,
  asPath,
  asSize,
  asString,
  checkKeys,
  settingWhere,
  warnSetting,
  type Settings,
} from '../converters.ts';
import { DeployError, codes } from '../errors.ts';
import type { AppFactory } from '../registry.ts';
import { parseBool } from '../values.ts';

const OPTIONS = [
  'script',
  'path',
  'include_os_environ',
  'query_string',
  'cwd',
  'timeout',
  'kill_grace',
  'max_header_size',
  'buffer_chunked_body',
  'pass_authorization',
  'document_root',
];
const ENV_PREFIX = 'env.';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function bad(options: Settings, key: string, detail: string): DeployError {
  return new DeployError(codes.value, settingWhere(options, key), detail);
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The directories of `path` (section, then globals), relative ones against their file. */
function searchPath(options: Settings, globalConf: Settings): string[] | undefined {
  for (const [settings, key] of [
    [options, 'path'],
    [globalConf, 'path'],
    [globalConf, 'PATH'],
  ] as const) {
    const value = settings[key];
    if (value === undefined) continue;
    const { file } = settingWhere(settings, key);
    const base = isAbsolute(file) ? dirname(file) : process.cwd();
    return value
      .split(/[:\s]+/)
      .filter((dir) => dir !== '')
      .map((dir) => resolve(base, dir));
  }
  return undefined;
}

/** Finds the script the way the section describes (see the module comment). */
function findScript(options: Settings, globalConf: Settings, script: string): string {
  if (isAbsolute(script)) return script;
  const dirs = searchPath(options, globalConf);
  if (dirs === undefined && script.includes('/')) {
    const { file } = settingWhere(options, 'script');
    return resolve(isAbsolute(file) ? dirname(file) : process.cwd(), script);
  }
  const where = dirs ?? (process.env['PATH'] ?? '').split(delimiter).filter((d) => d !== '');
  const found = where.map((dir) => join(dir, script)).find(isExecutableFile);
  if (found === undefined) {
    throw bad(
      options,
      'script',
      `no executable "${script}" in ${dirs === undefined ? "the server's PATH" : 'path'} (${where.join(':')})`,
    );
  }
  return found;
}

function passEnv(options: Settings): CgiOptions['passEnv'] {
  const value = options['include_os_environ'];
  if (value === undefined) return undefined;
  const flag = parseBool(value);
  if (flag === false) return undefined;
  if (flag === true) {
    warnSetting(
      options,
      'include_os_environ',
      'TROWEL_WARN_CGI_OS_ENVIRON',
      "passes the server's whole environment, secrets included, to the script: list the variables it needs instead",
    );
    return true;
  }
  const names = asList(options, 'include_os_environ');
  for (const name of names) {
    if (!NAME.test(name)) {
      throw bad(
        options,
        'include_os_environ',
        `expected true, false or a list of variable names, got "${name}"`,
      );
    }
  }
  return ['PATH', ...names];
}

function environment(options: Settings, keys: readonly string[]): Record<string, string> {
  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const key of keys) {
    const name = key.slice(ENV_PREFIX.length);
    if (!NAME.test(name)) throw bad(options, key, `"${name}" is not a variable name`);
    env[name] = options[key] ?? '';
  }
  return env;
}

/** `egg:Paste#cgi`: `cgi()` with Paste's options and trowel's (see the module comment). */
export const cgiApp: AppFactory = (options, globalConf): Handler => {
  const envKeys = Object.keys(options).filter((key) => key.startsWith(ENV_PREFIX));
  checkKeys(options, [...OPTIONS, ...envKeys], 'egg:Paste#cgi');
  let script = asString(options, 'script', { what: 'the CGI program to run' }).trim();
  let queryString = options['query_string'];
  const question = script.indexOf('?');
  if (question !== -1) {
    if (queryString !== undefined) {
      throw bad(options, 'script', 'has a query string, and so has query_string: give only one');
    }
    queryString = script.slice(question + 1);
    script = script.slice(0, question);
  }
  const result: { -readonly [K in keyof CgiOptions]: CgiOptions[K] } = {
    script: findScript(options, globalConf, script),
    env: environment(options, envKeys),
  };
  const pass = passEnv(options);
  if (pass !== undefined) result.passEnv = pass;
  if (queryString !== undefined) result.queryString = queryString;
  const cwd = asPath(options, 'cwd');
  if (cwd !== undefined) result.cwd = cwd;
  const documentRoot = asPath(options, 'document_root');
  if (documentRoot !== undefined) result.documentRoot = documentRoot;
  const timeout = asDuration(options, 'timeout', { min: 0 });
  if (timeout !== undefined) result.timeout = timeout;
  const killGrace = asDuration(options, 'kill_grace', { min: 0 });
  if (killGrace !== undefined) result.killGrace = killGrace;
  const maxHeader = asSize(options, 'max_header_size', { min: 16 });
  if (maxHeader !== undefined) result.maxOutputHeaderSize = maxHeader;
  const buffer = asSize(options, 'buffer_chunked_body', { min: 0 });
  if (buffer !== undefined) result.bufferChunkedBody = buffer;
  const passAuthorization = asBool(options, 'pass_authorization');
  if (passAuthorization !== undefined) result.passAuthorization = passAuthorization;
  try {
    return cgi(result);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    throw new DeployError(
      error.code,
      settingWhere(options, 'script'),
      error.message.replace(/^cgi\(\): /, ''),
    );
  }
};
