/**
 * The server side of the core's `Lifecycle`: the hooks that components register through
 * `ctx.get(LIFECYCLE).onClose()`, run once when the server closes.
 *
 * One `Lifecycle` per server (per worker process with `workers`), set on every request's
 * `Context`: setting it costs one `Map.set` on a map every context already has.
 */
import type { Lifecycle } from '../core/keys.ts';

/** A server's lifecycle, with the function its `close()` calls once connections are gone. */
export interface ServerLifecycle {
  /** What requests see under `LIFECYCLE`. */
  readonly lifecycle: Lifecycle;
  /**
   * Runs every registered hook, the last registered first, one at a time; a failing hook is
   * passed to `report` and the next one still runs. Resolves when all are done; never rejects.
   */
  readonly runHooks: () => Promise<void>;
}

function defaultReport(error: unknown): void {
  console.error('trowel/server: a close hook failed:', error);
}

/**
 * Makes the lifecycle of one server.
 *
 * @param report - receives what a hook threw or rejected with. @default logs to stderr
 * @example
 * ```ts
 * const { lifecycle, runHooks } = createLifecycle();
 * const unregister = lifecycle.onClose(() => console.log('closing'));
 * await runHooks(); // logs "closing"
 * unregister();
 * ```
 */
export function createLifecycle(report: (error: unknown) => void = defaultReport): ServerLifecycle {
  // One entry object per registration: the same function registered twice runs twice, and each
  // unregister function removes its own registration only.
  const hooks = new Set<{ readonly hook: () => void | Promise<void> }>();
  const lifecycle: Lifecycle = {
    onClose(hook) {
      if (typeof hook !== 'function') {
        throw new TypeError('Lifecycle.onClose(): the hook must be a function');
      }
      const entry = { hook };
      hooks.add(entry);
      return () => {
        hooks.delete(entry);
      };
    },
  };
  const runHooks = async (): Promise<void> => {
    // Hooks registered while these run are not waited for: the server is already gone.
    const entries = [...hooks].reverse();
    hooks.clear();
    for (const { hook } of entries) {
      try {
        await hook();
      } catch (error) {
        try {
          report(error);
        } catch {
          // A failing log hook must not stop the remaining close hooks.
        }
      }
    }
  };
  return { lifecycle, runHooks };
}
