/**
 * `trowel serve --reload`: this process becomes the reloader's cluster primary (`trowel/reloader`)
 * and each worker runs `trowel serve` again with the same arguments. What is watched: the config
 * file, every config file and module the workers read (the loader's files and a module hook's
 * record, reported as they are read), and the `--reload-watch` paths; never the log and pid files,
 * nor anything under `node_modules` or `.git`. On a change the primary starts new workers beside
 * the running ones and stops the old ones once the new ones listen, so the port never closes.
 *
 * The primary writes the pid file and, with `--log-file`, sends its own lines and the workers'
 * output to the log file.
 */
import { writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { displayPath } from '../deploy/errors.ts';
import { ReloaderStartError, startReloader, type ReloaderEvent } from '../reloader/primary.ts';
import type { ServeArgs } from './args.ts';
import { openSupervisorFiles } from './pid-file.ts';
import type { Output } from './serve.ts';

/** The config file a `config` argument names (without `config:` or `#app`), absolute. */
export function configFile(config: string): string {
  return resolve(config.replace(/^config:/, '').replace(/#[^/\\]*$/, ''));
}

const IGNORED_DIRECTORY = /[\\/](?:node_modules|\.git)(?:[\\/]|$)/;

function status(code: number | null, signal: string | null): string {
  return signal === null ? `status ${code ?? '?'}` : `signal ${signal}`;
}

/** The line to print for each of the reloader's events (`out` for the serving line). */
export function describeEvent(
  event: ReloaderEvent,
  config: string,
): { readonly out?: string; readonly err?: string } {
  switch (event.type) {
    case 'change': {
      const [first = '', ...rest] = event.paths;
      const more = rest.length === 0 ? '' : ` and ${rest.length} more`;
      return { err: `trowel: ${displayPath(first)}${more} changed; restarting` };
    }
    case 'serving': {
      const workers = `${event.pids.length === 1 ? 'worker' : 'workers'} ${event.pids.join(', ')}`;
      return {
        out: `trowel: serving ${displayPath(config)} on ${event.url}/ (pid ${process.pid}, ${workers})`,
      };
    }
    case 'failed': {
      // A worker that exited 1 or 2 has said why; a signal or another status needs saying.
      const why =
        event.signal === null && (event.code === 1 || event.code === 2)
          ? ''
          : `trowel: the new worker ${event.pid} exited (${status(event.code, event.signal)})\n`;
      const keeps = event.serving ? ' (the previous version keeps serving)' : '';
      return { err: `${why}trowel: waiting for a change to restart${keeps}` };
    }
    case 'address':
      return {
        err: `trowel: the new version listens on ${event.wanted.join(', ')}, but --reload keeps the socket it opened on ${event.kept.join(', ')}; restart trowel serve by hand to move it (the previous version keeps serving)`,
      };
    case 'exit':
      return {
        err: `trowel: worker ${event.pid} exited (${status(event.code, event.signal)}); waiting for a change to restart`,
      };
  }
}

/**
 * Runs `trowel serve --reload` as the reloader's primary, until SIGTERM or SIGINT (status 0; a
 * second signal kills the workers, status 1) or until the first start fails (the worker's status).
 */
export async function superviseReload(
  parsed: ServeArgs,
  config: string,
  io: Output,
): Promise<number> {
  const files = openSupervisorFiles(parsed);
  if ('problem' in files) {
    io.err(`trowel serve: ${files.problem}`);
    return 2;
  }
  const fd = files.log;
  const line = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);
  const output: Output =
    fd === undefined
      ? io
      : { out: (text) => writeSync(fd, line(text)), err: (text) => writeSync(fd, line(text)) };
  const file = configFile(config);
  const ignored = new Set(
    [parsed.logFile, parsed.pidFile].flatMap((path) => (path === undefined ? [] : [resolve(path)])),
  );
  const reloader = startReloader({
    workers: parsed.workers === undefined ? 1 : Number(parsed.workers),
    watch: [file, ...parsed.reloadWatch],
    ignore: (path) => ignored.has(path) || IGNORED_DIRECTORY.test(path),
    poll: parsed.reloadPoll,
    interval: parsed.reloadInterval,
    ...(fd === undefined ? {} : { cluster: { stdio: ['inherit', fd, fd, 'ipc'] } }),
    onEvent: (event) => {
      const { out, err } = describeEvent(event, file);
      if (out !== undefined) output.out(out);
      if (err !== undefined) output.err(err);
    },
  });
  return new Promise<number>((done) => {
    let signals = 0;
    const onSignal = (): void => {
      signals++;
      if (signals > 1) reloader.kill();
      else
        void reloader.close().then(() => {
          finish(signals > 1 ? 1 : 0);
        });
    };
    const finish = (status: number): void => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      done(status);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    reloader.started.catch((error: unknown) => {
      const code = error instanceof ReloaderStartError ? error.exitCode : 1;
      if (parsed.logFile !== undefined) {
        io.err(`trowel serve: the server exited with status ${code}; see ${parsed.logFile}`);
      }
      finish(code);
    });
  });
}
