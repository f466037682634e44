/**
 * The options of `cgi()`, and their checking: every mistake is a `ConfigError` when the handler
 * is built, never a failure per request.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../core/config-error.ts';
import type { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import type { CgiError } from './errors.ts';

/** Options of {@link cgi}. Give exactly one of `script` and `command`. */
export interface CgiOptions {
  /**
   * The CGI program to run, a file that is executable by itself (a binary, or a script with a
   * `#!` line). A relative path is resolved against the working directory of the process now.
   * Run without a shell and without arguments.
   */
  readonly script?: string;
  /**
   * The program and its arguments, when the script needs an interpreter named explicitly:
   * `['python3', 'app.py']`. The program is looked up on the child's `PATH`. Never a shell; the
   * query string is never added to the arguments (RFC 3875 §4.4 is not followed, cf. PHP-CGI
   * CVE-2012-1823).
   */
  readonly command?: readonly string[];
  /** The child's working directory. @default the script's directory; the process's for `command` */
  readonly cwd?: string;
  /**
   * Variables to set in the child's environment. They win over everything else, meta-variables
   * included (set `SERVER_NAME` here to fix the name scripts see). @default {}
   */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Names of the server's environment variables the child gets (read when the handler is built),
   * or `true` for the server's whole environment — which hands every secret in it to the script,
   * so list names instead. @default ['PATH']
   */
  readonly passEnv?: readonly string[] | true;
  /**
   * Milliseconds the script may run, from start to exit. Past it the process group is killed, and
   * the client gets 504 when no header block had arrived, or a cut-off response. `0` disables it.
   * @default 300000 (5 minutes)
   */
  readonly timeout?: number;
  /** Milliseconds between SIGTERM and SIGKILL when the script is stopped. @default 5000 */
  readonly killGrace?: number;
  /** The largest header block the script may send, in bytes; more gives 502. @default 65536 */
  readonly maxOutputHeaderSize?: number;
  /**
   * A request body of unknown length (chunked) is streamed to the script without
   * `CONTENT_LENGTH`, and with `HTTP_TRANSFER_ENCODING=chunked`, as Apache does; the script reads
   * its input to the end (git-http-backend does). Set a byte count to read such a body into memory
   * first, up to that size (413 past it), and give it with `CONTENT_LENGTH` to scripts that need
   * one (RFC 3875 §4.1.2). @default 0 (stream)
   */
  readonly bufferChunkedBody?: number;
  /** Pass `Authorization` as `HTTP_AUTHORIZATION` (Apache's `CGIPassAuth On`). @default false */
  readonly passAuthorization?: boolean;
  /**
   * The authenticated user, for `REMOTE_USER`. @default the core `REMOTE_USER` context key, which
   * trowel's authentication middleware sets
   */
  readonly remoteUser?: (ctx: Context, request: Request) => string | undefined;
  /**
   * `AUTH_TYPE` when there is a user. @default the core `AUTH_TYPE` context key, else the scheme of
   * the request's `Authorization` field
   */
  readonly authType?: (ctx: Context, request: Request) => string | undefined;
  /** Appended to every request's `QUERY_STRING` with `&` (Paste's `query_string`). @default none */
  readonly queryString?: string;
  /** Sets `PATH_TRANSLATED` to this directory followed by `PATH_INFO`. @default not set */
  readonly documentRoot?: string;
  /**
   * Serves a local redirect (a `Location: /path` with no `Status`, RFC 3875 §6.2.2): called with a
   * GET for the path and a context whose `scriptName` is `''`. Pass the whole application here.
   * @default this CGI handler, for a path under its mount; otherwise 502
   */
  readonly localRedirect?: Handler;
  /** Receives each line the script writes to standard error. @default console.error */
  readonly onStderr?: (line: string, request: Request) => void;
  /** Receives what went wrong running the script (logged; the client sees only a status). @default console.error */
  readonly onError?: (error: CgiError, request: Request) => void;
}

/** The options, checked and with defaults filled in. */
export interface CgiConfig {
  readonly argv: readonly [string, ...string[]];
  readonly cwd: string | undefined;
  readonly scriptFilename: string | undefined;
  readonly passed: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  readonly timeout: number;
  readonly killGrace: number;
  readonly maxOutputHeaderSize: number;
  readonly bufferChunkedBody: number;
  readonly passAuthorization: boolean;
  readonly remoteUser: CgiOptions['remoteUser'];
  readonly authType: CgiOptions['authType'];
  readonly queryString: string | undefined;
  readonly documentRoot: string | undefined;
  readonly localRedirect: Handler | undefined;
  readonly onStderr: (line: string, request: Request) => void;
  readonly onError: (error: CgiError, request: Request) => void;
}

const CODE = 'TROWEL_ERR_CGI_OPTION';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(message: string, code = CODE): never {
  throw new ConfigError(code, `cgi(): ${message}`);
}

function duration(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    fail(`${name} must be a number of milliseconds (0 or more), got ${String(value)}`);
  }
  return value;
}

function size(value: number | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
    fail(`${name} must be an integer of at least ${min}, got ${String(value)}`);
  }
  return value;
}

function fn<T>(value: T | undefined, name: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') fail(`${name} must be a function`);
  return value;
}

function text(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.includes('\0')) {
    fail(`${name} must be a string without NUL`);
  }
  return value;
}

function checkScript(path: string): void {
  let problem: string | undefined;
  try {
    if (!statSync(path).isFile()) problem = 'is not a file';
    else accessSync(path, constants.X_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problem = code === 'ENOENT' ? 'does not exist' : 'is not executable';
  }
  if (problem !== undefined)
    fail(`script ${JSON.stringify(path)} ${problem}`, 'TROWEL_ERR_CGI_SCRIPT');
}

function environment(
  value: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> {
  if (value === undefined) return {};
  // Checked as unknown: the options may come from plain JavaScript.
  const raw: unknown = value;
  if (typeof raw !== 'object' || raw === null) fail('env must be an object of strings');
  // No prototype: a variable named __proto__ is a variable like any other.
  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, entry] of Object.entries(value)) {
    if (!NAME.test(name)) fail(`env: ${JSON.stringify(name)} is not a variable name`);
    if (typeof entry !== 'string' || entry.includes('\0')) {
      fail(`env.${name} must be a string without NUL`);
    }
    env[name] = entry;
  }
  return Object.freeze(env);
}

function passedEnvironment(value: readonly string[] | true | undefined): Record<string, string> {
  const names = value ?? ['PATH'];
  if (names === true) {
    return Object.fromEntries(
      Object.entries(process.env).filter(
        (entry): entry is [string, string] => entry[1] !== undefined,
      ),
    );
  }
  if (!Array.isArray(names)) fail('passEnv must be a list of variable names, or true');
  const passed: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of names) {
    if (typeof name !== 'string' || !NAME.test(name)) {
      fail(`passEnv: ${JSON.stringify(name)} is not a variable name`);
    }
    const found = process.env[name];
    if (found !== undefined) passed[name] = found;
  }
  return passed;
}

function program(options: CgiOptions): {
  argv: readonly [string, ...string[]];
  cwd: string | undefined;
  scriptFilename: string | undefined;
} {
  const { script, command } = options;
  if ((script === undefined) === (command === undefined)) {
    fail('give exactly one of script and command');
  }
  const cwd = text(options.cwd, 'cwd');
  if (script !== undefined) {
    if (typeof script !== 'string' || script === '' || script.includes('\0')) {
      fail('script must be a non-empty path');
    }
    const path = resolve(script);
    checkScript(path);
    return { argv: [path], cwd: cwd ?? dirname(path), scriptFilename: path };
  }
  if (
    !Array.isArray(command) ||
    command.length === 0 ||
    !command.every((arg): arg is string => typeof arg === 'string' && !arg.includes('\0')) ||
    command[0] === ''
  ) {
    fail('command must be a non-empty list of strings: [program, ...arguments]');
  }
  const [first, ...rest] = command;
  return { argv: [first ?? '', ...rest], cwd, scriptFilename: undefined };
}

/**
 * Checks `options` and fills in the defaults.
 *
 * @throws {ConfigError} `TROWEL_ERR_CGI_SCRIPT` for a script that is missing or not executable,
 * `TROWEL_ERR_CGI_OPTION` for any other bad option.
 */
export function resolveOptions(options: CgiOptions): CgiConfig {
  const raw: unknown = options;
  if (typeof raw !== 'object' || raw === null) fail('options must be an object');
  const { argv, cwd, scriptFilename } = program(options);
  if (options.passAuthorization !== undefined && typeof options.passAuthorization !== 'boolean') {
    fail('passAuthorization must be a boolean');
  }
  const onStderr = fn(options.onStderr, 'onStderr');
  const onError = fn(options.onError, 'onError');
  return {
    argv,
    cwd,
    scriptFilename,
    passed: Object.freeze(passedEnvironment(options.passEnv)),
    env: environment(options.env),
    timeout: duration(options.timeout, 'timeout', 300_000),
    killGrace: duration(options.killGrace, 'killGrace', 5000),
    maxOutputHeaderSize: size(options.maxOutputHeaderSize, 'maxOutputHeaderSize', 65_536, 16),
    bufferChunkedBody: size(options.bufferChunkedBody, 'bufferChunkedBody', 0, 0),
    passAuthorization: options.passAuthorization ?? false,
    remoteUser: fn(options.remoteUser, 'remoteUser'),
    authType: fn(options.authType, 'authType'),
    queryString: text(options.queryString, 'queryString'),
    documentRoot: text(options.documentRoot, 'documentRoot'),
    localRedirect: fn(options.localRedirect, 'localRedirect'),
    onStderr:
      onStderr ??
      ((line) => {
        console.error(`trowel/cgi ${argv[argv.length - 1] ?? ''}: ${line}`);
      }),
    onError:
      onError ??
      ((error) => {
        console.error(`trowel/cgi: ${error.message}`);
      }),
  };
}
