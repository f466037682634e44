/**
 * The command line of `trowel`: parsing with `node:util`'s `parseArgs`, and the help texts. A
 * mistake here is a {@link UsageError} (exit status 2), reported without a stack trace.
 */
import { parseArgs } from 'node:util';
import { closest } from '../deploy/values.ts';

/** A mistake on the command line. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `trowel serve`'s arguments, checked. */
export interface ServeArgs {
  readonly help: boolean;
  /** The config file as given (maybe with `#app`), or `undefined` for the demo. */
  readonly config: string | undefined;
  readonly vars: Readonly<Record<string, string>>;
  readonly port: string | undefined;
  readonly host: string | undefined;
  readonly workers: string | undefined;
  readonly reload: boolean;
  /** More files and directories to watch with `--reload`. */
  readonly reloadWatch: readonly string[];
  /** Poll for changes instead of using file system events. */
  readonly reloadPoll: boolean;
  /** Milliseconds between polls for changed files. */
  readonly reloadInterval: number;
  readonly pidFile: string | undefined;
  readonly logFile: string | undefined;
  readonly appName: string | undefined;
  readonly serverName: string | undefined;
}

export const MAIN_HELP = `Usage: trowel <command> [options]

Commands:
  serve [config.ini] [name=value ...]  serve what a PasteDeploy-style config file describes
  entry-points                         list the egg:... names a config can use, and their status
  cache purge (PATH ... | --all)       remove disk-cache entries (--dir DIR or config.ini)
  help [command]                       show help for a command

Options:
  -h, --help     show help (also after any command)
  -v, --version  show the version
`;

export const SERVE_HELP = `Usage: trowel serve [options] [config.ini[#app]] [name=value ...]

Loads the server ([server:main], or egg:Paste#http with its defaults) and the application
([app:main] or another main section, or -n NAME) from config.ini and serves it. Without a config
file, serves the bundled demo (examples/demo/site.ini).

name=value pairs set global variables: they override [DEFAULT], both for %(name)s and in the
globals every factory receives.

Options:
  --port PORT            listen on PORT (0: any free port); overrides the server section
  --host HOST            listen on HOST; overrides the server section
  --workers N            serve from N worker processes (node:cluster)
  --reload               restart the server when the config or the code it loads changes,
                         keeping the port open (development)
  --reload-watch PATH    with --reload, also watch PATH (a file or a directory); repeatable
  --reload-poll          with --reload, poll for changes instead of file system events (for
                         network file systems and container bind mounts)
  --reload-interval SEC  seconds between polls (default 1)
  --pid-file FILE        write the process id to FILE; refuse to start if FILE names a running
                         process; removed on exit
  --log-file FILE        append standard output and error to FILE
  -n, --app-name NAME    the application section to serve (default main)
  --server-name NAME     the server section to use (default main)
  -h, --help             show this help

Exit status: 0 after a clean shutdown (SIGTERM or SIGINT); 2 for a mistake on the command line or
in the config, reported before the port is bound; 1 when the server fails (say, the port is taken).
`;

export const ENTRY_POINTS_HELP = `Usage: trowel entry-points [--status available|planned|unsupported]

Lists every egg:Dist#name a config can use with use =, what it builds, and its status: available,
planned (the capability that will provide it does not exist yet), or unsupported (and why).

Options:
  --status STATUS  list only the names with this status
  -h, --help       show this help
`;

const SERVE_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  port: { type: 'string' },
  host: { type: 'string' },
  workers: { type: 'string' },
  reload: { type: 'boolean' },
  'reload-watch': { type: 'string', multiple: true },
  'reload-poll': { type: 'boolean' },
  'reload-interval': { type: 'string' },
  'pid-file': { type: 'string' },
  'log-file': { type: 'string' },
  'app-name': { type: 'string', short: 'n' },
  'server-name': { type: 'string' },
} as const;

/** parseArgs's message, shortened, with the nearest option for an unknown one. */
function describeParseError(error: unknown, known: readonly string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /^Unknown option '(-{1,2}[^']*)'/.exec(message);
  if (unknown?.[1] !== undefined) {
    const near = closest(unknown[1].replace(/^-+/, ''), known);
    return `unknown option ${unknown[1]}${near === undefined ? '' : ` (did you mean --${near}?)`}`;
  }
  return (message.split(/\.\s|\n/)[0] ?? message).replace(
    /^Option '([^']+)' argument missing$/,
    'option $1 needs a value',
  );
}

/** PasteScript's daemon sub-commands, which trowel leaves to a process manager. */
const DAEMON_COMMANDS = new Set(['start', 'stop', 'restart', 'status']);

/**
 * Parses `trowel serve`'s arguments.
 *
 * @throws {UsageError} for an unknown option, a missing value, a malformed number or a stray
 * argument.
 */
export function parseServeArgs(args: readonly string[]): ServeArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: SERVE_OPTIONS,
    });
  } catch (error) {
    throw new UsageError(describeParseError(error, Object.keys(SERVE_OPTIONS)));
  }
  const { values, positionals } = parsed;
  let config: string | undefined;
  const vars: Record<string, string> = {};
  for (const arg of positionals) {
    const eq = arg.indexOf('=');
    if (eq > 0 && !arg.slice(0, eq).includes('/')) {
      vars[arg.slice(0, eq)] = arg.slice(eq + 1);
    } else if (
      config === undefined &&
      Object.keys(vars).length === 0 &&
      !DAEMON_COMMANDS.has(arg)
    ) {
      config = arg;
    } else if (DAEMON_COMMANDS.has(arg)) {
      throw new UsageError(
        `"${arg}": trowel does not daemonize; run trowel serve under a process manager (systemd, a container runtime) and use --pid-file if you need one`,
      );
    } else {
      throw new UsageError(
        `unexpected argument "${arg}" (variables are name=value; only one config file)`,
      );
    }
  }
  const positiveInteger = (
    name: string,
    value: string | undefined,
    min: number,
    max: number,
  ): void => {
    if (
      value !== undefined &&
      !(/^\d+$/.test(value) && Number(value) >= min && Number(value) <= max)
    ) {
      throw new UsageError(
        `--${name} must be a whole number from ${min} to ${max}, got "${value}"`,
      );
    }
  };
  positiveInteger('port', values.port, 0, 65_535);
  positiveInteger('workers', values.workers, 1, 1024);
  const interval = values['reload-interval'] ?? '1';
  if (!/^\d+(?:\.\d+)?$/.test(interval) || Number(interval) <= 0 || Number(interval) > 3600) {
    throw new UsageError(
      `--reload-interval must be a positive number of seconds up to 3600, got "${interval}"`,
    );
  }
  for (const name of ['reload-interval', 'reload-watch', 'reload-poll'] as const) {
    if (values[name] !== undefined && values.reload !== true) {
      throw new UsageError(`--${name} needs --reload`);
    }
  }
  for (const name of ['host', 'pid-file', 'log-file', 'app-name', 'server-name'] as const) {
    if (values[name] === '') throw new UsageError(`--${name} must not be empty`);
  }
  const reloadWatch = values['reload-watch'] ?? [];
  if (reloadWatch.includes('')) throw new UsageError('--reload-watch must not be empty');
  return {
    help: values.help ?? false,
    config,
    vars,
    port: values.port,
    host: values.host,
    workers: values.workers,
    reload: values.reload ?? false,
    reloadWatch,
    reloadPoll: values['reload-poll'] ?? false,
    reloadInterval: Math.max(50, Math.round(Number(interval) * 1000)),
    pidFile: values['pid-file'],
    logFile: values['log-file'],
    appName: values['app-name'],
    serverName: values['server-name'],
  };
}
