/**
 * The per-request lifecycle: check the head, build the `Request` and `Context`, run the handler,
 * send what it returned, and clean up after a client that went away. Upgrade requests take the same
 * path, on a response object written straight to the handed-over socket (see `upgrade.ts`).
 *
 * What a client sees when something goes wrong: a plain 400 / 413 / 501 for a request the server
 * will not take, a plain 500 (no detail) when the handler throws, rejects or returns something that
 * is not a `Response`, and a cut connection when the body fails after the status went out. The
 * server itself never stops serving because of a request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Handler } from '../core/handler.ts';
import { LIFECYCLE, type Lifecycle } from '../core/keys.ts';
import { requestBody, type RequestBody } from './body.ts';
import {
  createContext,
  createRequest,
  framingStatus,
  locate,
  scanHead,
  type HeadFields,
  type Located,
} from './request.ts';
import { sendStatus, writeResponse, type WriteOptions } from './response.ts';
import { PendingUpgrade, UPGRADE, upgradeResponse } from './upgrade.ts';

/** Server-wide state the listener reads on every request. */
export interface ServerState {
  /** Set once a graceful close began: every response from then on closes its connection. */
  closing: boolean;
}

/** What the listener needs from the resolved options. */
export interface ListenerOptions {
  readonly maxBodySize: number;
  readonly onError: (error: unknown, request: Request) => void;
  /** Set on every request's context under `LIFECYCLE`. */
  readonly lifecycle?: Lifecycle;
}

/** Handles one request; `expectContinue` is true for requests that came with `Expect: 100-continue`. */
export type Listener = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean) => void;

/** Handles one request that asked to upgrade, with the arguments of Node's `'upgrade'` event. */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** The two listeners of one server. */
export interface Listeners {
  /** For Node's `'request'` (`false`) and `'checkContinue'` (`true`) events. */
  readonly request: Listener;
  /** For Node's `'upgrade'` event. */
  readonly upgrade: UpgradeListener;
}

// Node only hands over an upgrade without a body (see isBodilessUpgrade); a Node too old to ask
// first hands over every upgrade, and one with a body cannot be read once the parser let go.
const UPGRADE_WITH_BODY =
  'HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';

const ignore = (): void => undefined;

/** The reason a request's signal aborts with when the client goes away. */
function disconnected(): DOMException {
  return new DOMException('the client closed the connection', 'AbortError');
}

/** Only reachable through a bug in this module: keep serving, but do not hide it. */
function internalError(res: ServerResponse, error: unknown): void {
  console.error('trowel/server: internal error', error);
  res.destroy();
}

/** True when the connection closed before the response was finished: the client went away. */
function gone(res: ServerResponse): boolean {
  return res.destroyed && !res.writableFinished;
}

function isResponse(value: unknown): value is Response {
  // Also accept a Response made by another copy of undici (e.g. the npm package's fetch), which
  // is not an instance of this realm's global Response.
  return value instanceof Response || Object.prototype.toString.call(value) === '[object Response]';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return Object.prototype.toString.call(value).slice(8, -1);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** Why a request is answered without running the handler. */
interface Refusal {
  readonly status: number;
  /** Close the connection afterwards: the head says nothing reliable about what follows it. */
  readonly close: boolean;
}

/**
 * Where the request is addressed, or why it is answered without running the handler.
 */
function admit(
  req: IncomingMessage,
  head: HeadFields,
  scheme: 'http' | 'https',
  maxBodySize: number,
): Located | Refusal {
  const framing = framingStatus(head, req.httpVersion);
  if (framing !== 0) return { status: framing, close: true };
  // RFC 9110 §9.3.7: OPTIONS * asks about the server itself; there is nothing to route. Any
  // other method with an asterisk target is malformed.
  if (req.url === '*') {
    return req.method === 'OPTIONS' ? { status: 200, close: false } : { status: 400, close: true };
  }
  // Fetch refuses TRACE (it would echo credentials back: cross-site tracing). CONNECT never
  // gets here: Node routes it to the server's 'connect' event.
  if (req.method === 'TRACE') return { status: 501, close: false };
  // A declared length over the limit is refused before the body is read, and before any
  // 100 Continue, so the client never sends it (RFC 9110 §15.5.14).
  if (head.contentLength !== undefined && Number(head.contentLength) > maxBodySize) {
    return { status: 413, close: true };
  }
  const located = locate(req, scheme, head.host);
  return located === 400 ? { status: 400, close: true } : located;
}

/** The server-wide parts of a listener that every request uses. */
interface Shared {
  readonly handler: Handler;
  readonly scheme: 'http' | 'https';
  readonly maxBodySize: number;
  readonly state: ServerState;
  readonly report: (error: unknown, request: Request) => void;
  readonly lifecycle: Lifecycle | undefined;
}

/**
 * One request in flight: its state, and the steps from running the handler to the last byte. One
 * object (with two closures) per request rather than a closure per step, since the allocations
 * of the per-request path are a visible share of its cost.
 */
class Exchange implements WriteOptions {
  readonly head: boolean;
  /** Builds (once) the signal that aborts when the client goes away. */
  readonly signal: () => AbortSignal;
  readonly #res: ServerResponse;
  readonly #shared: Shared;
  #body: RequestBody | undefined;
  /** A body came with a GET or HEAD: it is not read, so the connection cannot carry another request. */
  readonly #unreadBody: boolean;
  readonly #expectContinue: boolean;
  #request: Request | undefined;
  // The disconnect signal is built only when the handler (or a middleware) reads it: most never
  // do, and an AbortController per request is a measurable share of the whole request's cost.
  #controller: AbortController | undefined;
  #reader: ReadableStreamDefaultReader<unknown> | undefined;
  /** Set for a request that asked to upgrade: it has no body and its connection closes after. */
  readonly #upgrade: PendingUpgrade | undefined;

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    head: HeadFields,
    shared: Shared,
    expectContinue: boolean,
    upgrade?: PendingUpgrade,
  ) {
    const method = req.method ?? 'GET';
    const framed =
      upgrade === undefined &&
      (head.transferEncoding !== undefined ||
        (head.contentLength !== undefined && head.contentLength !== '0'));
    // Fetch gives GET and HEAD no body. One sent anyway is never read: the connection closes
    // after the response rather than reading an unlimited body just to throw it away.
    const bodiless = method === 'GET' || method === 'HEAD';
    this.head = method === 'HEAD';
    this.#res = res;
    this.#shared = shared;
    this.#unreadBody = framed && bodiless;
    this.#expectContinue = expectContinue;
    this.#upgrade = upgrade;
    this.#body =
      framed && !bodiless ? requestBody(req, res, shared.maxBodySize, expectContinue) : undefined;
    this.signal = () => this.#signal();
    res.on('close', () => {
      this.#closed();
    });
    const body = this.#body;
    if (body !== undefined) {
      res.on('finish', () => {
        // Read what the handler left of the body, so the connection can carry the next request.
        if (!body.complete() && !this.close) body.drain();
      });
    }
  }

  /** Close the connection after this response. */
  get close(): boolean {
    const body = this.#body;
    return (
      this.#shared.state.closing ||
      this.#unreadBody ||
      this.#upgrade !== undefined ||
      (body !== undefined && (body.tooLarge() || (this.#expectContinue && !body.started())))
    );
  }

  /** Builds the request and context, runs the handler and sends what it returns. */
  run(req: IncomingMessage, located: Located): void {
    const { handler, scheme, lifecycle } = this.#shared;
    const request = createRequest(req, located.url, this.signal, this.#body?.stream ?? null);
    this.#request = request;
    const ctx = createContext(request, located, req, scheme, this.signal);
    if (lifecycle !== undefined) ctx.set(LIFECYCLE, lifecycle);
    if (this.#upgrade !== undefined) ctx.set(UPGRADE, this.#upgrade);
    let response: unknown;
    try {
      response = handler(request, ctx);
    } catch (error) {
      this.#fail(error);
      return;
    }
    // Most handlers are async; a synchronous one saves turns of the microtask queue.
    if (isThenable(response)) {
      // Promise.resolve() returns a native promise as is, and adopts any other thenable safely.
      Promise.resolve(response).then(
        (value) => {
          this.#guard(() => {
            this.#respond(value);
          });
        },
        (error: unknown) => {
          this.#guard(() => {
            this.#fail(error);
          });
        },
      );
    } else {
      this.#respond(response);
    }
  }

  onReader(reader: ReadableStreamDefaultReader<unknown>): void {
    this.#reader = reader;
  }

  onStreamError(error: unknown): void {
    if (this.#request !== undefined) this.#shared.report(error, this.#request);
  }

  #respond(response: unknown): void {
    const upgrade = this.#upgrade;
    if (upgrade?.accepted === true) {
      // The connection is the handler's now; whatever it returned is not sent.
      if (isResponse(response)) response.body?.cancel().catch(ignore);
      return;
    }
    upgrade?.answered();
    if (!isResponse(response)) {
      this.#fail(new TypeError(`the handler returned ${describe(response)}, not a Response`));
      return;
    }
    if (gone(this.#res)) {
      response.body?.cancel(disconnected()).catch(ignore);
      return;
    }
    writeResponse(this.#res, response, this).catch((error: unknown) => {
      this.#guard(() => {
        this.#fail(error);
      });
    });
  }

  #fail(error: unknown): void {
    const upgrade = this.#upgrade;
    if (upgrade?.accepted === true) {
      // The 101 went out: there is no status left to send, only a connection nobody serves.
      if (this.#request !== undefined) this.#shared.report(error, this.#request);
      upgrade.abandon();
      return;
    }
    upgrade?.answered();
    const res = this.#res;
    // Nobody is left to answer, and the handler most likely failed because of that.
    if (gone(res)) return;
    if (this.#body?.tooLarge() === true) {
      sendStatus(res, 413, true);
      return;
    }
    if (this.#request !== undefined) this.#shared.report(error, this.#request);
    sendStatus(res, 500, this.close);
  }

  /** Runs a step that has no caller left to throw to. */
  #guard(step: () => void): void {
    try {
      step();
    } catch (error) {
      internalError(this.#res, error);
    }
  }

  #signal(): AbortSignal {
    if (this.#controller !== undefined) return this.#controller.signal;
    const controller = new AbortController();
    this.#controller = controller;
    // Read after the client already left: the signal is born aborted.
    if (gone(this.#res)) controller.abort(disconnected());
    return controller.signal;
  }

  #closed(): void {
    const reader = this.#reader;
    // Let go of the request and both bodies. Node keeps a finished response (and so this
    // listener, and this object) reachable for a moment, under load across a batch of other
    // requests; whatever hangs from it then outlives young-generation collections: measured,
    // 2 KB promoted to the old generation per request, and a quarter of the time per request.
    this.#request = undefined;
    this.#reader = undefined;
    this.#body = undefined;
    // 'close' also follows a finished response; only an unfinished one means the client left.
    if (this.#res.writableFinished) return;
    if (this.#controller === undefined && reader === undefined) return;
    const reason = disconnected();
    this.#controller?.abort(reason);
    reader?.cancel(reason).catch(ignore);
  }
}

/** Answers a request that is not handed to the handler. */
function refuse(res: ServerResponse, refusal: Refusal, close: boolean): void {
  if (refusal.status === 200) {
    res.writeHead(
      200,
      close ? ['content-length', '0', 'connection', 'close'] : ['content-length', '0'],
    );
    res.end();
  } else {
    sendStatus(res, refusal.status, close || refusal.close);
  }
}

/**
 * Makes the functions that serve each request with `handler`: one for ordinary requests, one for
 * requests that asked to upgrade. Both check the head the same way and run the handler through the
 * same steps; an upgrade request just has no body, gets `UPGRADE` in its context, and closes its
 * connection after any answer other than `accept()`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * const state = { closing: false };
 * const onError = (error: unknown) => console.error(error);
 * const listeners = createListener(() => new Response('hi'), { maxBodySize: 1e6, onError }, 'http', state);
 * const server = createServer((req, res) => listeners.request(req, res, false));
 * server.on('upgrade', listeners.upgrade);
 * ```
 */
export function createListener(
  handler: Handler,
  options: ListenerOptions,
  scheme: 'http' | 'https',
  state: ServerState,
): Listeners {
  const { maxBodySize, onError } = options;
  const shared: Shared = {
    handler,
    scheme,
    maxBodySize,
    state,
    report: (error, request) => {
      try {
        onError(error, request);
      } catch {
        // A failing log hook must not take the request (or the server) down with it.
      }
    },
    lifecycle: options.lifecycle,
  };

  const request: Listener = (req, res, expectContinue) => {
    try {
      const head = scanHead(req.rawHeaders);
      const located = admit(req, head, scheme, maxBodySize);
      if ('status' in located) {
        refuse(res, located, false);
        return;
      }
      new Exchange(req, res, head, shared, expectContinue).run(req, located);
    } catch (error) {
      internalError(res, error);
    }
  };

  const upgrade: UpgradeListener = (req, stream, early) => {
    // Node no longer listens on the socket: without this, a reset connection would be an
    // unhandled 'error' event. It also stays for the handler that accepts the upgrade.
    stream.on('error', ignore);
    const head = scanHead(req.rawHeaders);
    // Without a body, what Node hands over is the connection's socket itself.
    const socket = stream;
    if (
      !(socket instanceof Socket) ||
      head.transferEncoding !== undefined ||
      (head.contentLength ?? '0') !== '0'
    ) {
      stream.end(UPGRADE_WITH_BODY);
      return;
    }
    let res: ServerResponse | undefined;
    try {
      res = upgradeResponse(req, socket);
      const located = admit(req, head, scheme, maxBodySize);
      if ('status' in located) {
        refuse(res, located, true);
        return;
      }
      const pending = new PendingUpgrade(req, socket, early, res);
      new Exchange(req, res, head, shared, false, pending).run(req, located);
    } catch (error) {
      if (res === undefined) {
        console.error('trowel/server: internal error', error);
        socket.destroy();
      } else {
        internalError(res, error);
      }
    }
  };

  return { request, upgrade };
}
