/**
 * The connection pool a proxy sends with: an undici keep-alive `Agent` of its own, made on first
 * use, or the dispatcher the caller gave.
 *
 * When the proxy runs under trowel/server, its own Agent is closed when the server closes (after
 * in-flight requests have finished), so idle upstream connections do not outlive the server; a
 * request that comes later (the same handler served again) gets a fresh Agent. A dispatcher the
 * caller gave is the caller's to close.
 */
import { Agent, type Dispatcher } from 'undici';
import type { Context } from '../core/context.ts';
import { LIFECYCLE, type Lifecycle } from '../core/keys.ts';

/** Hands out the dispatcher for one request. */
export interface DispatcherHolder {
  /** The dispatcher to use for a request arriving with `ctx`. */
  get(ctx: Context): Dispatcher;
}

/** A holder for `dispatcher`, or for an Agent of its own with this connect timeout. */
export function agentHolder(
  dispatcher: Dispatcher | undefined,
  connectTimeout: number,
): DispatcherHolder {
  if (dispatcher !== undefined) return { get: () => dispatcher };
  let agent: Agent | undefined;
  const watched = new WeakSet<Lifecycle>();
  return {
    get(ctx) {
      const lifecycle = ctx.get(LIFECYCLE);
      if (lifecycle !== undefined && !watched.has(lifecycle)) {
        watched.add(lifecycle);
        lifecycle.onClose(async () => {
          const closing = agent;
          agent = undefined;
          await closing?.close();
        });
      }
      // undici reads a connect timeout of 0 as "none".
      agent ??= new Agent({ connect: { timeout: connectTimeout } });
      return agent;
    },
  };
}
