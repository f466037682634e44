/**
 * HTTP Upgrade (RFC 9110 §7.8) for trowel/server: how a handler takes over a connection, for a
 * WebSocket (RFC 6455) or any other protocol the client asks to switch to.
 *
 * A request with `Connection: upgrade` and an `Upgrade` field (and no body) reaches the handler as
 * every other request does — same `Request`, same `Context`, same checks and limits — with
 * {@link UPGRADE} set in the context. The handler either calls `accept()`, which sends
 * `101 Switching Protocols` and hands it the raw connection, or answers with a `Response` as usual,
 * which is sent as a plain HTTP/1.1 response with `Connection: close` (Node has already handed the
 * connection over, so it cannot carry another request). An application that knows nothing about
 * upgrades therefore answers them normally, for instance with 404 or 426.
 *
 * Not for: upgrades with a request body (an `h2c` upgrade of a POST). Those are served as ordinary
 * requests with the `Upgrade` field ignored, as RFC 9110 §7.8 allows. HTTP/2 itself is not
 * served.
 */
import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createKey, type Key } from '../core/context.ts';

/**
 * A request's offer to switch protocols, as the handler sees it under {@link UPGRADE}.
 *
 * @example
 * ```ts
 * import { UPGRADE } from 'trowel/server';
 * import type { Handler } from 'trowel';
 *
 * // Switches to a made-up `echo` protocol: every byte the client sends comes back.
 * const app: Handler = (_request, ctx) => {
 *   const upgrade = ctx.get(UPGRADE);
 *   if (upgrade === undefined || !upgrade.protocols.includes('echo')) {
 *     return new Response('ask for Upgrade: echo\n', { status: 426, headers: { upgrade: 'echo' } });
 *   }
 *   const { socket, head } = upgrade.accept({ upgrade: 'echo' });
 *   if (head.byteLength > 0) socket.write(head);
 *   socket.pipe(socket);
 *   return new Response(null); // ignored: the connection is the handler's now
 * };
 * ```
 */
export interface Upgrade {
  /** The tokens of the request's Upgrade header, lowercased: ['websocket']. */
  readonly protocols: readonly string[];
  /** True once accept() was called. */
  readonly accepted: boolean;
  /**
   * Writes `HTTP/1.1 101 Switching Protocols` + `headers` to the client, and hands over the
   * connection: `socket` is the raw client socket, `head` the bytes the client already sent after
   * the request head (may be empty). Throws if called twice.
   *
   * `Connection: upgrade` is added when `headers` has no `Connection` field, and
   * `Upgrade: <the first protocol the client offered>` when it has no `Upgrade` field (RFC 9110
   * §7.8 requires both in a 101). The socket comes as Node's own `'upgrade'` event hands it over:
   * not yet flowing, so attaching a `'data'` listener or piping starts it; the server keeps an
   * `'error'` listener on it, so a reset connection cannot crash the process (it still closes).
   *
   * @throws {TypeError} when a field name or value is invalid (a CR, LF or NUL in it: response
   * splitting), or when there is no `Upgrade` field and the client offered no protocol.
   * @throws {Error} when called twice, after the handler answered with a `Response`, or after the
   * client closed the connection.
   */
  accept(headers?: HeadersInit): { readonly socket: Duplex; readonly head: Uint8Array };
}

/** Present in the Context only for requests that asked to upgrade (Connection: upgrade + Upgrade). */
export const UPGRADE: Key<Upgrade> = createKey<Upgrade>('trowel.server.upgrade');

/** How much the client may send before the handler decides; past it, reading stops. */
const EARLY_DATA_LIMIT = 64 * 1024;

/**
 * The lowercased protocol tokens of an `Upgrade` field value (RFC 9110 §7.8: a comma-separated
 * list of `protocol-name["/" protocol-version]`), empty elements dropped.
 *
 * @example
 * ```ts
 * upgradeProtocols('WebSocket, h2c'); // ['websocket', 'h2c']
 * ```
 */
export function upgradeProtocols(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '');
}

/**
 * True when an upgrade request carries no body: the only upgrades taken over here. Node calls this
 * (its `shouldUpgradeCallback`) for requests that asked to upgrade; one with a body goes to the
 * ordinary request path, where the body can be read, and its `Upgrade` field is ignored.
 */
export function isBodilessUpgrade(req: IncomingMessage): boolean {
  const { headers } = req;
  const length = headers['content-length'];
  return headers['transfer-encoding'] === undefined && (length === undefined || length === '0');
}

/**
 * A `ServerResponse` writing straight to an upgrade request's socket, so that an answer other than
 * `accept()` goes through the same writer (status line and reason phrase, repeated `Set-Cookie`,
 * streamed body with backpressure) as every other response. The socket closes once it is sent.
 */
export function upgradeResponse(req: IncomingMessage, socket: Socket): ServerResponse {
  const res = new ServerResponse(req);
  // Node adds `Connection: close` for a response that does not keep the connection alive.
  res.shouldKeepAlive = false;
  res.assignSocket(socket);
  res.on('finish', () => {
    socket.destroySoon();
  });
  return res;
}

/** The 101 head for `fields`, adding the `Connection` and `Upgrade` fields RFC 9110 §7.8 needs. */
function switchingProtocols(fields: Headers, offered: string | undefined): string {
  let head = 'HTTP/1.1 101 Switching Protocols\r\n';
  let connection = false;
  let upgrade = false;
  // Iterating a Headers keeps each Set-Cookie apart; the constructor already refused any name
  // that is not a token and any value with CR, LF or NUL, so nothing here can split the head.
  for (const [name, value] of fields) {
    if (name === 'connection') connection = true;
    else if (name === 'upgrade') upgrade = true;
    head += `${name}: ${value}\r\n`;
  }
  if (!upgrade) {
    if (offered === undefined) {
      throw new TypeError(
        'Upgrade.accept(): the client offered no protocol; pass an Upgrade field',
      );
    }
    head += `upgrade: ${offered}\r\n`;
  }
  if (!connection) head += 'connection: upgrade\r\n';
  return `${head}\r\n`;
}

/**
 * One upgrade request, from the `'upgrade'` event until the handler accepts it or answers it.
 *
 * Until then the socket is read (and what arrives kept, up to 64 KiB) so that a client that goes
 * away is noticed: its end of the connection closing closes ours, which aborts the request's
 * signal, as on the ordinary path. What was read is handed on as part of `head`.
 */
export class PendingUpgrade implements Upgrade {
  readonly protocols: readonly string[];
  #state: 'pending' | 'accepted' | 'answered' = 'pending';
  readonly #socket: Socket;
  readonly #res: ServerResponse;
  readonly #chunks: Buffer[];
  #received: number;
  readonly #offered: string | undefined;
  readonly #onData = (chunk: Buffer): void => {
    if (this.#state !== 'pending') return;
    this.#chunks.push(chunk);
    this.#received += chunk.byteLength;
    if (this.#received > EARLY_DATA_LIMIT) this.#socket.pause();
  };
  readonly #onEnd = (): void => {
    // The client will send nothing more: as Node's HTTP server does for a half-closed
    // connection, close ours (which fires 'close' and aborts the request's signal).
    if (this.#state === 'pending') this.#socket.end();
  };

  constructor(req: IncomingMessage, socket: Socket, head: Buffer, res: ServerResponse) {
    const value = req.headers.upgrade;
    this.protocols = upgradeProtocols(value);
    this.#offered = value
      ?.split(',')
      .map((token) => token.trim())
      .find((token) => token !== '');
    this.#socket = socket;
    this.#res = res;
    this.#chunks = head.byteLength > 0 ? [head] : [];
    this.#received = 0;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
  }

  get accepted(): boolean {
    return this.#state === 'accepted';
  }

  accept(headers?: HeadersInit): { readonly socket: Duplex; readonly head: Uint8Array } {
    if (this.#state === 'accepted') throw new Error('Upgrade.accept(): already accepted');
    if (this.#state === 'answered') {
      throw new Error('Upgrade.accept(): the handler already answered with a Response');
    }
    const socket = this.#socket;
    if (socket.destroyed || !socket.writable) {
      throw new Error('Upgrade.accept(): the client closed the connection');
    }
    // Validates before anything is written: a refused field leaves the request unanswered, so the
    // handler's error becomes a 500 as usual.
    const head101 = switchingProtocols(new Headers(headers), this.#offered);
    this.#state = 'accepted';
    // The response object no longer speaks for this connection: no 'close' from it, no writes.
    this.#res.detachSocket(socket);
    socket.off('data', this.#onData);
    socket.off('end', this.#onEnd);
    socket.pause();
    // Back to how Node hands a socket to an 'upgrade' listener: neither flowing nor explicitly
    // paused, so the new owner's first 'data' listener starts it.
    (socket as { readableFlowing: boolean | null }).readableFlowing = null;
    socket.write(head101, 'latin1');
    const chunks = this.#chunks;
    const early = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
    chunks.length = 0;
    return { socket, head: early ?? new Uint8Array(0) };
  }

  /** The handler answered (or failed) without accepting: `accept()` is too late from now on. */
  answered(): void {
    if (this.#state !== 'pending') return;
    this.#state = 'answered';
    this.#chunks.length = 0;
  }

  /** Destroys an accepted connection whose handler then failed: nobody is left to serve it. */
  abandon(): void {
    if (this.#state === 'accepted') this.#socket.destroy();
  }
}
