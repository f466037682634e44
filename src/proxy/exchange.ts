/**
 * One request/response exchange with the upstream, on undici's `dispatch()`: the lowest-level
 * client call, which gives the exact request line and `Host` (fetch() rewrites `Host` and
 * decompresses bodies), streams both bodies, and lets one handler take either an ordinary answer
 * or a `101 Switching Protocols` to an upgrade request.
 *
 * The response body is a byte stream with backpressure: when more than {@link HIGH_WATER} bytes
 * are queued unread, the upstream connection is paused (undici then also stops its body timer),
 * and resumed when the reader asks for more. Cancelling the stream, or the client going away
 * (`signal`), aborts the upstream request. An error before the response head rejects the promise;
 * one after it errors the body stream, so whoever reads it sees a truncated body, not a short one
 * that looks complete.
 */
import type { Duplex, Readable } from 'node:stream';
import type { Dispatcher } from 'undici';

/** What to send. */
export interface ExchangeInit {
  readonly dispatcher: Dispatcher;
  /** `http://host:port`. */
  readonly origin: string;
  /**
   * The name the upstream's TLS certificate must match (and the SNI sent), without brackets. Given
   * explicitly because undici otherwise takes it from the `Host` field, which may be the client's.
   */
  readonly servername: string;
  readonly method: string;
  /** The request-target, `/path?query`. */
  readonly path: string;
  /** Flat `[name, value, …]`, `host` first. */
  readonly headers: string[];
  readonly body: ReadableStream<Uint8Array> | null;
  readonly headersTimeout: number;
  readonly bodyTimeout: number;
  /** Aborts the exchange (the client went away). */
  readonly signal: AbortSignal;
  /** The `Upgrade` protocols to ask for, when relaying an upgrade. */
  readonly upgrade?: string | undefined;
}

/** The upstream's answer. */
export type Answer =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly statusText: string;
      readonly headers: Record<string, string | string[] | undefined>;
      /** `null` for HEAD, 204, 205 and 304, which have no content. */
      readonly body: ReadableStream<Uint8Array> | null;
    }
  | {
      readonly kind: 'upgrade';
      readonly headers: Record<string, string | string[] | undefined>;
      readonly socket: Duplex;
    };

/** Bytes queued for the reader before the upstream connection is paused. */
export const HIGH_WATER: number = 256 * 1024;

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('the client went away', { cause: reason });
}

/** Sends one request; resolves with the answer head (the body streams on). */
export function exchange(init: ExchangeInit): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    let controller: Dispatcher.DispatchController | undefined;
    let stream: ReadableStreamDefaultController<Uint8Array> | undefined;
    let settled = false;
    let finished = false;
    const noContent = init.method === 'HEAD';

    const onAbort = (): void => {
      const reason = abortReason(init.signal);
      if (controller === undefined) fail(reason);
      else controller.abort(reason);
    };
    const finish = (): void => {
      finished = true;
      init.signal.removeEventListener('abort', onAbort);
    };
    const fail = (error: Error): void => {
      if (finished) return;
      finish();
      if (!settled) {
        settled = true;
        reject(error);
      } else {
        stream?.error(error);
      }
    };

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(c) {
        controller = c;
        if (init.signal.aborted) c.abort(abortReason(init.signal));
      },
      onRequestUpgrade(_c, _status, headers, socket) {
        finish();
        settled = true;
        resolve({ kind: 'upgrade', headers, socket });
      },
      onResponseStart(c, status, headers, statusText) {
        // RFC 9110 §15.2: 1xx answers are interim; the final one follows on the same exchange.
        if (status < 200 || settled) return;
        settled = true;
        let body: ReadableStream<Uint8Array> | null = null;
        if (!noContent && status !== 204 && status !== 205 && status !== 304) {
          body = new ReadableStream<Uint8Array>(
            {
              start(s) {
                stream = s;
              },
              pull() {
                if (c.paused) c.resume();
              },
              cancel(reason) {
                if (finished) return;
                finish();
                c.abort(reason instanceof Error ? reason : new Error('response body cancelled'));
              },
            },
            { highWaterMark: HIGH_WATER, size: (chunk) => chunk.byteLength },
          );
        }
        resolve({ kind: 'response', status, statusText: statusText ?? '', headers, body });
      },
      onResponseData(c, chunk) {
        if (stream === undefined || finished) return;
        stream.enqueue(chunk);
        if ((stream.desiredSize ?? 0) <= 0) c.pause();
      },
      onResponseEnd() {
        if (finished) return;
        finish();
        stream?.close();
      },
      onResponseError(_c, error) {
        fail(error);
      },
    };

    if (init.signal.aborted) {
      reject(abortReason(init.signal));
      return;
    }
    init.signal.addEventListener('abort', onAbort, { once: true });
    try {
      // `servername` is read by undici's dispatch (lib/core/request.js) but missing from its types.
      const options: Dispatcher.DispatchOptions & { readonly servername: string } = {
        origin: init.origin,
        servername: init.servername,
        path: init.path,
        method: init.method,
        headers: init.headers,
        // undici sends any async iterable as a body (its documentation says so; its types lag).
        body: init.body as unknown as Readable | null,
        headersTimeout: init.headersTimeout,
        bodyTimeout: init.bodyTimeout,
        upgrade: init.upgrade ?? null,
      };
      init.dispatcher.dispatch(options, handler);
    } catch (error) {
      fail(error instanceof Error ? error : new Error(String(error)));
    }
  });
}
