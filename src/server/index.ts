/**
 * @module trowel/server
 *
 * Runs a trowel {@link Handler} (or any `(request) => Response` function) on Node's `http` or
 * `https` server: HTTP/1.1 with keep-alive, streamed request and response bodies with
 * backpressure, `Expect: 100-continue`, limits on head size, body size and time, graceful shutdown,
 * and optional worker processes. It replaces `paste.httpserver` (`egg:Paste#http`), keeping its
 * configuration surface (host, port, TLS certificate, timeouts, limits) and none of its thread
 * pool.
 *
 * Each request reaches the handler as a real Fetch `Request` with an absolute URL, and a
 * {@link Context} whose `scriptName` is `''` and whose `pathInfo` is the request's path exactly as
 * `new URL(request.url).pathname` gives it (dot-segments resolved), with `remoteAddr`,
 * `remotePort`, `scheme` (`https` under TLS), `host` (the `Host` header, or the local address when
 * there is none) and a `signal` that aborts when the client goes away.
 *
 * Every context also carries the server's `Lifecycle` under `LIFECYCLE`: hooks registered
 * with `onClose()` run when `close()` has drained the connections, before it resolves.
 *
 * Requests that ask to switch protocols (`Connection: upgrade` + `Upgrade`, RFC 9110 §7.8: a
 * WebSocket handshake) reach the handler the same way, with `UPGRADE` in the context: the
 * handler calls `accept()` to send `101 Switching Protocols` and take over the raw socket, or
 * answers with a `Response` as usual (sent with `Connection: close`).
 *
 * When not to use it: behind a serverless runtime, Deno or Bun, pass the handler to the runtime's
 * own server through `toFetch()` instead; for HTTP/2, use a server that has it. WebSocket framing
 * is not built in: take the socket from `accept()` to a WebSocket library, or proxy it with
 * `trowel/proxy`. Forwarded headers (`X-Forwarded-*`, `Forwarded`) are not read here: put the
 * `forwarded` middleware, configured with the proxies you trust, in front of the application.
 */
import cluster from 'node:cluster';
import { readFile } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ConfigError } from '../core/config-error.ts';
import type { Handler } from '../core/handler.ts';
import { displayHost, isCloseMessage, startPrimary } from './cluster.ts';
import { createLifecycle } from './lifecycle.ts';
import { createListener } from './listener.ts';
import {
  resolveOptions,
  type ResolvedOptions,
  type ServeOptions,
  type TlsFiles,
  type TlsPem,
} from './options.ts';
import { gracefulCloser, onTerminationSignals } from './shutdown.ts';
import { formatAuthority } from './target.ts';
import { isBodilessUpgrade } from './upgrade.ts';

export { BodyTooLargeError } from './body.ts';
export type { ListenInfo, ServeOptions, TlsFiles, TlsPem } from './options.ts';
export { UPGRADE, type Upgrade } from './upgrade.ts';

/** A running server, as {@link serve} resolves it. */
export interface TrowelServer {
  /** `http://host:port` or `https://host:port`, without a trailing slash. */
  readonly url: string;
  /** The bound port (the real one when `port: 0` was asked for). */
  readonly port: number;
  /** The bound address. */
  readonly host: string;
  /**
   * The Node server underneath, for what trowel does not wrap. `undefined` in the primary process
   * of a `workers` cluster, which holds no server of its own.
   */
  readonly node: HttpServer | HttpsServer | undefined;
  /**
   * Closes gracefully: stops accepting, closes idle connections, lets in-flight requests (and
   * upgraded connections, such as WebSockets) finish for up to `timeout` ms (default
   * `shutdownTimeout`), then cuts the rest; then runs the `Lifecycle` close hooks. Resolves
   * when every connection is gone and every hook is done (with workers: when every worker has
   * exited, each having run its own hooks). Calling it again returns the same promise.
   */
  close(options?: { readonly timeout?: number }): Promise<void>;
}

const NOT_A_TUNNEL =
  'HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

async function readTls(tls: TlsPem | TlsFiles): Promise<TlsPem> {
  if ('cert' in tls) return tls;
  const read = async (path: string): Promise<Buffer> => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new ConfigError('TROWEL_ERR_SERVER_TLS', `serve(): cannot read TLS file ${path}`, {
        cause: error,
      });
    }
  };
  const [cert, key] = await Promise.all([read(tls.certFile), read(tls.keyFile)]);
  return tls.passphrase === undefined ? { cert, key } : { cert, key, passphrase: tls.passphrase };
}

function createNodeServer(
  options: ResolvedOptions,
  tls: TlsPem | undefined,
): HttpServer | HttpsServer {
  const common = {
    maxHeaderSize: options.maxHeaderSize,
    headersTimeout: options.headersTimeout,
    requestTimeout: options.requestTimeout,
    keepAliveTimeout: options.keepAliveTimeout,
    // Node checks the two timeouts on this interval; make it fine enough for the shortest one.
    connectionsCheckingInterval: Math.max(
      50,
      Math.min(
        30_000,
        Math.floor(Math.min(options.headersTimeout, options.requestTimeout || Infinity) / 4),
      ),
    ),
    // RFC 9112 §3.2: an HTTP/1.1 request without Host gets 400.
    requireHostHeader: true,
    // An upgrade with a body is served as an ordinary request (RFC 9110 §7.8 lets a server ignore
    // Upgrade), where the body can be read.
    shouldUpgradeCallback: isBodilessUpgrade,
  };
  if (tls === undefined) return createHttpServer(common);
  try {
    return createHttpsServer({ ...common, ...tls });
  } catch (error) {
    throw new ConfigError(
      'TROWEL_ERR_SERVER_TLS',
      `serve(): the TLS certificate or key was refused: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

function listen(
  server: HttpServer | HttpsServer,
  port: number,
  host: string,
): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      reject(error);
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/**
 * Serves `handler` over HTTP (or HTTPS with `tls`) and resolves once the server listens.
 *
 * @throws {ConfigError} (as a rejection) for an invalid option: `TROWEL_ERR_SERVER_INVALID_HANDLER`,
 * `TROWEL_ERR_SERVER_INVALID_OPTION`, `TROWEL_ERR_SERVER_TLS`. Listening errors such as
 * `EADDRINUSE` reject with Node's error.
 *
 * @example
 * ```ts
 * import { serve } from 'trowel/server';
 *
 * const server = await serve(() => new Response('Hello, world!\n'), { port: 0 });
 * console.log(`serving on ${server.url}`);
 * await server.close();
 * ```
 */
export async function serve(handler: Handler, options: ServeOptions = {}): Promise<TrowelServer> {
  if (typeof handler !== 'function') {
    throw new ConfigError(
      'TROWEL_ERR_SERVER_INVALID_HANDLER',
      'serve(): the handler must be a function',
    );
  }
  const resolved = resolveOptions(options);
  const tls = resolved.tls === undefined ? undefined : await readTls(resolved.tls);
  const scheme = tls === undefined ? 'http' : 'https';

  if (resolved.workers !== undefined && cluster.isPrimary) {
    // Build (and throw away) a server, so a bad certificate fails here and not in every worker.
    if (tls !== undefined) createNodeServer(resolved, tls);
    const primary = await startPrimary(resolved, scheme);
    const server: TrowelServer = {
      ...primary.info,
      node: undefined,
      close: (closeOptions) => primary.close(closeOptions?.timeout),
    };
    if (resolved.handleSignals) exitOnSignal(server);
    resolved.onListen?.(primary.info);
    return server;
  }

  const node = createNodeServer(resolved, tls);
  // Each close hook gets the shutdown timeout (at least 1 s: 0 means "cut connections at once",
  // not "give cleanup no time").
  const { lifecycle, runHooks } = createLifecycle(
    undefined,
    Math.min(Math.max(resolved.shutdownTimeout, 1000), 2_147_483_647),
  );
  const { state, close } = gracefulCloser(node, resolved.shutdownTimeout, runHooks);
  const listeners = createListener(handler, { ...resolved, lifecycle }, scheme, state);
  node.on('request', (req, res) => {
    listeners.request(req, res, false);
  });
  node.on('checkContinue', (req, res) => {
    listeners.request(req, res, true);
  });
  node.on('upgrade', listeners.upgrade);
  // Without a listener Node would drop a CONNECT silently; this is an origin server, not a tunnel.
  node.on('connect', (_req, socket: Duplex) => {
    socket.end(NOT_A_TUNNEL);
  });
  const address = await listen(node, resolved.port, resolved.host);
  const info = {
    url: `${scheme}://${formatAuthority(displayHost(resolved.host, address.address), address.port)}`,
    host: address.address,
    port: address.port,
  };
  const server: TrowelServer = {
    ...info,
    node,
    close: (closeOptions) => close(closeOptions?.timeout),
  };
  if (resolved.handleSignals) exitOnSignal(server);
  if (cluster.isWorker) {
    // The primary asks its workers to close through the IPC channel.
    process.on('message', (message) => {
      if (!isCloseMessage(message)) return;
      void server.close({ timeout: message.timeout }).then(() => process.exit(0));
    });
  }
  // With workers, the primary reports the address once for all of them.
  if (!(cluster.isWorker && resolved.workers !== undefined)) resolved.onListen?.(info);
  return server;
}

/** SIGTERM/SIGINT: close gracefully, then exit 0; a second signal cuts the remaining connections. */
function exitOnSignal(server: TrowelServer): void {
  let signalled = false;
  onTerminationSignals(() => {
    if (signalled) {
      void server.close({ timeout: 0 });
      return;
    }
    signalled = true;
    void server.close().then(() => process.exit(0));
  });
}
