/**
 * @module trowel/spawn
 *
 * Runs a backend server as a child process on demand and proxies to it: the first request starts
 * it (one start however many requests arrive at once; they wait until it is ready), requests are
 * forwarded with `trowel/proxy`, the child is stopped after `idleTimeout` without a request in
 * flight, restarted with exponential backoff after a crash, and stopped when the trowel server
 * closes or the process exits. It replaces WSGIProxy's `wsgiproxy.spawn.SpawningApplication`,
 * which never worked as shipped (missing imports, no `return`, an undefined port attribute) and
 * had no deadline, no reaping and no process-group kill.
 *
 * The backend is any program that serves HTTP in the foreground on a port it is told:
 * `['python3', '-m', 'http.server', '{port}', '--bind', '127.0.0.1']`, a gunicorn or uvicorn
 * command, a Node script reading `PORT`. It is started without a shell, as the leader of its own
 * process group, with an allow-listed environment.
 *
 * When not to use it: for a backend that must always run (start it with your service manager and
 * use `trowel/proxy`), for a program that handles one request and exits (`trowel/cgi`), or on a
 * runtime without `node:child_process`. A backend that daemonizes (forks and lets its parent exit)
 * cannot be supervised: run it in the foreground.
 */
import type { Duplex } from 'node:stream';
import type { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { ServiceUnavailable } from '../core/http-error.ts';
import { LIFECYCLE, type Lifecycle } from '../core/keys.ts';
import { closableAgent } from '../proxy/agent.ts';
import { proxy, type ProxyOptions } from '../proxy/index.ts';
import { UPGRADE, type Upgrade } from '../server/upgrade.ts';
import type { SupervisorOptions } from './options.ts';
import { Supervisor, type SpawnState } from './supervisor.ts';

export type { SpawnOutput, SupervisorOptions } from './options.ts';
export { DEFAULT_INHERIT_ENV } from './options.ts';
export { HEALTHY_AFTER, type SpawnState } from './supervisor.ts';

/** Options of {@link spawn}. */
export interface SpawnOptions extends SupervisorOptions {
  /**
   * Options of the proxy to the child (`trowel/proxy`). spawn's defaults differ from `proxy()`'s,
   * to match WSGIProxy's spawner: `preserveHost: true` (the child sees the client's `Host`),
   * `stripScriptName: false` (it gets the full original path) and `wsgiproxy: true` (it gets
   * `X-Script-Name` with the mount prefix, and WSGIProxyApp's other headers). Values given here
   * win. `dispatcher` defaults to one undici Agent for the app, closed by `close()`.
   * @default { preserveHost: true, stripScriptName: false, wsgiproxy: true }
   */
  readonly proxy?: ProxyOptions;
}

/** The handler {@link spawn} returns, with the child's state and a way to stop it. */
export interface SpawnedApp extends Handler {
  /**
   * Stops the child (SIGTERM to its process group, SIGKILL after `stopTimeout`) and answers every
   * later request with 503. Resolves once the child has exited. Called by itself when a
   * trowel/server that served this app closes. Calling it again returns the same promise.
   */
  close(): Promise<void>;
  /** Where the child is: `stopped`, `starting`, `running` or `stopping`. */
  readonly state: SpawnState;
  /** The child's process id, while there is a child. */
  readonly pid: number | undefined;
  /** The child's port, while there is a child. */
  readonly port: number | undefined;
}

function authority(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${String(port)}`;
}

/**
 * Ends a use of the child when the response body has been sent in full, failed, or been
 * cancelled (the client went away) — not when the head arrives, so that a long response keeps
 * the child from being stopped for idleness.
 */
function releaseWhenSent(response: Response, release: () => void): Response {
  const body = response.body;
  if (body === null) {
    release();
    return response;
  }
  const reader = body.getReader();
  const tracked = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            release();
            controller.close();
          } else {
            controller.enqueue(value);
          }
        } catch (error) {
          release();
          controller.error(error);
        }
      },
      async cancel(reason) {
        release();
        await reader.cancel(reason);
      },
    },
    // Pull only when the consumer asks: backpressure passes straight through to the child.
    { highWaterMark: 0 },
  );
  const { status, statusText, headers } = response;
  return new Response(tracked, { status, statusText, headers });
}

/**
 * `ctx` with an `UPGRADE` whose `accept()` moves the use of the child to the upgraded
 * connection: it ends when that connection closes, not when the handler returns.
 */
function trackUpgrade(ctx: Context, upgrade: Upgrade, onAccept: (socket: Duplex) => void): Context {
  const tracked: Upgrade = {
    get protocols() {
      return upgrade.protocols;
    },
    get accepted() {
      return upgrade.accepted;
    },
    accept(headers) {
      const taken = upgrade.accept(headers);
      onAccept(taken.socket);
      return taken;
    },
  };
  return ctx.derive({}).set(UPGRADE, tracked);
}

/**
 * Starts `options.command` on the first request and proxies every request to it.
 *
 * @throws {ConfigError} `TROWEL_ERR_SPAWN_*` for a bad option, `TROWEL_ERR_PROXY_*` for a bad
 * `proxy` option.
 * @example
 * ```ts
 * import { spawn } from 'trowel/spawn';
 * import { serve } from 'trowel/server';
 *
 * const files = spawn({
 *   command: ['python3', '-m', 'http.server', '{port}', '--bind', '127.0.0.1'],
 *   idleTimeout: 60_000,
 * });
 * const server = await serve(files, { port: 8080 });
 * // … server.close() stops the child too.
 * ```
 */
export function spawn(options: SpawnOptions): SpawnedApp {
  const supervisor = new Supervisor(options);
  const { host } = supervisor.options;
  const ownAgent =
    options.proxy?.dispatcher === undefined
      ? closableAgent(options.proxy?.timeouts?.connect ?? 10_000)
      : undefined;
  const proxyOptions: ProxyOptions = {
    preserveHost: true,
    stripScriptName: false,
    wsgiproxy: true,
    ...options.proxy,
    ...(ownAgent === undefined ? {} : { dispatcher: ownAgent.agent }),
  };
  // Built now so that a bad proxy option is a ConfigError here, not on the first request.
  let current: { readonly port: number; readonly handler: Handler } = {
    port: supervisor.options.port ?? 0,
    handler: proxy(`http://${authority(host, supervisor.options.port ?? 1)}`, proxyOptions),
  };
  const proxyFor = (port: number): Handler => {
    if (current.port !== port) {
      current = { port, handler: proxy(`http://${authority(host, port)}`, proxyOptions) };
    }
    return current.handler;
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= supervisor.close().then(async () => {
      await ownAgent?.close();
    }));
  const watched = new WeakSet<Lifecycle>();

  const handler: Handler = async (request, ctx) => {
    const lifecycle = ctx.get(LIFECYCLE);
    if (lifecycle !== undefined && !watched.has(lifecycle)) {
      watched.add(lifecycle);
      lifecycle.onClose(close);
    }
    const use = await supervisor.acquire(ctx.signal);
    if (!use.ok) {
      const detail =
        use.reason === 'closed' ? 'the backend has been shut down' : 'the backend is not running';
      const retry = use.retryAfter === undefined ? {} : { retryAfter: use.retryAfter };
      return new ServiceUnavailable(detail, retry).toResponse(request);
    }
    const upgrade = ctx.get(UPGRADE);
    // Once the upgrade is accepted, the connection holds the use (see trackUpgrade).
    const tunnel = (): boolean => upgrade?.accepted === true;
    const inner =
      upgrade === undefined
        ? ctx
        : trackUpgrade(ctx, upgrade, (socket) => {
            if (socket.destroyed) use.release();
            else socket.once('close', use.release);
          });
    let response: Response;
    try {
      response = await proxyFor(use.port)(request, inner);
    } catch (error) {
      if (!tunnel()) use.release();
      throw error;
    }
    // An accepted upgrade's response is ignored by the server; the connection holds the use.
    return tunnel() ? response : releaseWhenSent(response, use.release);
  };

  return Object.defineProperties(handler, {
    close: { value: close },
    state: { get: () => supervisor.state, enumerable: true },
    pid: { get: () => supervisor.pid, enumerable: true },
    port: { get: () => supervisor.port, enumerable: true },
  }) as SpawnedApp;
}
