/**
 * Context keys shared by several capabilities: the authenticated user and how they were
 * authenticated (CGI's and WSGI's `REMOTE_USER` and `AUTH_TYPE`), which every authentication
 * middleware writes and gateways such as `cgi()` and the proxy's forwarded context read; and the
 * running server's {@link Lifecycle}, which trowel/server sets so that components holding
 * resources (connection pools, child processes, open files) can release them when it closes.
 */
import { createKey, type Key } from './context.ts';

/** The authenticated user's name (WSGI `REMOTE_USER`). */
export const REMOTE_USER: Key<string> = createKey<string>('trowel.remoteUser');

/** How the user was authenticated — `Basic`, `Digest`, `auth_tkt`, … (WSGI `AUTH_TYPE`). */
export const AUTH_TYPE: Key<string> = createKey<string>('trowel.authType');

/**
 * The lifecycle of the server a request arrived on. One object per server, the same for every
 * request it serves; with worker processes, one per worker.
 *
 * @example
 * ```ts
 * import { LIFECYCLE, type Handler } from 'trowel';
 *
 * const pools = new WeakSet<object>();
 * const app: Handler = (_request, ctx) => {
 *   const lifecycle = ctx.get(LIFECYCLE);
 *   if (lifecycle !== undefined && !pools.has(lifecycle)) {
 *     pools.add(lifecycle);
 *     lifecycle.onClose(async () => {
 *       // flush buffers, close the pool, stop child processes …
 *     });
 *   }
 *   return new Response('ok');
 * };
 * ```
 */
export interface Lifecycle {
  /**
   * Runs `hook` when the server closes: after in-flight requests have drained (or been cut at the
   * shutdown deadline), before `close()` resolves. `close()` waits for the promise a hook returns;
   * a hook that throws or rejects is reported and does not keep the others from running. Hooks
   * run one at a time, the last registered first, so a resource registered after the one it
   * depends on is released before it. Returns a function that unregisters the hook.
   *
   * @throws {TypeError} when `hook` is not a function.
   */
  onClose(hook: () => void | Promise<void>): () => void;
}

/**
 * Set by trowel/server on every request's `Context`: the running server's {@link Lifecycle}.
 * Unset outside a server (in-process tests, `toFetch()` on another runtime), so read it with
 * `ctx.get()` and treat `undefined` as "nobody will tell you about a shutdown".
 */
export const LIFECYCLE: Key<Lifecycle> = createKey<Lifecycle>('trowel.lifecycle');
