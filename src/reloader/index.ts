/**
 * @module trowel/reloader
 *
 * Restarts a server when its code or config changes, without refusing a single connection: what
 * `trowel serve --reload` runs, and the pieces it is made of, for programs that want the same.
 * It replaces `paste.reloader` (a thread that polled every module's mtime once a second and
 * called `os._exit(3)` on a change, so that `paster serve --reload` would start a new process —
 * with the port closed in between, and without cleanup).
 *
 * - {@link watchFiles} watches files and directories with `fs.watch` on their directories, falls
 *   back to polling where that fails (or everywhere, with `poll: true`), and reports each burst
 *   of saves once, debounced.
 * - {@link moduleGraph} records every source file the process loads (a module hook), which is
 *   what a reloader should watch.
 * - {@link startReloader} (in the `node:cluster` primary) and {@link joinReloader} (in each
 *   worker) restart the workers on a change: the primary keeps the listening socket, starts the
 *   new workers beside the old ones, and stops the old ones gracefully once the new ones listen.
 *   A broken change leaves the old workers serving until the next one.
 *
 * When not to use it: in production (it is a development tool; deploy a new version with your
 * process manager), for a change of the listening address or port (the primary keeps its socket:
 * restart by hand), or for state held in memory, which a restart loses.
 */
export { moduleGraph, type ModuleGraph } from './module-graph.ts';
export {
  ReloaderStartError,
  startReloader,
  type Reloader,
  type ReloaderEvent,
  type ReloaderOptions,
} from './primary.ts';
export {
  MAX_POLLED_FILES,
  watchFiles,
  type AddOptions,
  type FileWatcher,
  type WatchOptions,
} from './watch.ts';
export { isReloaderWorker, joinReloader, type ReloaderWorker } from './worker.ts';
