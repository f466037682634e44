/**
 * `trowel serve`: loads a config (all of it, before anything listens), then serves it.
 *
 * Process roles. Plain `trowel serve` loads and serves in one process (with `--workers N`, that
 * process is the cluster primary and each worker runs the same command again). With `--reload`,
 * the process is the reloader's cluster primary (see `watch.ts`): it loads nothing itself, and
 * each worker runs the same command again, loads the config and serves, until a change replaces
 * it. With `--log-file` alone, the process is a supervisor that writes the pid file, opens the log
 * file, and runs the server as a child with the log file as its standard output and error.
 */
import { spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { isConfigError } from '../core/config-error.ts';
import { displayPath, isDeployError } from '../deploy/errors.ts';
import { loadDeployment, type Deployment } from '../deploy/loader.ts';
import type { RunOptions } from '../deploy/registry.ts';
import { isReloaderWorker, joinReloader, type ReloaderWorker } from '../reloader/worker.ts';
import { parseServeArgs, SERVE_HELP, UsageError, type ServeArgs } from './args.ts';
import { openSupervisorFiles, writePidFile } from './pid-file.ts';
import { configFile, superviseReload } from './watch.ts';

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
  if (isReloaderWorker()) return run(parsed, io, joinReloader());
  const supervised = process.env[ROLE] === 'child';
  if (cluster.isPrimary && !supervised && parsed.reload) {
    return superviseReload(parsed, parsed.config ?? DEMO_CONFIG, io);
  }
  if (cluster.isPrimary && !supervised && parsed.logFile !== undefined) {
    return supervise(parsed, args, io);
  }
  return run(parsed, io, undefined, supervised);
}

/**
 * Loads and serves, in this process. `worker` is set in a `--reload` worker: it reports the files
 * read to the primary, and is stopped by it.
 */
async function run(
  parsed: ServeArgs,
  io: Output,
  worker: ReloaderWorker | undefined,
  supervised = false,
): Promise<number | undefined> {
  const config = parsed.config ?? DEMO_CONFIG;
  const serverOptions = [
    ...(parsed.port === undefined ? [] : [{ key: 'port', value: parsed.port, flag: '--port' }]),
    ...(parsed.host === undefined ? [] : [{ key: 'host', value: parsed.host, flag: '--host' }]),
    // Under --reload the primary runs the workers; each serves on its own.
    ...(parsed.workers === undefined || worker !== undefined
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
        // Workers load the same config: one of them says it.
        if (worker === undefined ? !cluster.isWorker : worker.slot === 0) {
          io.err(`trowel: warning: ${warning.message}`);
        }
      },
    });
  } catch (error) {
    report(error, io);
    if (worker !== undefined) {
      // Watch what was read before the failure, so that the fix restarts.
      worker.watch([configFile(config)]);
      if (isDeployError(error) && error.file.startsWith('/')) worker.watch([error.file]);
      await worker.flush();
    }
    return isConfigError(error) ? 2 : 1;
  }
  worker?.watch(deployment.files);
  if (!supervised && cluster.isPrimary && parsed.pidFile !== undefined) {
    const problem = writePidFile(parsed.pidFile);
    if (problem !== undefined) {
      io.err(`trowel serve: ${problem}`);
      return 2;
    }
  }
  const runOptions: RunOptions =
    worker === undefined
      ? {
          handleSignals: true,
          onListen: (info) => {
            const workers = parsed.workers === undefined ? '' : `, ${parsed.workers} workers`;
            io.out(
              `trowel: serving ${displayPath(deployment.file)} on ${info.url}/ (pid ${process.pid}${workers})`,
            );
          },
        }
      : // The primary reports where its workers serve, and stops them.
        { handleSignals: false };
  let server;
  try {
    server = await deployment.server(deployment.app, runOptions);
  } catch (error) {
    report(error, io);
    await worker?.flush();
    return isConfigError(error) ? 2 : 1;
  }
  if (worker !== undefined) {
    const running = server;
    worker.onStop(() => running.close());
    worker.ready(running.url);
    return undefined;
  }
  if (supervised && process.connected) {
    // The supervisor went away without stopping us: stop too.
    process.once('disconnect', () => {
      void server.close().then(() => process.exit(0));
    });
  }
  return undefined;
}

async function supervise(parsed: ServeArgs, args: readonly string[], io: Output): Promise<number> {
  const files = openSupervisorFiles(parsed);
  if ('problem' in files) {
    io.err(`trowel serve: ${files.problem}`);
    return 2;
  }
  const output: number | 'inherit' = files.log ?? 'inherit';
  const child = spawn(process.execPath, [...process.execArgv, LAUNCHER, 'serve', ...args], {
    // Its own process group: a terminal's ^C reaches the supervisor alone, which stops the
    // child once, gracefully.
    detached: true,
    stdio: ['inherit', output, output, 'ipc'],
    env: { ...process.env, [ROLE]: 'child' },
  });
  let stopping = false;
  const stop = (): void => {
    child.kill(stopping ? 'SIGKILL' : 'SIGTERM');
    stopping = true;
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const [code] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  process.off('SIGTERM', stop);
  process.off('SIGINT', stop);
  if (code !== 0 && parsed.logFile !== undefined) {
    io.err(
      `trowel serve: the server exited with status ${code ?? 'from a signal'}; see ${parsed.logFile}`,
    );
  }
  return code ?? 1;
}
