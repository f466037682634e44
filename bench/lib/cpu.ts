/**
 * CPU pinning for benchmark processes. The load generator and the server must not compete for the
 * same core, or the figure measures the scheduler rather than the server: with `taskset`
 * (util-linux) and at least two cores, the server runs on core 1 and wrk on core 0.
 *
 * Without `taskset`, or on a one-core machine, commands run unpinned and the report says so.
 */
import { availableParallelism } from 'node:os';
import { findExecutable } from './which.ts';

/** The cores the benchmark uses, or `null` when processes run unpinned. */
export interface Pinning {
  /** The `taskset` binary. */
  readonly taskset: string;
  /** The core the load generator runs on. */
  readonly loadCore: number;
  /** The core the server runs on. */
  readonly serverCore: number;
}

/**
 * Decides how to pin: `null` (with the reason in `why`) when pinning is not possible.
 *
 * @example
 * ```ts
 * const { pinning, why } = detectPinning();
 * if (!pinning) console.warn(`unpinned: ${why}`);
 * ```
 */
export function detectPinning(): { readonly pinning: Pinning | null; readonly why: string } {
  const cores = availableParallelism();
  if (cores < 2) return { pinning: null, why: `only ${cores} core available` };
  const taskset = findExecutable('taskset');
  if (!taskset) return { pinning: null, why: 'taskset not found (apt-get install -y util-linux)' };
  return {
    pinning: { taskset, loadCore: 0, serverCore: 1 },
    why: 'wrk on core 0, server on core 1',
  };
}

/**
 * Prefixes a command with `taskset -c <core>` when pinning is on; otherwise returns it unchanged.
 *
 * @example
 * ```ts
 * const [file, ...args] = pinned(pinning, pinning?.serverCore, [process.execPath, 'server.ts']);
 * ```
 */
export function pinned(
  pinning: Pinning | null,
  core: number | undefined,
  command: readonly [string, ...string[]],
): readonly [string, ...string[]] {
  if (!pinning || core === undefined) return command;
  return [pinning.taskset, '-c', String(core), ...command];
}
