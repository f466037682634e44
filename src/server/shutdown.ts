/**
 * Graceful shutdown: stop accepting, let go of idle keep-alive connections, let in-flight requests
 * finish up to a deadline, then cut whatever is left; then run the close hooks.
 *
 * Every socket the server accepted counts, including one handed over by an upgrade (a WebSocket):
 * Node's own `closeIdleConnections()` and `closeAllConnections()` no longer see those, so an
 * upgraded connection is waited for like an in-flight request and destroyed at the deadline.
 *
 * Every response sent while closing carries `Connection: close` (see `ServerState.closing`), so a
 * keep-alive client does not send another request on a connection that is about to go away; a
 * connection that becomes idle after a response begun before the close is let go within 50 ms.
 */
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { ServerState } from './listener.ts';

const IDLE_SWEEP = 50;

/** Closes the server gracefully; `timeout` is how long in-flight requests get. */
export type Closer = (timeout?: number) => Promise<void>;

/**
 * Tracks `server`'s sockets and returns its graceful `close` together with the state the request
 * listener reads. Calling `close` again returns the same promise; a shorter `timeout` in a later
 * call brings the deadline forward (`0` cuts every connection now). Once every connection is
 * gone, `afterDrain` runs (the lifecycle's close hooks) and `close` resolves when it has.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * const server = createServer();
 * const { state, close } = gracefulCloser(server, 10_000);
 * await close(); // resolves once every connection is gone
 * ```
 */
export function gracefulCloser(
  server: HttpServer | HttpsServer,
  defaultTimeout: number,
  afterDrain: () => Promise<void> = () => Promise.resolve(),
): { readonly state: ServerState; readonly close: Closer } {
  const sockets = new Set<Socket>();
  let onLastSocket: (() => void) | undefined;
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0) onLastSocket?.();
    });
  });
  // Resolves once every socket is gone and the requests on them have seen their 'close' (and
  // aborted their signals), which Node reports on the turn after the server's own 'close'.
  const allSocketsClosed = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        setImmediate(resolve);
      };
      if (sockets.size === 0) done();
      else onLastSocket = done;
    });

  const state: ServerState = { closing: false };
  let sweep: NodeJS.Timeout | undefined;

  let closed: Promise<void> | undefined;
  let deadline = Infinity;
  let timer: NodeJS.Timeout | undefined;
  const cutAll = (): void => {
    server.closeAllConnections();
    // closeAllConnections() only knows HTTP connections; a TLS handshake still in progress, for
    // one, is a socket it has never seen.
    for (const socket of sockets) socket.destroy();
  };
  const schedule = (timeout: number): void => {
    const at = Date.now() + timeout;
    if (at >= deadline) return;
    deadline = at;
    clearTimeout(timer);
    if (timeout <= 0) cutAll();
    else timer = setTimeout(cutAll, timeout);
  };

  const close: Closer = (timeout = defaultTimeout) => {
    if (closed === undefined) {
      state.closing = true;
      closed = new Promise<void>((resolve) => {
        server.close(() => {
          clearTimeout(timer);
          clearInterval(sweep);
          void allSocketsClosed().then(afterDrain).then(resolve);
        });
      });
      server.closeIdleConnections();
      // A response whose head went out before the close began still said keep-alive; its
      // connection turns idle when it ends, and is let go on the next sweep.
      sweep = setInterval(() => {
        server.closeIdleConnections();
      }, IDLE_SWEEP);
    }
    schedule(timeout);
    return closed;
  };
  return { state, close };
}

/**
 * Calls `onSignal` on SIGTERM and SIGINT. Returns a function that removes the handlers.
 *
 * @example
 * ```ts
 * const remove = onTerminationSignals(() => console.log('stopping'));
 * remove();
 * ```
 */
export function onTerminationSignals(onSignal: (signal: NodeJS.Signals) => void): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    onSignal(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}
