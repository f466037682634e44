/**
 * Counting a response body's bytes as the server takes them, and noticing how the body ended,
 * without buffering it: the body is re-exposed through a pull stream (high-water mark 0) that
 * reads the next chunk only when the server asks for one.
 *
 * A body already complete in memory (a string, bytes, JSON) would otherwise lose its
 * `Content-Length`: trowel/server sends one only for a body it finds finished within a couple of
 * microtask turns, and the extra stream hop makes it miss. So when the response has no
 * `Content-Length`, the first chunk and the end are looked for the same way, and a body found
 * complete gets its `Content-Length` here.
 */
import { NOT_YET, settledSoon as soon } from '../core/settled.ts';
import type { AccessLogOutcome } from './format.ts';

/** Called once: when the body has been handed over whole, was cancelled, or failed. */
export type BodyDone = (bytes: number, outcome: AccessLogOutcome) => void;

function sizeOf(chunk: unknown): number {
  // A chunk that is not bytes is the server's to refuse; it counts for nothing here.
  return ArrayBuffer.isView(chunk) ? chunk.byteLength : 0;
}

type Result = ReadableStreamReadResult<Uint8Array>;

/**
 * A copy of `response` whose body reports to `done` how many bytes were read from it and how it
 * ended. `response.body` must not be null; the original response is consumed.
 */
export async function countBody(response: Response, done: BodyDone): Promise<Response> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const ahead: Uint8Array[] = [];
  let pending: Promise<Result> | undefined;
  let ended = false;
  let headers = response.headers;

  if (!headers.has('content-length')) {
    pending = reader.read();
    const first = await soon(pending);
    if (first !== NOT_YET) {
      if (first.done) {
        ended = true;
        pending = undefined;
      } else {
        ahead.push(first.value);
        pending = reader.read();
        const second = await soon(pending);
        if (second !== NOT_YET) {
          pending = undefined;
          if (second.done) ended = true;
          else ahead.push(second.value);
        }
      }
    }
    if (ended) {
      headers = new Headers(headers);
      headers.set('content-length', String(ahead.reduce((n, chunk) => n + sizeOf(chunk), 0)));
    }
  }

  let bytes = 0;
  let finished = false;
  const finish = (outcome: AccessLogOutcome): void => {
    if (finished) return;
    finished = true;
    done(bytes, outcome);
  };
  const take = (controller: ReadableStreamDefaultController<Uint8Array>, result: Result): void => {
    if (result.done) {
      controller.close();
      finish('complete');
      return;
    }
    bytes += sizeOf(result.value);
    controller.enqueue(result.value);
  };
  const fail = (error: unknown): never => {
    finish('error');
    throw error;
  };
  const body = new ReadableStream<Uint8Array>(
    {
      // Not async: a chunk already in hand is passed on without a promise per pull.
      pull(controller) {
        const chunk = ahead.shift();
        if (chunk !== undefined) {
          bytes += sizeOf(chunk);
          controller.enqueue(chunk);
          return undefined;
        }
        if (ended) {
          take(controller, { done: true, value: undefined });
          return undefined;
        }
        const next = pending ?? reader.read();
        pending = undefined;
        return next.then((result) => {
          take(controller, result);
        }, fail);
      },
      cancel(reason) {
        finish('aborted');
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}
