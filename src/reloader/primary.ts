/**
 * `startReloader()`: the primary's side of the reloader. It runs the program as `node:cluster`
 * workers, watches the files they read, and on a change starts a new generation of workers beside
 * the running one: once every new worker listens, the old ones are stopped gracefully (SIGTERM:
 * they stop accepting, finish their in-flight requests and exit). The listening socket belongs to
 * the primary (cluster's round-robin handle), and some worker holds it at every moment, so no
 * connection is refused during a restart.
 *
 * A new generation whose worker exits before it listens (a broken config, a syntax error) is
 * dropped, and the running one keeps serving until the next change. A change that arrives while a
 * generation starts is kept for when it has settled. A new generation that listens on another
 * address than the running one (its config moved the port) is refused: the primary keeps the
 * socket it has, and says to restart by hand.
 *
 * Not for: production deploys (use `workers` in trowel/server, or your process manager's rolling
 * restart), or programs that keep state in memory across restarts.
 */
import cluster, { type Address, type ClusterSettings, type Worker } from 'node:cluster';
import { ConfigError } from '../core/config-error.ts';
import { formatAuthority } from '../server/target.ts';
import { GENERATION_ENV, isWorkerMessage, SLOT_ENV, type WorkerMessage } from './messages.ts';
import { watchFiles } from './watch.ts';

/** Options of {@link startReloader}. */
export interface ReloaderOptions {
  /** How many workers each generation runs. @default 1 */
  readonly workers?: number;
  /** Paths to watch besides the files the workers report (files or directories). @default [] */
  readonly watch?: readonly string[];
  /** Paths never watched, such as the server's own log and pid files. @default none */
  readonly ignore?: (path: string) => boolean;
  /** Milliseconds of quiet after a change before restarting. @default 100 */
  readonly debounce?: number;
  /** Poll with `stat` instead of using `fs.watch`. @default false */
  readonly poll?: boolean;
  /** Milliseconds between polls. @default 1000 */
  readonly interval?: number;
  /** Added to each worker's environment. @default {} */
  readonly env?: Readonly<Record<string, string>>;
  /** Passed to `cluster.setupPrimary()` (the program to run, its arguments, `stdio`). @default this program, as it was started */
  readonly cluster?: ClusterSettings;
  /** Called with what happens, to report it. @default nothing */
  readonly onEvent?: (event: ReloaderEvent) => void;
}

/** What {@link ReloaderOptions.onEvent} hears. `pid`s are the workers'. */
export type ReloaderEvent =
  /** Files changed: a new generation starts (now, or once the starting one has settled). */
  | { readonly type: 'change'; readonly paths: readonly string[] }
  /** A generation serves (the first one, or a restart). */
  | {
      readonly type: 'serving';
      readonly generation: number;
      readonly url: string;
      readonly pids: readonly number[];
    }
  /** A new generation's worker exited before it served; `serving` tells whether an older one still serves. */
  | {
      readonly type: 'failed';
      readonly pid: number;
      readonly code: number | null;
      readonly signal: string | null;
      readonly serving: boolean;
    }
  /** A new generation listened elsewhere than the socket the primary keeps, and was stopped. */
  | {
      readonly type: 'address';
      readonly kept: readonly string[];
      readonly wanted: readonly string[];
    }
  /** A serving worker exited without being asked to. */
  | {
      readonly type: 'exit';
      readonly pid: number;
      readonly code: number | null;
      readonly signal: string | null;
    };

/** A running reloader, as {@link startReloader} returns it. */
export interface Reloader {
  /**
   * Resolves when the first generation serves; rejects with a {@link ReloaderStartError} when it
   * fails instead (the reloader has then stopped). Does not settle if closed first.
   */
  readonly started: Promise<void>;
  /** The serving workers' process ids. */
  pids(): readonly number[];
  /** Stops watching and stops every worker gracefully; resolves once all have exited. */
  close(): Promise<void>;
  /** Kills every worker at once (SIGKILL): the answer to a second ^C. */
  kill(): void;
}

/** The first generation failed: `exitCode` is its worker's exit status. */
export class ReloaderStartError extends Error {
  override readonly name = 'ReloaderStartError';
  readonly code = 'TROWEL_ERR_RELOADER_START';
  readonly exitCode: number;

  constructor(exitCode: number, message: string) {
    super(message);
    this.exitCode = exitCode;
  }
}

interface Generation {
  readonly id: number;
  readonly workers: Set<Worker>;
  readonly ready: Set<Worker>;
  /** Where its workers listen: a key per socket, and how to show it. */
  readonly addresses: Map<string, string>;
  url: string;
  /** Promoted, refused or failed. */
  settled: boolean;
}

const INVALID = 'TROWEL_ERR_RELOADER_INVALID_OPTION';

function addressOf(address: Address): [string, string] {
  // -1: a Unix domain socket, whose address is its path.
  const where =
    address.addressType === -1 ? address.address : formatAuthority(address.address, address.port);
  return [`${String(address.addressType)} ${where}`, where];
}

function sameKeys(a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>): boolean {
  return a.size === b.size && [...a.keys()].every((key) => b.has(key));
}

function check(options: ReloaderOptions): number {
  if (!cluster.isPrimary) {
    throw new ConfigError('TROWEL_ERR_RELOADER_NOT_PRIMARY', 'startReloader(): not in a primary');
  }
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > 1024) {
    throw new ConfigError(INVALID, `startReloader(): workers must be from 1 to 1024`);
  }
  if (options.onEvent !== undefined && typeof options.onEvent !== 'function') {
    throw new ConfigError(INVALID, 'startReloader(): onEvent must be a function');
  }
  return workers;
}

/**
 * Starts the first generation of workers and watches for changes. Call it in the cluster primary;
 * each worker runs the same program (or `options.cluster.exec`) and calls `joinReloader()`.
 *
 * @throws {ConfigError} `TROWEL_ERR_RELOADER_INVALID_OPTION` for a bad option,
 * `TROWEL_ERR_RELOADER_NOT_PRIMARY` in a worker.
 *
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * import { startReloader } from 'trowel/reloader';
 *
 * if (cluster.isPrimary) {
 *   const reloader = startReloader({
 *     watch: ['config.json'],
 *     onEvent: (event) => console.log(event.type),
 *   });
 *   await reloader.started;
 *   process.once('SIGTERM', () => void reloader.close());
 * }
 * ```
 */
export function startReloader(options: ReloaderOptions = {}): Reloader {
  const count = check(options);
  const emit = options.onEvent ?? (() => undefined);
  if (options.cluster !== undefined) cluster.setupPrimary(options.cluster);

  const alive = new Set<Worker>();
  const stopped = new WeakSet<Worker>();
  let live: Generation | undefined;
  let pending: Generation | undefined;
  let generations = 0;
  let again = false;
  let serving = false;
  let closing: Promise<void> | undefined;
  let onAllGone: (() => void) | undefined;
  // Called with each old worker that stops accepting (or exits) after a restart.
  let retire: ((worker: Worker) => void) | undefined;
  let resolveStarted = (): void => undefined;
  let rejectStarted: (error: ReloaderStartError) => void = () => undefined;
  const started = new Promise<void>((resolve, reject) => {
    resolveStarted = resolve;
    rejectStarted = reject;
  });
  // A caller that never awaits `started` must not crash on an unhandled rejection.
  started.catch(() => undefined);

  const stop = (worker: Worker): void => {
    stopped.add(worker);
    if (!worker.isDead()) worker.process.kill('SIGTERM');
  };

  const watcher = watchFiles(options.watch ?? [], {
    ...(options.debounce === undefined ? {} : { debounce: options.debounce }),
    ...(options.poll === undefined ? {} : { poll: options.poll }),
    ...(options.interval === undefined ? {} : { interval: options.interval }),
    ...(options.ignore === undefined ? {} : { ignore: options.ignore }),
    onChange: (paths) => {
      if (closing !== undefined) return;
      emit({ type: 'change', paths });
      if (pending === undefined) start();
      else again = true;
    },
  });

  const settle = (): void => {
    pending = undefined;
    if (again && closing === undefined) start();
  };

  const promote = (generation: Generation): void => {
    generation.settled = true;
    const old = live;
    if (
      old !== undefined &&
      old.workers.size > 0 &&
      !sameKeys(old.addresses, generation.addresses)
    ) {
      for (const worker of generation.workers) stop(worker);
      emit({
        type: 'address',
        kept: [...old.addresses.values()],
        wanted: [...generation.addresses.values()],
      });
    } else {
      live = generation;
      // Said once the old workers have all stopped accepting: from then on, every new
      // connection reaches the new version.
      const retiring = new Set(old?.workers);
      retire = (worker) => {
        if (!retiring.delete(worker) || retiring.size > 0) return;
        retire = undefined;
        announce(generation);
      };
      for (const worker of retiring) stop(worker);
      if (retiring.size === 0) announce(generation);
    }
    settle();
  };

  const announce = (generation: Generation): void => {
    emit({
      type: 'serving',
      generation: generation.id,
      url: generation.url,
      pids: [...generation.workers].map((worker) => worker.process.pid ?? 0),
    });
    if (!serving) resolveStarted();
    serving = true;
  };

  const fail = (
    generation: Generation,
    pid: number,
    code: number | null,
    signal: string | null,
  ): void => {
    generation.settled = true;
    for (const worker of generation.workers) stop(worker);
    if (serving) {
      emit({ type: 'failed', pid, code, signal, serving: live !== undefined });
      settle();
      return;
    }
    // The first start failed: there is nothing to keep serving.
    pending = undefined;
    watcher.close();
    closing = new Promise<void>((resolve) => {
      onAllGone = resolve;
      if (alive.size === 0) resolve();
    }).then(() => {
      rejectStarted(
        new ReloaderStartError(
          code ?? 1,
          `startReloader(): worker ${pid} exited (${signal ?? `status ${code ?? '?'}`}) before it served`,
        ),
      );
    });
  };

  const onMessage = (generation: Generation, worker: Worker, message: WorkerMessage): void => {
    switch (message.trowel) {
      case 'reloader-files':
        for (const file of message.files) {
          watcher.add(file.path, { mtime: typeof file.mtime === 'number' ? file.mtime : null });
        }
        return;
      case 'reloader-ready':
        generation.url = message.url;
        generation.ready.add(worker);
        if (!generation.settled && generation.ready.size === count) promote(generation);
        return;
      case 'reloader-closing':
        if (worker.isConnected()) worker.send({ trowel: 'reloader-closed' });
        retire?.(worker);
        return;
    }
  };

  const fork = (generation: Generation, slot: number): void => {
    const worker = cluster.fork({
      ...options.env,
      [GENERATION_ENV]: String(generation.id),
      [SLOT_ENV]: String(slot),
    });
    alive.add(worker);
    generation.workers.add(worker);
    worker.on('listening', (address: Address) => {
      const [key, shown] = addressOf(address);
      generation.addresses.set(key, shown);
    });
    worker.on('message', (message: unknown) => {
      if (isWorkerMessage(message)) onMessage(generation, worker, message);
    });
    worker.once('exit', (code: number | null, signal: string | null) => {
      alive.delete(worker);
      generation.workers.delete(worker);
      generation.ready.delete(worker);
      const pid = worker.process.pid ?? 0;
      if (!stopped.has(worker)) {
        if (!generation.settled) fail(generation, pid, code, signal);
        else if (generation === live) emit({ type: 'exit', pid, code, signal });
      }
      if (generation === live && generation.workers.size === 0) live = undefined;
      retire?.(worker);
      if (alive.size === 0) onAllGone?.();
    });
  };

  function start(): void {
    again = false;
    generations++;
    const generation: Generation = {
      id: generations,
      workers: new Set(),
      ready: new Set(),
      addresses: new Map(),
      url: '',
      settled: false,
    };
    pending = generation;
    for (let slot = 0; slot < count; slot++) fork(generation, slot);
  }

  start();
  return {
    started,
    pids: () => [...(live?.workers ?? [])].map((worker) => worker.process.pid ?? 0),
    close: () => {
      if (closing !== undefined) return closing;
      watcher.close();
      closing = new Promise<void>((resolve) => {
        onAllGone = resolve;
        if (alive.size === 0) resolve();
      });
      for (const worker of alive) stop(worker);
      return closing;
    },
    kill: () => {
      for (const worker of alive) worker.process.kill('SIGKILL');
    },
  };
}
