/**
 * The options of the process supervisor behind `spawn()`, their defaults, and their checking:
 * every mistake is a `ConfigError` with a `TROWEL_ERR_SPAWN_*` code when the app is built, never
 * a failure per request.
 */
import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { basename } from 'node:path';
import { ConfigError } from '../core/config-error.ts';

/** Where the child's standard output and standard error go. */
export type SpawnOutput =
  'inherit' | 'ignore' | ((line: string, stream: 'stdout' | 'stderr') => void);

/** How the child is started, probed, stopped and restarted: `SpawnOptions` minus `proxy`. */
export interface SupervisorOptions {
  /**
   * The program and its arguments, run without a shell. Every `{port}` and `__PORT__` inside an
   * argument is replaced with the port the child must listen on. The program must serve in the
   * foreground (a daemonizing server escapes supervision).
   */
  readonly command: readonly string[];
  /** Variables set in the child's environment, over the inherited ones. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Names of this process's environment variables the child inherits (those that are set). The
   * rest of the environment, with whatever secrets it holds, is not passed on.
   * @default ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR']
   */
  readonly inheritEnv?: readonly string[];
  /** The environment variable that carries the port, set last. @default 'PORT' */
  readonly portEnv?: string;
  /** A fixed port for the child. @default a free loopback port, chosen anew at every start */
  readonly port?: number;
  /** The address the child listens on and the proxy connects to. @default '127.0.0.1' */
  readonly host?: string;
  /** The child's working directory; it must exist. @default this process's */
  readonly cwd?: string;
  /**
   * Readiness: the child is ready once a TCP connection to its port succeeds or, with `path`, once
   * an HTTP `GET path` answers with a status below 500. Probed every `interval` ms; a child not
   * ready after `timeout` ms is stopped and the start fails.
   * @default { timeout: 10000, interval: 50 }
   */
  readonly ready?: {
    readonly path?: string;
    readonly timeout?: number;
    readonly interval?: number;
  };
  /**
   * Stop the child after this many ms without a request in flight; the next request starts it
   * again. `0` never stops it for idleness. @default 0
   */
  readonly idleTimeout?: number;
  /** ms between SIGTERM and SIGKILL when the child is stopped; `0` kills at once. @default 5000 */
  readonly stopTimeout?: number;
  /**
   * Backoff after a failed start or a crash: the first retry waits `initialDelay` ms, each further
   * one twice as long, up to `maxDelay`. @default { initialDelay: 100, maxDelay: 10000 }
   */
  readonly restart?: { readonly initialDelay?: number; readonly maxDelay?: number };
  /**
   * The child's output. By default each line goes to this process's standard error, prefixed
   * `[spawn <program> <pid>]`, with the supervisor's own notes (started, ready, exited, stopped).
   * `'inherit'` lets the child write to this process's descriptors directly; `'ignore'` drops
   * everything, notes included; a function receives each line, and the notes as `'stderr'` lines
   * that start with `spawn: `.
   * @default lines to process.stderr, prefixed
   */
  readonly output?: SpawnOutput;
}

/** The options with every default filled in. */
export interface ResolvedSupervisorOptions {
  readonly command: readonly [string, ...string[]];
  /** `basename(command[0])`, for log prefixes. */
  readonly label: string;
  readonly env: Readonly<Record<string, string>>;
  readonly inheritEnv: readonly string[];
  readonly portEnv: string;
  readonly port: number | undefined;
  readonly host: string;
  readonly cwd: string | undefined;
  readonly readyPath: string | undefined;
  readonly readyTimeout: number;
  readonly readyInterval: number;
  readonly idleTimeout: number;
  readonly stopTimeout: number;
  readonly initialDelay: number;
  readonly maxDelay: number;
  readonly output: SpawnOutput | undefined;
}

/** The environment variables a child inherits unless `inheritEnv` says otherwise. */
export const DEFAULT_INHERIT_ENV: readonly string[] = Object.freeze([
  'PATH',
  'HOME',
  'LANG',
  'LC_ALL',
  'TZ',
  'TMPDIR',
]);

// A hostname (RFC 1123 labels) or, checked separately, an IP literal.
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
// An environment variable name: no '=', no NUL, not empty.
const ENV_NAME = /^[^=\0]+$/;
// An origin-form request target (RFC 9112 §3.2.1) without spaces or control characters.
const READY_PATH = /^\/[\x21-\x7e]*$/;

function fail(what: string, message: string): never {
  throw new ConfigError(`TROWEL_ERR_SPAWN_${what}`, `spawn(): ${message}`);
}

// setTimeout() takes a signed 32-bit delay (about 24.8 days); a longer one fires after 1 ms.
const MAX_DURATION = 2_147_483_647;

function duration(
  what: string,
  name: string,
  value: number | undefined,
  fallback: number,
  min: number,
): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > MAX_DURATION) {
    fail(
      what,
      `${name} must be a number of milliseconds from ${String(min)} to ${String(MAX_DURATION)}, got ${String(value)}`,
    );
  }
  return value;
}

function checkCommand(command: unknown): readonly [string, ...string[]] {
  if (!Array.isArray(command) || command.length === 0) {
    fail('COMMAND', 'command must be a non-empty array: the program and its arguments');
  }
  const argv: string[] = [];
  for (const [index, arg] of (command as unknown[]).entries()) {
    if (typeof arg !== 'string' || arg.includes('\0')) {
      fail('COMMAND', `command[${index}] must be a string without NUL`);
    }
    argv.push(arg);
  }
  const [program, ...args] = argv;
  if (program === undefined || program === '') fail('COMMAND', 'command[0] (the program) is empty');
  return [program, ...args];
}

function checkEnv(
  env: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> {
  if (env === undefined) return {};
  if (typeof env !== 'object' || Array.isArray(env)) fail('ENV', 'env must be an object');
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!ENV_NAME.test(name)) fail('ENV', `env name ${JSON.stringify(name)} is not valid`);
    if (typeof value !== 'string' || value.includes('\0')) {
      fail('ENV', `env.${name} must be a string without NUL`);
    }
    copy[name] = value;
  }
  return copy;
}

function checkNames(names: readonly string[] | undefined): readonly string[] {
  if (names === undefined) return DEFAULT_INHERIT_ENV;
  if (!Array.isArray(names)) fail('ENV', 'inheritEnv must be an array of variable names');
  for (const name of names as readonly unknown[]) {
    if (typeof name !== 'string' || !ENV_NAME.test(name)) {
      fail('ENV', `inheritEnv entry ${JSON.stringify(name)} is not a variable name`);
    }
  }
  return [...(names as readonly string[])];
}

function checkCwd(cwd: string | undefined): string | undefined {
  if (cwd === undefined) return undefined;
  if (typeof cwd !== 'string' || cwd === '') fail('CWD', 'cwd must be a non-empty path');
  let directory = false;
  try {
    directory = statSync(cwd).isDirectory();
  } catch {
    // Reported below, with the path.
  }
  if (!directory) fail('CWD', `cwd ${cwd} is not an existing directory`);
  return cwd;
}

function checkOutput(output: SpawnOutput | undefined): SpawnOutput | undefined {
  if (
    output === undefined ||
    output === 'inherit' ||
    output === 'ignore' ||
    typeof output === 'function'
  ) {
    return output;
  }
  return fail('OUTPUT', `output must be 'inherit', 'ignore' or a function`);
}

/**
 * Checks `options` and fills in the defaults.
 *
 * @throws {ConfigError} `TROWEL_ERR_SPAWN_*` for the first bad option.
 */
export function resolveSupervisorOptions(options: SupervisorOptions): ResolvedSupervisorOptions {
  if (typeof options !== 'object') fail('COMMAND', 'options must be an object with a command');
  const command = checkCommand(options.command);
  const { port, host = '127.0.0.1', portEnv = 'PORT', ready = {}, restart = {} } = options;
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
    fail('PORT', `port must be an integer from 1 to 65535, got ${String(port)}`);
  }
  if (typeof host !== 'string' || (isIP(host) === 0 && !HOSTNAME.test(host))) {
    fail('HOST', `host must be an IP address or a hostname, got ${JSON.stringify(host)}`);
  }
  if (typeof portEnv !== 'string' || !ENV_NAME.test(portEnv)) {
    fail('ENV', `portEnv must be a variable name, got ${JSON.stringify(portEnv)}`);
  }
  if (
    ready.path !== undefined &&
    (typeof ready.path !== 'string' || !READY_PATH.test(ready.path))
  ) {
    fail('READY', `ready.path must start with "/" and hold no spaces or control characters`);
  }
  const readyTimeout = duration('READY', 'ready.timeout', ready.timeout, 10_000, 1);
  const readyInterval = duration('READY', 'ready.interval', ready.interval, 50, 1);
  if (readyInterval > readyTimeout) fail('READY', 'ready.interval must not exceed ready.timeout');
  const initialDelay = duration('RESTART', 'restart.initialDelay', restart.initialDelay, 100, 0);
  const maxDelay = duration('RESTART', 'restart.maxDelay', restart.maxDelay, 10_000, 0);
  if (initialDelay > maxDelay) {
    fail('RESTART', 'restart.initialDelay must not exceed restart.maxDelay');
  }
  return {
    command,
    label: basename(command[0]),
    env: checkEnv(options.env),
    inheritEnv: checkNames(options.inheritEnv),
    portEnv,
    port,
    host,
    cwd: checkCwd(options.cwd),
    readyPath: ready.path,
    readyTimeout,
    readyInterval,
    idleTimeout: duration('IDLE_TIMEOUT', 'idleTimeout', options.idleTimeout, 0, 0),
    stopTimeout: duration('STOP_TIMEOUT', 'stopTimeout', options.stopTimeout, 5_000, 0),
    initialDelay,
    maxDelay,
    output: checkOutput(options.output),
  };
}

/** `command` with every `{port}` and `__PORT__` replaced by `port`. */
export function substitutePort(command: readonly string[], port: number): string[] {
  const value = String(port);
  return command.map((arg) => arg.replaceAll('{port}', value).replaceAll('__PORT__', value));
}

/** The child's environment: the inherited allow-list, then `env`, then the port variable. */
export function childEnv(
  options: ResolvedSupervisorOptions,
  port: number,
  parent: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of options.inheritEnv) {
    const value = parent[name];
    if (value !== undefined) env[name] = value;
  }
  Object.assign(env, options.env);
  env[options.portEnv] = String(port);
  return env;
}
