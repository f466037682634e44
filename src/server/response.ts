/**
 * A Fetch `Response` → Node's `ServerResponse`: status, headers and a streamed body with
 * backpressure.
 *
 * Framing is the server's job (RFC 9112 §6): a `Transfer-Encoding` or `Keep-Alive` field set by the
 * application is dropped, `Connection: close` from the application is honoured, and a body that
 * turns out to be one chunk (every string, bytes or JSON body) is sent with `Content-Length`
 * instead of chunked. Otherwise the body is copied chunk by chunk, waiting for `drain` whenever
 * the socket's buffer is full, so memory stays bounded however large the body. A `Content-Length`
 * the body does not match is an error, not a corrupted connection. `Set-Cookie` fields stay
 * separate, and Node adds `Date`.
 *
 * An error before the head is written leaves the response untouched for the caller to answer 500;
 * an error after it destroys the connection, since the status has gone out and an appended error
 * page would be read as part of the body.
 */
import { STATUS_CODES, type ServerResponse } from 'node:http';
import { NOT_YET, settledSoon } from '../core/settled.ts';

/** How to send one response. */
export interface WriteOptions {
  /** The request was `HEAD`: send the head only (RFC 9110 §9.3.2). */
  readonly head: boolean;
  /** Close the connection after this response. */
  readonly close: boolean;
  /** Receives the reader, so a client disconnect can cancel the body at any point. */
  onReader(reader: ReadableStreamDefaultReader<unknown>): void;
  /** Receives an error that happened after the head was sent. */
  onStreamError(error: unknown): void;
}

export { NOT_YET, settledSoon } from '../core/settled.ts';

const ignore = (): void => undefined;

/** Thrown (before anything is sent) when a response cannot be sent as the application built it. */
export class UnsendableResponseError extends TypeError {
  override readonly name = 'UnsendableResponseError';
}

/** Resolves `true` when the socket drained, `false` when the response closed first. */
function drained(res: ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => (): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

// A function, not a property read: TypeScript would keep `res.destroyed` narrowed across awaits.
function isGone(res: ServerResponse): boolean {
  return res.destroyed;
}

function chunkOf(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new UnsendableResponseError('a response body chunk is not a Uint8Array');
}

/**
 * The length of a body that is already complete in memory (a string, bytes, JSON), found without
 * waiting; `undefined` for a body still being produced. The body is cancelled either way.
 */
async function lengthIfReady(body: ReadableStream<unknown>): Promise<string | undefined> {
  const reader = body.getReader();
  try {
    const first = await settledSoon(reader.read());
    if (first === NOT_YET) return undefined;
    if (first.done) return '0';
    if (!(first.value instanceof Uint8Array)) return undefined;
    const second = await settledSoon(reader.read());
    return second !== NOT_YET && second.done ? String(first.value.byteLength) : undefined;
  } finally {
    reader.cancel().catch(ignore);
  }
}

function writeHead(res: ServerResponse, response: Response, fields: string[]): void {
  if (response.statusText === '') res.writeHead(response.status, fields);
  else res.writeHead(response.status, response.statusText, fields);
}

/**
 * Sends `response` on `res`.
 *
 * @throws {Error} only when nothing has been sent yet (the caller answers 500); later failures
 * destroy the connection and go to `onStreamError`.
 */
export async function writeResponse(
  res: ServerResponse,
  response: Response,
  options: WriteOptions,
): Promise<void> {
  const fields: string[] = [];
  let declared: string | undefined;
  let close = options.close;
  // for…of rather than forEach(): no callback call per field, on every request's path.
  for (const [name, value] of response.headers) {
    switch (name) {
      case 'content-length':
        declared = value;
        break;
      case 'transfer-encoding':
      case 'keep-alive':
        break;
      case 'connection':
        if (/(?:^|[\s,])close(?:$|[\s,])/i.test(value)) close = true;
        break;
      default:
        fields.push(name, value);
    }
  }
  if (declared !== undefined && !/^\d+$/.test(declared)) {
    throw new UnsendableResponseError(`invalid Content-Length ${JSON.stringify(declared)}`);
  }
  if (close) fields.push('connection', 'close');
  const { status, body } = response;
  // RFC 9110 §6.4.1: no content in responses to HEAD, nor in 1xx, 204 and 304.
  const noContent = options.head || status === 204 || status === 304 || status < 200;

  if (body === null || noContent) {
    // HEAD should carry the Content-Length GET would have (RFC 9110 §9.3.2): find it when the
    // body is already in memory, without waiting on a stream that is still being produced.
    if (body !== null && options.head && declared === undefined && status !== 204) {
      declared = await lengthIfReady(body);
    } else if (body !== null) {
      body.cancel().catch(ignore);
    }
    if (!noContent) {
      if (declared !== undefined && declared !== '0') {
        throw new UnsendableResponseError(`Content-Length is ${declared} but there is no body`);
      }
      fields.push('content-length', '0');
    } else if (declared !== undefined && status !== 204) {
      // HEAD and 304 may say how long the body would have been (RFC 9110 §8.6).
      fields.push('content-length', declared);
    }
    writeHead(res, response, fields);
    res.end();
    return;
  }

  const reader = body.getReader();
  options.onReader(reader);
  let headSent = false;
  try {
    const first = await reader.read();
    if (isGone(res)) return;
    if (first.done) {
      if (declared !== undefined && declared !== '0') {
        throw new UnsendableResponseError(`Content-Length is ${declared} but the body is empty`);
      }
      fields.push('content-length', '0');
      writeHead(res, response, fields);
      res.end();
      return;
    }
    const firstChunk = chunkOf(first.value);
    const pending = reader.read();
    const second = await settledSoon(pending);
    // If the stream is already finished, the whole body is this one chunk: send it with a
    // Content-Length and without chunked framing. Otherwise do not wait for more, so the first
    // bytes of a slow stream (server-sent events, a progress page) go out at once.
    if (second !== NOT_YET && second.done) {
      if (declared !== undefined && Number(declared) !== firstChunk.byteLength) {
        throw new UnsendableResponseError(
          `Content-Length is ${declared} but the body has ${firstChunk.byteLength} bytes`,
        );
      }
      fields.push('content-length', String(firstChunk.byteLength));
      writeHead(res, response, fields);
      headSent = true;
      res.end(firstChunk);
      return;
    }
    if (declared !== undefined) {
      fields.push('content-length', declared);
      // A body longer or shorter than declared must fail, not desynchronise the connection.
      res.strictContentLength = true;
    }
    writeHead(res, response, fields);
    headSent = true;
    res.write(firstChunk);
    let result = second === NOT_YET ? await pending : second;
    while (!result.done) {
      // Ask the response, not the last write's return value: 'drain' may already have fired
      // while the next chunk was being read.
      if (res.writableNeedDrain && !(await drained(res))) return;
      if (isGone(res)) return;
      res.write(chunkOf(result.value));
      result = await reader.read();
    }
    if (isGone(res)) return;
    res.end();
  } catch (error) {
    reader.cancel(error).catch(ignore);
    if (!headSent) throw error;
    res.destroy(error instanceof Error ? error : new Error(String(error)));
    options.onStreamError(error);
  }
}

/**
 * Answers with a bare status: `text/plain`, the reason phrase as the body, no detail. (A head that
 * `writeHead` refused left nothing behind: it validates every field before it stores any.) When
 * the head has already gone out, the connection is destroyed instead.
 */
export function sendStatus(res: ServerResponse, status: number, close: boolean): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = `${STATUS_CODES[status] ?? 'Error'}\n`;
  const fields = [
    'content-type',
    'text/plain; charset=utf-8',
    'content-length',
    String(Buffer.byteLength(text)),
    'x-content-type-options',
    'nosniff',
  ];
  if (close) fields.push('connection', 'close');
  res.strictContentLength = false;
  res.writeHead(status, fields);
  res.end(text);
}
