/**
 * Telling a body already complete in memory from one still being produced, without waiting for
 * the latter: the test the server uses to send `Content-Length` instead of chunked framing, and
 * that middleware which wraps or re-encodes a body needs to keep that length.
 */

/** What {@link settledSoon} answers when the promise did not settle in time. */
export const NOT_YET: unique symbol = Symbol('trowel.not-yet');
const notYet = Promise.resolve(NOT_YET);
const ignore = (): void => undefined;

/**
 * What `promise` settled with, if it settles within two turns of the microtask queue, else
 * `NOT_YET` (a rejection comes out of `await promise` later). A stream whose bytes are already in
 * memory answers its reads that fast; one waiting on a timer, a socket or a file does not. It does
 * what `Promise.race([promise, resolved])` does, for less: no array, no extra promises.
 *
 * @example
 * ```ts
 * import { NOT_YET, settledSoon } from 'trowel';
 * const reader = new Response('hello').body!.getReader();
 * const first = await settledSoon(reader.read());
 * if (first !== NOT_YET && !first.done) console.log(first.value.byteLength); // 5
 * ```
 */
export async function settledSoon<T>(promise: Promise<T>): Promise<T | typeof NOT_YET> {
  let result: T | typeof NOT_YET = NOT_YET;
  promise.then((value) => {
    result = value;
  }, ignore);
  // One turn is enough for Node's streams; the second is a margin, so that a body whose stream
  // takes a turn longer to close still counts as complete.
  await notYet;
  await notYet;
  return result;
}
