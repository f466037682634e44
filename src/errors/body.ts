/**
 * Watches a response body for errors on behalf of `errors()`.
 *
 * A body already in memory (a string, bytes, JSON) is read to its end within a few turns of the
 * microtask queue and handed on as one chunk, so the server still sends it with a
 * `Content-Length`; a body that fails that early has not been sent at all and gets the error page
 * like any other failure. Any other body is passed through chunk by chunk, pulled only as the
 * server asks (no read-ahead, no buffering), and a failure part-way is reported and turned into an
 * error of the stream — after an optional marker — so the server cuts the connection.
 */

/** What `errors()` does when a body fails. */
export interface BodyHooks {
  /** The body failed before anything was sent: the response to send instead (or a throw). */
  readonly early: (error: unknown) => Promise<Response>;
  /**
   * The body failed while being sent: what to error the stream with, and bytes to send first
   * (only asked for when `markable`: an uncompressed HTML body without a Content-Length).
   */
  readonly late: (
    error: unknown,
    markable: boolean,
  ) => { readonly error: unknown; readonly marker: Uint8Array | undefined };
}

type Peek<T> =
  | { readonly state: 'value'; readonly value: T }
  | { readonly state: 'error'; readonly error: unknown }
  | { readonly state: 'pending' };

const PENDING: Peek<never> = { state: 'pending' };
const TURN = Promise.resolve();

/** How `promise` settled within a few microtask turns, without waiting any longer. */
async function peek<T>(promise: Promise<T>): Promise<Peek<T>> {
  let result: Peek<T> = PENDING;
  promise.then(
    (value) => {
      result = { state: 'value', value };
    },
    (error: unknown) => {
      result = { state: 'error', error };
    },
  );
  // Four turns: enough for a body made from a string or bytes to deliver its chunk and close.
  for (let turn = 0; turn < 4; turn += 1) await TURN;
  return result;
}

function rebuild(response: Response, body: BodyInit): Response {
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** The response with its body watched; see the module comment. */
export async function watchBody(response: Response, hooks: BodyHooks): Promise<Response> {
  const { body } = response;
  if (body === null) return response;
  const reader = body.getReader();
  const queued: unknown[] = [];
  let pending: Promise<ReadableStreamReadResult<unknown>> | undefined = reader.read();
  let ended = false;
  for (;;) {
    const seen = await peek(pending);
    if (seen.state === 'pending') break;
    pending = undefined;
    if (seen.state === 'error') return hooks.early(seen.error);
    if (seen.value.done) {
      // Complete in memory: one chunk (or none) the server can measure.
      const only = queued.length === 0 ? new Uint8Array(0) : queued[0];
      if (queued.length <= 1 && only instanceof Uint8Array)
        return rebuild(response, only as Uint8Array<ArrayBuffer>);
      ended = true;
      break;
    }
    queued.push(seen.value.value);
    if (queued.length > 1) break;
    pending = reader.read();
  }

  const type = response.headers.get('content-type') ?? '';
  const encoding = response.headers.get('content-encoding') ?? 'identity';
  // Appending is only safe where the bytes are HTML as sent and no length was promised.
  const markable =
    /^\s*text\/html\b/i.test(type) &&
    /^\s*identity\s*$/i.test(encoding) &&
    !response.headers.has('content-length');
  let failure: { readonly error: unknown } | undefined;
  const stream = new ReadableStream<unknown>(
    {
      async pull(controller) {
        if (queued.length > 0) {
          controller.enqueue(queued.shift());
          return;
        }
        if (failure !== undefined) {
          // Node's HTTP response corks the socket until the next tick: erroring at once would
          // destroy the connection with the marker still unsent.
          await new Promise((resolve) => setImmediate(resolve));
          controller.error(failure.error);
          return;
        }
        if (ended) {
          controller.close();
          return;
        }
        let result: ReadableStreamReadResult<unknown>;
        try {
          result = await (pending ?? reader.read());
          pending = undefined;
        } catch (error) {
          const outcome = hooks.late(error, markable);
          if (outcome.marker === undefined) {
            controller.error(outcome.error);
            return;
          }
          // Erroring now would drop the queued marker: error on the next pull instead.
          controller.enqueue(outcome.marker);
          failure = { error: outcome.error };
          return;
        }
        if (result.done) controller.close();
        else controller.enqueue(result.value);
      },
      cancel(reason) {
        ended = true;
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return rebuild(response, stream as ReadableStream<Uint8Array>);
}
