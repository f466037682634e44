/**
 * `workers: N` on node:cluster: the primary process forks N workers, each of which runs the same
 * program, calls `serve()` again and listens on the shared port; the primary serves nothing itself.
 *
 * The primary restarts a worker that dies (after 100 ms, doubling for each crash in a row up to
 * 30 s, so a program that crashes on start does not spin), and on `close()` (or SIGTERM/SIGINT with
 * `handleSignals`) tells every worker to close gracefully, waits for them, and kills a worker that
 * outlives its shutdown deadline by five seconds. A worker exits when the primary goes away.
 *
 * Not for: sharing state between workers (each has its own memory: keep sessions and caches in a
 * shared store), or zero-downtime reloads.
 */
import cluster, { type Worker } from 'node:cluster';
import type { ListenInfo, ResolvedOptions } from './options.ts';
import { formatAuthority } from './target.ts';

/** The message the primary sends a worker to make it close gracefully. */
export interface CloseMessage {
  readonly trowel: 'close';
  readonly timeout: number;
}

/** True for the message a primary sends to close a worker. */
export function isCloseMessage(value: unknown): value is CloseMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { trowel?: unknown }).trowel === 'close' &&
    typeof (value as { timeout?: unknown }).timeout === 'number'
  );
}

/** The running cluster, seen from the primary. */
export interface Primary {
  readonly info: ListenInfo;
  readonly close: (timeout?: number) => Promise<void>;
}

const FIRST_BACKOFF = 100;
const MAX_BACKOFF = 30_000;
// A worker that stayed up this long is healthy again: its next crash starts the backoff over.
const HEALTHY_AFTER = 10_000;
const KILL_GRACE = 5000;

/**
 * Forks `options.workers` workers and resolves once all of them listen. Rejects (and stops the
 * others) when a worker exits before it listens, which is how a bad port or a failing program
 * shows itself.
 *
 * @example
 * ```ts
 * import cluster from 'node:cluster';
 * // In the primary only; each worker calls serve() itself.
 * if (cluster.isPrimary) await startPrimary(resolveOptions({ workers: 2 }), 'http');
 * ```
 */
export function startPrimary(options: ResolvedOptions, scheme: 'http' | 'https'): Promise<Primary> {
  const count = options.workers ?? 1;
  const live = new Set<Worker>();
  // Workers that listen, and so have the IPC handler that closes them gracefully.
  const ready = new WeakSet<Worker>();
  const crashes: number[] = Array.from({ length: count }, () => 0);
  const timers = new Set<NodeJS.Timeout>();
  let stopping = false;
  let started = false;
  let closed: Promise<void> | undefined;

  return new Promise((resolve, reject) => {
    let listening = 0;
    let info: ListenInfo | undefined;

    const close = (timeout = options.shutdownTimeout): Promise<void> => {
      if (closed !== undefined) return closed;
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      closed = Promise.all(
        [...live].map(
          (worker) =>
            new Promise<void>((done) => {
              if (worker.isDead()) {
                done();
                return;
              }
              const kill = setTimeout(() => worker.process.kill('SIGKILL'), timeout + KILL_GRACE);
              worker.once('exit', () => {
                clearTimeout(kill);
                done();
              });
              const message: CloseMessage = { trowel: 'close', timeout };
              if (ready.has(worker) && worker.isConnected()) worker.send(message);
              else worker.process.kill('SIGTERM');
            }),
        ),
      ).then(() => undefined);
      return closed;
    };

    const fork = (slot: number): void => {
      const worker = cluster.fork();
      live.add(worker);
      let listeningSince = 0;
      worker.once('listening', (address) => {
        listeningSince = Date.now();
        ready.add(worker);
        if (started) return;
        info ??= {
          url: `${scheme}://${formatAuthority(displayHost(options.host, address.address), address.port)}`,
          host: address.address,
          port: address.port,
        };
        listening++;
        if (listening === count) {
          started = true;
          resolve({ info, close });
        }
      });
      worker.once('exit', (code, signal) => {
        live.delete(worker);
        if (stopping) return;
        if (!started) {
          void close(0);
          reject(
            new Error(
              `trowel/server: worker ${worker.process.pid ?? '?'} exited (${(signal as string | null) ?? `code ${code}`}) before it listened`,
            ),
          );
          return;
        }
        if (listeningSince !== 0 && Date.now() - listeningSince >= HEALTHY_AFTER) crashes[slot] = 0;
        const crashCount = crashes[slot] ?? 0;
        crashes[slot] = crashCount + 1;
        const delay = Math.min(FIRST_BACKOFF * 2 ** crashCount, MAX_BACKOFF);
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!stopping) fork(slot);
        }, delay);
        timers.add(timer);
      });
    };

    for (let slot = 0; slot < count; slot++) fork(slot);
  });
}

/**
 * The host to show in `server.url`: the configured name when it is one (so a certificate for it
 * matches), else the bound address.
 */
export function displayHost(configured: string, bound: string): string {
  return /^[0-9.]+$/.test(configured) || configured.includes(':') ? bound : configured;
}
