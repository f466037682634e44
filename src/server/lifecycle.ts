/**
 * The server side of the core's `Lifecycle`: the hooks that components register through
 * `ctx.get(LIFECYCLE).onClose()`, run once when the server closes.
 *
 * Each hook gets a deadline: one that has not settled by then is reported and left behind, and the
 * next one runs, so a hook waiting on something that never ends (a connection pool with a stalled
 * exchange, a child that ignores its signals) cannot keep `close()` from resolving.
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
   * Runs every registered hook, the last registered first, one at a time; a failing hook, or one
   * still running at its deadline, is passed to `report` and the next one still runs. Resolves
   * when all are done or given up on; never rejects.
   */
  readonly runHooks: () => Promise<void>;
}

function defaultReport(error: unknown): void {
  console.error('trowel/server: a close hook failed:', error);
}

/** How long (ms) one close hook may run before `close()` goes on without it. */
export const HOOK_TIMEOUT = 10_000;

// setTimeout() takes a signed 32-bit delay; a longer one fires after 1 ms.
const MAX_TIMER = 2_147_483_647;

/** Settles when `promise` does, or rejects with a timeout error after `ms`. */
async function deadline(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`a close hook did not finish within ${String(ms)} ms; closing goes on`));
    }, ms);
  });
  try {
    await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Makes the lifecycle of one server.
 *
 * @param report - receives what a hook threw or rejected with, and a timeout error for a hook
 * given up on. @default logs to stderr
 * @param hookTimeout - ms each hook may run (1 to 2^31 - 1). @default HOOK_TIMEOUT (10 s)
 * @throws {RangeError} for a `hookTimeout` outside that range.
 * @example
 * ```ts
 * const { lifecycle, runHooks } = createLifecycle();
 * const unregister = lifecycle.onClose(() => console.log('closing'));
 * await runHooks(); // logs "closing"
 * unregister();
 * ```
 */
export function createLifecycle(
  report: (error: unknown) => void = defaultReport,
  hookTimeout: number = HOOK_TIMEOUT,
): ServerLifecycle {
  if (!Number.isInteger(hookTimeout) || hookTimeout < 1 || hookTimeout > MAX_TIMER) {
    throw new RangeError(
      `createLifecycle(): hookTimeout must be an integer from 1 to ${String(MAX_TIMER)} ms, got ${String(hookTimeout)}`,
    );
  }
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
        // An async wrapper: a hook that throws synchronously is reported like one that rejects.
        await deadline(
          (async () => {
            await hook();
          })(),
          hookTimeout,
        );
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
