/**
 * The connection pool a proxy sends with: an undici keep-alive `Agent` of its own, made on first
 * use, or the dispatcher the caller gave.
 *
 * When the proxy runs under trowel/server, its own Agent is closed when the server closes (after
 * in-flight requests have finished), so idle upstream connections do not outlive the server; a
 * request that comes later (the same handler served again) gets a fresh Agent. Closing waits at
 * most {@link CLOSE_GRACE} ms for exchanges still running — one whose response body was dropped
 * unread stays paused for ever, and undici's body timer does not run while it is paused — and then
 * destroys the Agent, cutting them. A dispatcher the caller gave is the caller's to close.
 *
 * The Agent's TLS connections verify the upstream's certificate against the name the proxy was
 * told to connect to (see {@link servername}); an IP literal is checked as an address, with no SNI
 * (RFC 6066 §3 allows only host names there).
 */
import { isIP } from 'node:net';
import { Agent, buildConnector, Pool, type Dispatcher } from 'undici';
import type { Context } from '../core/context.ts';
import { LIFECYCLE, type Lifecycle } from '../core/keys.ts';

/** How long (ms) closing the proxy's own Agent waits for running exchanges before cutting them. */
export const CLOSE_GRACE = 1_000;

/** Hands out the dispatcher for one request. */
export interface DispatcherHolder {
  /** The dispatcher to use for a request arriving with `ctx`. */
  get(ctx: Context): Dispatcher;
}

/** The TLS server name for a host as `URL.hostname` spells it: IPv6 literals lose their brackets. */
export function servername(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/**
 * undici's connector, minus an IP-literal server name: Node would send it as SNI (with a
 * deprecation warning) where RFC 6066 allows only host names; without it, the certificate is
 * checked against the address connected to, which is the same address.
 */
function connector(timeout: number): buildConnector.connector {
  // undici reads a connect timeout of 0 as "none".
  const connect = buildConnector({ timeout });
  return (options, callback) => {
    const { servername: name, ...rest } = options;
    connect(name !== undefined && isIP(name) !== 0 ? rest : options, callback);
  };
}

/** An undici Agent that can be closed with a deadline. */
export interface ClosableAgent {
  readonly agent: Agent;
  /**
   * Closes the Agent: idle connections at once, running exchanges when they end — or, after
   * `grace` ms, by destroying their connections.
   */
  close(grace?: number): Promise<void>;
}

/**
 * A keep-alive Agent with this connect timeout (`0`: none) whose pools it keeps hold of: undici's
 * `Agent.close()` forgets its pools before they have closed, so a later `destroy()` would reach
 * none of them.
 */
export function closableAgent(connectTimeout: number): ClosableAgent {
  const pools = new Set<Pool>();
  const agent = new Agent({
    connect: connector(connectTimeout),
    factory: (origin, options) => {
      const pool = new Pool(origin, options);
      pools.add(pool);
      return pool;
    },
  });
  return {
    agent,
    async close(grace = CLOSE_GRACE) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => {
        timer = setTimeout(resolve, grace, 'late');
      });
      try {
        const outcome = await Promise.race([agent.close().then(() => 'closed' as const), late]);
        if (outcome === 'late') {
          const error = new Error('the server closed while this upstream exchange was unfinished');
          await Promise.all([...pools].map((pool) => pool.destroy(error)));
        }
      } finally {
        clearTimeout(timer);
        pools.clear();
      }
    },
  };
}

/** A holder for `dispatcher`, or for an Agent of its own with this connect timeout. */
export function agentHolder(
  dispatcher: Dispatcher | undefined,
  connectTimeout: number,
): DispatcherHolder {
  if (dispatcher !== undefined) return { get: () => dispatcher };
  let own: ClosableAgent | undefined;
  const watched = new WeakSet<Lifecycle>();
  return {
    get(ctx) {
      const lifecycle = ctx.get(LIFECYCLE);
      if (lifecycle !== undefined && !watched.has(lifecycle)) {
        watched.add(lifecycle);
        lifecycle.onClose(async () => {
          const closing = own;
          own = undefined;
          await closing?.close();
        });
      }
      own ??= closableAgent(connectTimeout);
      return own.agent;
    },
  };
}
