/**
 * The per-request lifecycle: check the head, build the `Request` and `Context`, run the handler,
 * send what it returned, and clean up after a client that went away.
 *
 * What a client sees when something goes wrong: a plain 400 / 413 / 501 for a request the server
 * will not take, a plain 500 (no detail) when the handler throws, rejects or returns something that
 * is not a `Response`, and a cut connection when the body fails after the status went out. The
 * server itself never stops serving because of a request.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Handler } from '../core/handler.ts';
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
import { sendStatus, writeResponse } from './response.ts';

/** Server-wide state the listener reads on every request. */
export interface ServerState {
  /** Set once a graceful close began: every response from then on closes its connection. */
  closing: boolean;
}

/** What the listener needs from the resolved options. */
export interface ListenerOptions {
  readonly maxBodySize: number;
  readonly onError: (error: unknown, request: Request) => void;
}

/** Handles one request; `expectContinue` is true for requests that came with `Expect: 100-continue`. */
export type Listener = (req: IncomingMessage, res: ServerResponse, expectContinue: boolean) => void;

const ignore = (): void => undefined;

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

/**
 * Makes the function that serves each request with `handler`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * const state = { closing: false };
 * const onError = (error: unknown) => console.error(error);
 * const listener = createListener(() => new Response('hi'), { maxBodySize: 1e6, onError }, 'http', state);
 * createServer((req, res) => listener(req, res, false));
 * ```
 */
export function createListener(
  handler: Handler,
  options: ListenerOptions,
  scheme: 'http' | 'https',
  state: ServerState,
): Listener {
  const { maxBodySize, onError } = options;
  const report = (error: unknown, request: Request): void => {
    try {
      onError(error, request);
    } catch {
      // A failing log hook must not take the request (or the server) down with it.
    }
  };

  const handle = async (
    req: IncomingMessage,
    res: ServerResponse,
    expectContinue: boolean,
  ): Promise<void> => {
    const head = scanHead(req.rawHeaders);
    const located = admit(req, head, scheme, maxBodySize);
    if ('status' in located) {
      if (located.status === 200) {
        res.writeHead(200, ['content-length', '0']);
        res.end();
      } else {
        sendStatus(res, located.status, located.close);
      }
      return;
    }
    const method = req.method ?? 'GET';
    const framed =
      head.transferEncoding !== undefined ||
      (head.contentLength !== undefined && head.contentLength !== '0');
    // Fetch gives GET and HEAD no body. One sent anyway is never read: the connection closes
    // after the response rather than reading an unlimited body just to throw it away.
    const bodiless = method === 'GET' || method === 'HEAD';
    const body: RequestBody | undefined =
      framed && !bodiless ? requestBody(req, res, maxBodySize, expectContinue) : undefined;
    const mustClose = (): boolean =>
      state.closing ||
      (framed && bodiless) ||
      (body !== undefined && (body.tooLarge() || (expectContinue && !body.started())));

    const controller = new AbortController();
    let reader: ReadableStreamDefaultReader<unknown> | undefined;
    res.on('close', () => {
      // 'close' also follows a finished response; only an unfinished one means the client left.
      if (res.writableFinished) return;
      const reason = new DOMException('the client closed the connection', 'AbortError');
      controller.abort(reason);
      reader?.cancel(reason).catch(ignore);
    });
    if (body !== undefined) {
      res.on('finish', () => {
        // Read what the handler left of the body, so the connection can carry the next request.
        if (!body.complete() && !mustClose()) body.drain();
      });
    }

    const request = createRequest(req, located.url, controller.signal, body?.stream ?? null);
    const ctx = createContext(request, located, req, scheme, controller.signal);
    const failed = (error: unknown): void => {
      // Nobody is left to answer, and the handler most likely failed because of that.
      if (controller.signal.aborted) return;
      if (body?.tooLarge() === true) {
        sendStatus(res, 413, true);
        return;
      }
      report(error, request);
      sendStatus(res, 500, mustClose());
    };

    let response: unknown;
    try {
      response = handler(request, ctx);
      // Most handlers are async; a synchronous one saves a turn of the microtask queue.
      if (isThenable(response)) response = await response;
    } catch (error) {
      failed(error);
      return;
    }
    if (!isResponse(response)) {
      failed(new TypeError(`the handler returned ${describe(response)}, not a Response`));
      return;
    }
    if (controller.signal.aborted) {
      response.body?.cancel(controller.signal.reason).catch(ignore);
      return;
    }
    try {
      await writeResponse(res, response, {
        head: method === 'HEAD',
        close: mustClose(),
        onReader: (r) => {
          reader = r;
        },
        onStreamError: (error) => {
          report(error, request);
        },
      });
    } catch (error) {
      failed(error);
    }
  };

  return (req, res, expectContinue) => {
    handle(req, res, expectContinue).catch((error: unknown) => {
      // Only reachable through a bug in this module; keep serving, but do not hide it.
      console.error('trowel/server: internal error', error);
      res.destroy();
    });
  };
}
