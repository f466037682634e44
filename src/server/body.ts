/**
 * The request body as a web `ReadableStream`, read from Node's `IncomingMessage` on demand.
 *
 * Nothing is read from the socket until the handler reads the body: the stream has a high-water
 * mark of 0, so the first `pull()` is the first read. That is when `100 Continue` goes out for a
 * request that asked for it (RFC 9110 §10.1.1), so a handler that answers without reading never
 * makes the client send the body. Backpressure is Node's own: the socket is paused whenever the
 * stream's queue is full and resumed on the next pull.
 *
 * The body is counted as it arrives; past `limit` bytes the stream errors with a
 * {@link BodyTooLargeError} and reading stops, so a chunked body without a declared length cannot
 * grow without bound.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The error a request body stream fails with when the body is larger than `maxBodySize`. */
export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  /** Stable code, listed in `docs/errors.md`. */
  readonly code = 'TROWEL_ERR_SERVER_BODY_TOO_LARGE';
  /** The HTTP status this error stands for: 413 Content Too Large (RFC 9110 §15.5.14). */
  readonly status = 413;
  /** The limit, in bytes. */
  readonly limit: number;

  constructor(limit: number) {
    super(`request body is larger than the server's limit of ${limit} bytes`);
    this.limit = limit;
  }
}

/** What the server needs to know about a body once the handler is done with it. */
export interface RequestBody {
  /** The stream given to the `Request`. */
  readonly stream: ReadableStream<Uint8Array>;
  /** True once the handler started reading (and `100 Continue`, if asked for, went out). */
  readonly started: () => boolean;
  /** True once the whole body arrived. */
  readonly complete: () => boolean;
  /** True once the body went past the limit. */
  readonly tooLarge: () => boolean;
  /**
   * Reads and discards whatever of the body is still unread, still counting against the limit,
   * so the connection can carry the next request; past the limit the connection is destroyed.
   */
  readonly drain: () => void;
}

/**
 * Wraps `req` in a lazily read, size-limited web stream.
 *
 * @param expectContinue - the client sent `Expect: 100-continue`.
 */
export function requestBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  expectContinue: boolean,
): RequestBody {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let received = 0;
  let started = false;
  let complete = false;
  let tooLarge = false;
  // 'open' → handing chunks to the stream; 'drain' → discarding them; 'done' → no more reading.
  let mode: 'open' | 'drain' | 'done' = 'open';

  const detach = (): void => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('error', onFailure);
    req.off('close', onClose);
  };
  const finish = (error?: unknown): void => {
    const wasOpen = mode === 'open';
    mode = 'done';
    detach();
    if (!wasOpen || controller === undefined) return;
    if (error === undefined) controller.close();
    else controller.error(error);
  };
  function onData(chunk: Buffer): void {
    received += chunk.byteLength;
    if (received > limit) {
      tooLarge = true;
      if (mode === 'drain') req.socket.destroy();
      else req.pause();
      finish(new BodyTooLargeError(limit));
      return;
    }
    if (mode !== 'open' || controller === undefined) return;
    // A view, not a copy: the chunk is a fresh slice of what the socket read.
    controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    if ((controller.desiredSize ?? 0) <= 0) req.pause();
  }
  function onEnd(): void {
    complete = true;
    finish();
  }
  function onFailure(error: Error): void {
    finish(error);
  }
  function onClose(): void {
    if (!complete)
      finish(new Error('the client closed the connection before sending the whole body'));
  }
  const start = (askForBody: boolean): void => {
    started = true;
    // The handler wants the body: only now ask the client for it (RFC 9110 §10.1.1).
    if (askForBody && expectContinue && !res.headersSent && !res.destroyed) res.writeContinue();
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onFailure);
    req.on('close', onClose);
  };

  const stream = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        if (mode !== 'open') return;
        if (!started) start(true);
        req.resume();
      },
      cancel() {
        // The handler no longer wants the body; what is left is drained after the response.
        if (mode === 'open') mode = 'drain';
        req.pause();
      },
    },
    { highWaterMark: 0 },
  );

  return {
    stream,
    started: () => started,
    complete: () => complete,
    tooLarge: () => tooLarge,
    drain: () => {
      if (complete || tooLarge || req.socket.destroyed) return;
      if (mode === 'open') mode = 'drain';
      if (mode === 'done') return;
      if (!started) start(false);
      req.resume();
    },
  };
}
