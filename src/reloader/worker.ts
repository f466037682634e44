/**
 * The worker's side of the reloader (see `primary.ts` for the other): report the files read, say
 * when the server listens, and stop gracefully when the primary sends SIGTERM.
 *
 * Stopping goes in this order: the server's `close()` is called (it stops accepting at once, and
 * lets in-flight requests finish), then the worker asks the primary to be let go and waits for
 * the answer, so that a connection the primary handed over just before the socket's removal
 * reached it is still answered (refused, and given to another worker) rather than lost with the
 * process; then, once `close()` has resolved, the worker exits with status 0. Any number of
 * SIGTERM or SIGINT make one graceful stop (a terminal's ^C reaches the primary and the workers
 * alike): the primary escalates to SIGKILL on its own second signal.
 */
import cluster from 'node:cluster';
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../core/config-error.ts';
import {
  GENERATION_ENV,
  isClosedMessage,
  SLOT_ENV,
  type ReadFile,
  type WorkerMessage,
} from './messages.ts';
import { moduleGraph } from './module-graph.ts';

/** A worker process started by `startReloader()`, as {@link joinReloader} returns it. */
export interface ReloaderWorker {
  /** The generation this worker belongs to: 1 for the first start, then one more per restart. */
  readonly generation: number;
  /** The worker's slot in its generation, from 0 (say, to log a warning from one worker only). */
  readonly slot: number;
  /** Asks the primary to watch more files (the config files read, for one). */
  watch(paths: readonly string[]): void;
  /** Tells the primary that this worker serves, at `url`. */
  ready(url: string): void;
  /** Sets what stops the server gracefully when the primary stops this worker. */
  onStop(close: () => Promise<void>): void;
  /** Resolves once every message is sent: await it before exiting on a failure. */
  flush(): Promise<void>;
}

/** True in a worker process that `startReloader()` started. */
export function isReloaderWorker(): boolean {
  return cluster.isWorker && process.env[GENERATION_ENV] !== undefined;
}

let joined: ReloaderWorker | undefined;

function modified(path: string): ReadFile {
  try {
    return { path, mtime: statSync(path).mtimeMs };
  } catch {
    return { path };
  }
}

/**
 * Joins the reloader from a worker: starts the module graph (so call it before importing the
 * application), reports each file loaded from now on, and stops gracefully on SIGTERM or SIGINT.
 * Later calls return the same worker.
 *
 * @throws {ConfigError} `TROWEL_ERR_RELOADER_NOT_A_WORKER` outside a worker of `startReloader()`.
 *
 * @example
 * ```ts
 * import { serve } from 'trowel/server';
 * import { joinReloader } from 'trowel/reloader';
 *
 * const worker = joinReloader();
 * const { app } = await import('./app.ts');
 * const server = await serve(app, { port: 8080 });
 * worker.onStop(() => server.close());
 * worker.ready(server.url);
 * ```
 */
export function joinReloader(): ReloaderWorker {
  if (joined !== undefined) return joined;
  if (!isReloaderWorker()) {
    throw new ConfigError(
      'TROWEL_ERR_RELOADER_NOT_A_WORKER',
      'joinReloader(): this process is not a worker started by startReloader()',
    );
  }
  let sending = 0;
  const drained = new Set<() => void>();
  const send = (message: WorkerMessage): void => {
    if (!process.connected || process.send === undefined) return;
    sending++;
    process.send(message, undefined, {}, () => {
      sending--;
      if (sending > 0) return;
      for (const done of drained) done();
      drained.clear();
    });
  };

  // Files are sent in batches, each before any later message (`ready` in particular).
  let batch: ReadFile[] = [];
  const sendFiles = (): void => {
    if (batch.length === 0) return;
    send({ trowel: 'reloader-files', files: batch });
    batch = [];
  };
  const queue = (file: ReadFile): void => {
    if (batch.length === 0) setImmediate(sendFiles);
    batch.push(file);
  };
  moduleGraph().subscribe((path) => {
    queue(modified(path));
  });

  let close: (() => Promise<void>) | undefined;
  let stopping = false;
  const letGo = (): Promise<void> =>
    new Promise((done) => {
      if (!process.connected) {
        done();
        return;
      }
      const finish = (): void => {
        process.off('message', onMessage);
        process.off('disconnect', finish);
        done();
      };
      const onMessage = (message: unknown): void => {
        if (isClosedMessage(message)) finish();
      };
      process.on('message', onMessage);
      process.once('disconnect', finish);
      send({ trowel: 'reloader-closing' });
    });
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    // close() stops accepting synchronously: the primary learns it before `closing` arrives.
    const closed = close?.() ?? Promise.resolve();
    void Promise.all([closed, letGo()]).then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(
          `trowel/reloader: the worker's server did not close cleanly: ${String(error)}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  joined = {
    generation: Number(process.env[GENERATION_ENV]),
    slot: Number(process.env[SLOT_ENV] ?? '0'),
    watch: (paths) => {
      for (const path of paths) queue(modified(resolve(path)));
    },
    ready: (url) => {
      sendFiles();
      send({ trowel: 'reloader-ready', url });
    },
    onStop: (closer) => {
      close = closer;
    },
    flush: () => {
      sendFiles();
      return sending === 0
        ? Promise.resolve()
        : new Promise((done) => {
            drained.add(done);
          });
    },
  };
  return joined;
}
