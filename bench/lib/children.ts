/**
 * Keeps track of every child process the benchmark runner starts (servers and load generators) so
 * that none outlives the runner: on a normal exit, an uncaught error, SIGINT or SIGTERM, every child
 * still running is killed.
 *
 * Not for general process supervision: it only ever kills, it never restarts.
 */
import type { ChildProcess } from 'node:child_process';

const live = new Set<ChildProcess>();
let installed = false;

/**
 * Registers a child so that {@link killAll} (and the exit hooks) reach it; it is forgotten once it
 * exits.
 *
 * @example
 * ```ts
 * import { spawn } from 'node:child_process';
 * const child = track(spawn('sleep', ['60']));
 * ```
 */
export function track<T extends ChildProcess>(child: T): T {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/**
 * Kills every tracked child that is still running, with SIGKILL: it is called on the way out, when
 * there is no time to wait for a graceful close.
 *
 * @example
 * ```ts
 * process.on('exit', killAll);
 * ```
 */
export function killAll(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

/**
 * Installs the exit hooks once: children die with the runner on exit, SIGINT and SIGTERM (the
 * runner then exits with 130 or 143, as a shell would report).
 *
 * @example
 * ```ts
 * killChildrenOnExit();
 * ```
 */
export function killChildrenOnExit(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`\nbench: ${signal}, stopping\n`);
      killAll();
      process.exit(code);
    });
  }
}
