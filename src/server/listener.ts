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
import { createContext, createRequest, framingStatus, locate, scanHead } from './request.ts';
import { sendStatus, writeResponse } from './response.ts';

/** Server-wide state the listener reads on every request. */
export interface ServerState {
  /** Set once a graceful close began: every response from then on closes its connection. */
  closing: boolean;
  /** Called after each response while closing, to let go of connections that went idle. */
  readonly afterResponse: () => void;
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

// A function, not a property read: TypeScript would keep `res.destroyed` narrowed across awaits.
function isGone(res: ServerResponse): boolean {
  return res.destroyed;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return Object.prototype.toString.call(value).slice(8, -1);
}

/**
 * Makes the function that serves each request with `handler`.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * const listener = createListener(() => new Response('hi'), options, 'http', state);
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
    const framing = framingStatus(head, req.httpVersion);
    if (framing !== 0) {
      sendStatus(res, framing, true);
      return;
    }
    const method = req.method ?? 'GET';
    if (req.url === '*') {
      // RFC 9110 §9.3.7: OPTIONS * asks about the server itself; there is nothing to route.
      if (method !== 'OPTIONS') {
        sendStatus(res, 400, true);
        return;
      }
      res.writeHead(200, ['content-length', '0']);
      res.end();
      return;
    }
    // Fetch refuses TRACE (it would echo credentials back: cross-site tracing). CONNECT never
    // gets here: Node routes it to the server's 'connect' event.
    if (method === 'TRACE') {
      {
        sendStatus(res, 501, false);
        return;
      }
    }
    const located = locate(req, scheme, head.host);
    if (located === 400) {
      sendStatus(res, 400, true);
      return;
    }
    // A declared length over the limit is refused before the body is read, and before any
    // 100 Continue, so the client never sends it (RFC 9110 §15.5.14).
    if (head.contentLength !== undefined && Number(head.contentLength) > maxBodySize) {
      {
        sendStatus(res, 413, true);
        return;
      }
    }
    // Fetch gives GET and HEAD no body; one sent anyway is discarded by Node after the response.
    const hasBody =
      method !== 'GET' &&
      method !== 'HEAD' &&
      (head.transferEncoding !== undefined ||
        (head.contentLength !== undefined && head.contentLength !== '0'));
    const body: RequestBody | undefined = hasBody
      ? requestBody(req, res, maxBodySize, expectContinue)
      : undefined;
    const mustClose = (): boolean =>
      state.closing ||
      (body !== undefined && (body.tooLarge() || (expectContinue && !body.started())));

    const controller = new AbortController();
    let reader: ReadableStreamDefaultReader<unknown> | undefined;
    res.on('close', () => {
      if (res.writableFinished) return;
      const reason = new DOMException('the client closed the connection', 'AbortError');
      controller.abort(reason);
      reader?.cancel(reason).catch(ignore);
    });
    res.on('finish', () => {
      if (body !== undefined && !body.complete() && !mustClose()) body.drain();
      if (state.closing) state.afterResponse();
    });

    let request: Request;
    try {
      request = createRequest(req, located.url, controller.signal, body?.stream ?? null);
    } catch {
      {
        sendStatus(res, 400, true);
        return;
      }
    }
    const ctx = createContext(request, located, req, scheme, controller.signal);

    let response: unknown;
    try {
      response = await handler(request, ctx);
    } catch (error) {
      if (controller.signal.aborted) return;
      if (body?.tooLarge() === true) {
        sendStatus(res, 413, true);
        return;
      }
      report(error, request);
      {
        sendStatus(res, 500, mustClose());
        return;
      }
    }
    if (!isResponse(response)) {
      report(new TypeError(`the handler returned ${describe(response)}, not a Response`), request);
      {
        sendStatus(res, 500, mustClose());
        return;
      }
    }
    if (res.destroyed) {
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
      if (isGone(res)) return;
      report(error, request);
      sendStatus(res, 500, mustClose());
    }
  };

  return (req, res, expectContinue) => {
    handle(req, res, expectContinue).catch((error: unknown) => {
      // Only reachable through a bug in this module; keep serving, but do not hide it.
      console.error('trowel/server: internal error', error);
      if (!res.destroyed) res.destroy();
    });
  };
}
