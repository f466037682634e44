/**
 * `egg:WSGIProxy#spawn`: WSGIProxy's SpawningApplication (which had no entry point) as `spawn()`
 * from `trowel/spawn`.
 *
 * | option | meaning |
 * |---|---|
 * | `command` (or WSGIProxy's `start_script`) | the program and its arguments, split like a shell would split them (quotes and backslashes; no variables, no globbing, no shell); `{port}` or `__PORT__` is replaced by the port |
 * | `cwd` | the child's working directory, relative to the config file |
 * | `port` (or `spawned_port`) | a fixed port; default: a free loopback port |
 * | `host` | where the child listens; default `127.0.0.1` |
 * | `port_env` | the variable the port is also passed in; default `PORT` |
 * | `env.NAME = value` | a variable for the child |
 * | `inherit_env` | the server's variables the child gets; default `PATH HOME LANG LC_ALL TZ TMPDIR` |
 * | `ready_path` | answer readiness with an HTTP GET of this path (< 500) instead of a TCP connect |
 * | `ready_timeout`, `ready_interval` | how long a start may take, and how often readiness is probed; defaults 10s and 50ms |
 * | `idle_timeout` (or `idle_shutdown`, in seconds as in WSGIProxy) | stop the child after this long without requests; default never |
 * | `stop_timeout` | SIGTERM → SIGKILL grace; default 5s |
 * | `restart_delay`, `restart_max_delay` | the backoff after a crash; defaults 100ms and 10s |
 * | `output` | `inherit`, `ignore`, or `log` (the default: each line to stderr, prefixed) |
 *
 * and the proxy options of `egg:Paste#proxy` (`x_forwarded`, `via`, the timeouts, …).
 */
import type { Handler } from '../../core/handler.ts';
import { spawn, type SpawnOptions } from '../../spawn/index.ts';
import {
  asChoice,
  asDuration,
  asInt,
  asList,
  asPath,
  checkKeys,
  locate,
  settingWhere,
  type Settings,
} from '../converters.ts';
import { DeployError, codes } from '../errors.ts';
import type { AppFactory } from '../registry.ts';
import { COMMON_PROXY_OPTIONS, commonProxyOptions } from './proxy.ts';

const OPTIONS = [
  'command',
  'start_script',
  'cwd',
  'port',
  'spawned_port',
  'host',
  'port_env',
  'inherit_env',
  'ready_path',
  'ready_timeout',
  'ready_interval',
  'idle_timeout',
  'idle_shutdown',
  'stop_timeout',
  'restart_delay',
  'restart_max_delay',
  'output',
  ...COMMON_PROXY_OPTIONS,
];
const ENV_PREFIX = 'env.';
const KEY_BY_CODE: readonly (readonly [RegExp, string])[] = [
  [/COMMAND/, 'command'],
  [/PORT/, 'port'],
  [/HOST/, 'host'],
  [/ENV/, 'port_env'],
  [/CWD/, 'cwd'],
  [/READY/, 'ready_timeout'],
  [/IDLE/, 'idle_timeout'],
  [/STOP_TIMEOUT/, 'stop_timeout'],
  [/RESTART/, 'restart_delay'],
];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Splits a command line as a POSIX shell splits words: whitespace separates, `'…'` is literal,
 * `"…"` allows `\"` and `\\`, a backslash outside quotes escapes the next character.
 *
 * @throws {TypeError} on an unclosed quote or a trailing backslash.
 */
export function splitCommand(line: string): string[] {
  const words: string[] = [];
  // undefined between words, so that '' (an empty quoted word) is still a word.
  let word: string | undefined;
  let quote: "'" | '"' | undefined;
  const add = (text: string): void => {
    word = (word ?? '') + text;
  };
  for (let i = 0; i < line.length; i++) {
    const char = line.charAt(i);
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else add(char);
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\'))
        add(line.charAt(++i));
      else add(char);
    } else if (/\s/.test(char)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
      add('');
    } else if (char === '\\') {
      if (i + 1 >= line.length) throw new TypeError('a backslash ends the command');
      add(line.charAt(++i));
    } else {
      add(char);
    }
  }
  if (quote !== undefined) throw new TypeError(`the quote ${quote} is not closed`);
  if (word !== undefined) words.push(word);
  return words;
}

function command(options: Settings): string[] {
  const key = options['command'] !== undefined ? 'command' : 'start_script';
  const value = options[key];
  if (value === undefined) {
    throw new DeployError(
      codes.option,
      settingWhere(options, 'command'),
      'is required: the program to start, e.g. command = python3 -m http.server {port} --bind 127.0.0.1',
    );
  }
  try {
    const argv = splitCommand(value);
    if (argv.length === 0) throw new TypeError('it is empty');
    return argv;
  } catch (error) {
    throw new DeployError(codes.value, settingWhere(options, key), (error as Error).message);
  }
}

function env(options: Settings): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!key.startsWith(ENV_PREFIX)) continue;
    const name = key.slice(ENV_PREFIX.length);
    if (!NAME.test(name)) {
      throw new DeployError(
        codes.option,
        settingWhere(options, key),
        `"${name}" is not a variable name`,
      );
    }
    vars[name] = value;
  }
  return vars;
}

/** `egg:WSGIProxy#spawn`: `spawn()` with the options above. */
export const spawnApp: AppFactory = (options): Handler => {
  checkKeys(
    Object.fromEntries(Object.entries(options).filter(([key]) => !key.startsWith(ENV_PREFIX))),
    OPTIONS,
    'egg:WSGIProxy#spawn',
  );
  const argv = command(options);
  const port = asInt(options, options['port'] !== undefined ? 'port' : 'spawned_port', {
    min: 1,
    max: 65535,
  });
  const idle =
    options['idle_timeout'] !== undefined
      ? asDuration(options, 'idle_timeout', { min: 0 })
      : asDuration(options, 'idle_shutdown', { min: 0 });
  const inherit = options['inherit_env'] === undefined ? undefined : asList(options, 'inherit_env');
  const output = asChoice(options, 'output', ['log', 'inherit', 'ignore'] as const, 'log');
  const readyTimeout = asDuration(options, 'ready_timeout', { min: 1 });
  const readyPath = options['ready_path']?.trim();
  const readyInterval = asDuration(options, 'ready_interval', { min: 1, bareUnit: 'ms' });
  const initialDelay = asDuration(options, 'restart_delay', { min: 0 });
  const maxDelay = asDuration(options, 'restart_max_delay', { min: 0 });
  const stopTimeout = asDuration(options, 'stop_timeout', { min: 0 });
  const workDir = asPath(options, 'cwd');
  const settings: SpawnOptions = {
    command: argv,
    env: env(options),
    ...(inherit === undefined ? {} : { inheritEnv: inherit }),
    ...(port === undefined ? {} : { port }),
    ...(options['host'] === undefined ? {} : { host: options['host'].trim() }),
    ...(options['port_env'] === undefined ? {} : { portEnv: options['port_env'].trim() }),
    ...(workDir === undefined ? {} : { cwd: workDir }),
    ...(readyTimeout === undefined && readyPath === undefined && readyInterval === undefined
      ? {}
      : {
          ready: {
            ...(readyPath === undefined ? {} : { path: readyPath }),
            ...(readyTimeout === undefined ? {} : { timeout: readyTimeout }),
            ...(readyInterval === undefined ? {} : { interval: readyInterval }),
          },
        }),
    ...(idle === undefined ? {} : { idleTimeout: idle }),
    ...(stopTimeout === undefined ? {} : { stopTimeout }),
    ...(initialDelay === undefined && maxDelay === undefined
      ? {}
      : {
          restart: {
            ...(initialDelay === undefined ? {} : { initialDelay }),
            ...(maxDelay === undefined ? {} : { maxDelay }),
          },
        }),
    ...(output === 'log' ? {} : { output }),
    proxy: commonProxyOptions(options),
  };
  return locate(
    options,
    (code) => KEY_BY_CODE.find(([pattern]) => pattern.test(code))?.[1],
    () => spawn(settings),
  );
};
