/**
 * `trowel serve`: loads a config (all of it, before anything listens), then serves it.
 *
 * Process roles. Plain `trowel serve` loads and serves in one process (with `--workers N`, that
 * process is the cluster primary and each worker runs the same command again). With `--reload` or
 * `--log-file`, the process becomes a supervisor: it writes the pid file, opens the log file, and
 * runs the server as a child (with the log file as its standard output and error); with
 * `--reload`, the child exits with status 3 when a watched file changes and the supervisor starts a
 * new one. A restarted child that finds a broken config reports it and waits for the next change
 * instead of exiting, so a typo does not end a development session.
 */
import { spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { existsSync, openSync } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isConfigError } from '../core/config-error.ts';
import { displayPath, isDeployError } from '../deploy/errors.ts';
import { loadDeployment, type Deployment } from '../deploy/loader.ts';
import { parseServeArgs, SERVE_HELP, UsageError, type ServeArgs } from './args.ts';
import { writePidFile } from './pid-file.ts';
import { recordImports, watchFiles } from './watch.ts';

/** Where the CLI writes. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** The bundled demo's config, served when no file is given. */
export const DEMO_CONFIG: string = fileURLToPath(
  new URL('../../examples/demo/site.ini', import.meta.url),
);

const LAUNCHER = fileURLToPath(new URL('../../bin/trowel.js', import.meta.url));

const ROLE = 'TROWEL_SERVE_ROLE';
const RESTART = 'TROWEL_SERVE_RESTART';

/** The codes of load errors whose cause is an exception thrown by the user's own code. */
const USER_CODE = new Set(['TROWEL_ERR_DEPLOY_FACTORY', 'TROWEL_ERR_DEPLOY_IMPORT']);

/** Prints what went wrong: the message alone for a user's mistake, the stack for a bug. */
export function report(error: unknown, io: Output): void {
  if (isConfigError(error)) {
    io.err(`trowel: ${error.message}`);
    const cause = (error as { cause?: unknown }).cause;
    // A factory or module of the user's own that threw: its stack points at their code.
    if (
      isDeployError(error) &&
      USER_CODE.has(error.code) &&
      cause instanceof Error &&
      !isConfigError(cause) &&
      cause.stack !== undefined
    ) {
      io.err(cause.stack.replace(/^/gm, '    '));
    }
    return;
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && error instanceof Error && /^E[A-Z]+$/.test(code)) {
    io.err(`trowel: the server could not start: ${error.message}`);
    return;
  }
  io.err(`trowel: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}

/**
 * Runs `trowel serve` with `args` (what follows `serve`). Resolves with the exit status, or with
 * `undefined` while the server runs (the process then exits when a signal stops the server).
 */
export async function serveCommand(
  args: readonly string[],
  io: Output,
): Promise<number | undefined> {
  let parsed: ServeArgs;
  try {
    parsed = parseServeArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`trowel serve: ${error.message}\n(see trowel serve --help)`);
    return 2;
  }
  if (parsed.help) {
    io.out(SERVE_HELP);
    return 0;
  }
  if (parsed.config === undefined && !existsSync(DEMO_CONFIG)) {
    io.err(
      `trowel serve: no config file given, and the bundled demo is not here (${DEMO_CONFIG}); it ships with the source repository`,
    );
    return 2;
  }
  const supervised = process.env[ROLE] === 'child';
  if (cluster.isPrimary && !supervised && (parsed.reload || parsed.logFile !== undefined)) {
    return supervise(parsed, args, io);
  }
  return run(parsed, io, supervised);
}

async function run(
  parsed: ServeArgs,
  io: Output,
  supervised: boolean,
): Promise<number | undefined> {
  const imports = parsed.reload && supervised ? recordImports() : undefined;
  const config = parsed.config ?? DEMO_CONFIG;
  const serverOptions = [
    ...(parsed.port === undefined ? [] : [{ key: 'port', value: parsed.port, flag: '--port' }]),
    ...(parsed.host === undefined ? [] : [{ key: 'host', value: parsed.host, flag: '--host' }]),
    ...(parsed.workers === undefined
      ? []
      : [{ key: 'workers', value: parsed.workers, flag: '--workers' }]),
  ];
  let deployment: Deployment;
  try {
    deployment = await loadDeployment(config, {
      globalConf: parsed.vars,
      serverOptions,
      ...(parsed.appName === undefined ? {} : { appName: parsed.appName }),
      ...(parsed.serverName === undefined ? {} : { serverName: parsed.serverName }),
      onWarning: (warning) => {
        // Workers load the same config: the primary has said it already.
        if (!cluster.isWorker) io.err(`trowel: warning: ${warning.message}`);
      },
    });
  } catch (error) {
    report(error, io);
    if (imports !== undefined && process.env[RESTART] === '1') {
      const files = [resolve(config.replace(/#.*$/, '').replace(/^config:/, '')), ...imports()];
      if (isDeployError(error) && error.file.startsWith('/')) files.push(error.file);
      const stop = (): void => {
        process.exit(0);
      };
      process.once('SIGTERM', stop).once('SIGINT', stop);
      const changed = new Promise<void>((resolve) =>
        watchFiles(
          files,
          parsed.reloadInterval,
          () => {
            resolve();
          },
          true,
        ),
      );
      io.err('trowel: waiting for a change to restart');
      await changed;
      return 3;
    }
    return isConfigError(error) ? 2 : 1;
  }
  // Watch from the moment the files were read, so that an edit made while the server starts
  // is not missed.
  const changed =
    imports === undefined
      ? undefined
      : new Promise<string>((resolve) =>
          watchFiles(
            [...new Set([...deployment.files, ...imports()])],
            parsed.reloadInterval,
            resolve,
          ),
        );
  if (!supervised && cluster.isPrimary && parsed.pidFile !== undefined) {
    const problem = writePidFile(parsed.pidFile);
    if (problem !== undefined) {
      io.err(`trowel serve: ${problem}`);
      return 2;
    }
  }
  let server;
  try {
    server = await deployment.server(deployment.app, {
      handleSignals: true,
      onListen: (info) => {
        const workers = parsed.workers === undefined ? '' : `, ${parsed.workers} workers`;
        io.out(
          `trowel: serving ${displayPath(deployment.file)} on ${info.url}/ (pid ${process.pid}${workers})`,
        );
      },
    });
  } catch (error) {
    report(error, io);
    return isConfigError(error) ? 2 : 1;
  }
  if (supervised && process.connected) {
    // The supervisor went away without stopping us: stop too.
    process.once('disconnect', () => {
      void server.close().then(() => process.exit(0));
    });
  }
  if (changed === undefined) return undefined;
  const running = server;
  const file = await changed;
  io.err(`trowel: ${displayPath(file)} changed; restarting`);
  await running.close();
  return 3;
}

async function supervise(parsed: ServeArgs, args: readonly string[], io: Output): Promise<number> {
  let output: number | 'inherit' = 'inherit';
  if (parsed.logFile !== undefined) {
    try {
      output = openSync(parsed.logFile, 'a');
    } catch (error) {
      io.err(
        `trowel serve: cannot write the log file ${parsed.logFile}: ${(error as { code?: string }).code ?? String(error)}`,
      );
      return 2;
    }
  }
  if (parsed.pidFile !== undefined) {
    const problem = writePidFile(parsed.pidFile);
    if (problem !== undefined) {
      io.err(`trowel serve: ${problem}`);
      return 2;
    }
  }
  // Written by the signal handler, read after each child exits.
  const state: { stopping: boolean; child: ReturnType<typeof spawn> | undefined } = {
    stopping: false,
    child: undefined,
  };
  const stop = (): void => {
    state.child?.kill(state.stopping ? 'SIGKILL' : 'SIGTERM');
    state.stopping = true;
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  for (let restarts = 0; ; restarts++) {
    const child = spawn(process.execPath, [...process.execArgv, LAUNCHER, 'serve', ...args], {
      // Its own process group: a terminal's ^C reaches the supervisor alone, which stops the
      // child once, gracefully.
      detached: true,
      stdio: ['inherit', output, output, 'ipc'],
      env: { ...process.env, [ROLE]: 'child', [RESTART]: restarts > 0 ? '1' : '0' },
    });
    state.child = child;
    const [code] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    if (!state.stopping && parsed.reload && code === 3) continue;
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    if (code !== 0 && restarts === 0 && parsed.logFile !== undefined) {
      io.err(
        `trowel serve: the server exited with status ${code ?? 'from a signal'}; see ${parsed.logFile}`,
      );
    }
    return code ?? 1;
  }
}
