/**
 * `moduleGraph()`: the source files this process has loaded — every `file:` module, ES or
 * CommonJS, TypeScript or JavaScript or JSON, outside `node_modules` — recorded by a process-wide
 * module hook (`module.registerHooks`) from the first call on. It is how a reloader learns what to
 * watch without being told: the application's own code, however it was imported.
 *
 * Modules loaded before the first call are not seen: call it before importing the application.
 * Packages under `node_modules` are left out (an upgrade is a restart by hand, or a watched
 * lockfile); so are modules loaded from `data:` or `node:` URLs, which have no file to watch.
 */
import nodeModule from 'node:module';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/config-error.ts';

/** The files loaded so far, and the ones to come. */
export interface ModuleGraph {
  /** Every file loaded since the graph was started, absolute, in load order. */
  files(): readonly string[];
  /**
   * Calls `listener` with each new file, synchronously, just before Node reads it (so a stat
   * there sees the version about to load). Returns a function that unsubscribes.
   */
  subscribe(listener: (file: string) => void): () => void;
}

let graph: ModuleGraph | undefined;

/**
 * Starts recording the modules this process loads (once per process: later calls return the same
 * graph).
 *
 * @throws {ConfigError} `TROWEL_ERR_RELOADER_UNSUPPORTED` on a Node without `module.registerHooks`
 * (before 22.15).
 *
 * @example
 * ```ts
 * import { moduleGraph } from 'trowel/reloader';
 *
 * const graph = moduleGraph();
 * await import('node:path');
 * console.log(graph.files()); // the application files imported since, not node:path
 * ```
 */
export function moduleGraph(): ModuleGraph {
  if (graph !== undefined) return graph;
  if (typeof nodeModule.registerHooks !== 'function') {
    throw new ConfigError(
      'TROWEL_ERR_RELOADER_UNSUPPORTED',
      `moduleGraph() needs module.registerHooks, which this Node (${process.version}) lacks: use Node 22.15 or later`,
    );
  }
  const files = new Set<string>();
  const listeners = new Set<(file: string) => void>();
  nodeModule.registerHooks({
    load(url, context, nextLoad) {
      if (url.startsWith('file:') && !url.includes('/node_modules/')) {
        const file = fileURLToPath(url);
        if (!files.has(file)) {
          files.add(file);
          for (const listener of listeners) listener(file);
        }
      }
      return nextLoad(url, context);
    },
  });
  graph = {
    files: () => [...files],
    subscribe: (listener) => {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
  return graph;
}
