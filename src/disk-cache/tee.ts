/**
 * The body of a miss, streamed to the client and to the entry's temporary file at once.
 *
 * Each chunk is read from the origin only when the client asks for one, handed to the client,
 * and written to the file before the next is read: the slower of the two sets the pace, and no
 * more than one chunk is held in memory. The entry is committed only when the origin's body ended
 * cleanly with as many bytes as its `Content-Length` said; an origin error, a client that goes
 * away, or a body longer than the size cap abandons it (the temporary file is removed). A failing
 * disk stops the copy, never the client's answer.
 *
 * A client going away abandons the entry although the origin might have finished it: reading on
 * for nobody would let any client make the server pull whole large bodies at no cost to itself.
 * (A client answered 304 on a miss is different: it got its answer, and the one entry of the
 * flight is then written at the disk's pace with {@link drain}.)
 */
import type { EntryWriter } from './writer.ts';

/** What the tee needs besides the bodies. */
export interface TeeOptions {
  /** The origin's `Content-Length`, when it sent one. */
  readonly expectedLength: number | undefined;
  /** The most bytes the entry may have. */
  readonly maxBytes: number;
  /** Commits the written entry; resolves whether it was stored. */
  readonly commit: (writer: EntryWriter) => Promise<boolean>;
  /** Called once, when the entry was committed (`true`) or abandoned (`false`). */
  readonly settled: (stored: boolean) => void;
  /** Reports a disk failure. */
  readonly report: (error: unknown) => void;
}

/**
 * A stream that yields `body` to its reader while writing it to `writer`.
 *
 * @example
 * ```ts
 * const client = teeToDisk(response.body, writer, { expectedLength: undefined, maxBytes: Infinity,
 *   commit: (w) => store.commit(w, details), settled: () => undefined, report: console.error });
 * ```
 */
export function teeToDisk(
  body: ReadableStream<Uint8Array>,
  writer: EntryWriter,
  options: TeeOptions,
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let copying = true;
  let settled = false;
  const settle = (stored: boolean): void => {
    if (settled) return;
    settled = true;
    options.settled(stored);
  };
  const abandon = async (): Promise<void> => {
    copying = false;
    await writer.abort();
    settle(false);
  };
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<Uint8Array>;
        try {
          result = await reader.read();
        } catch (error) {
          await abandon();
          controller.error(error);
          return;
        }
        if (result.done) {
          const complete =
            options.expectedLength === undefined || writer.bytes === options.expectedLength;
          if (copying && complete) {
            copying = false;
            settle(await options.commit(writer));
          } else {
            await abandon();
          }
          controller.close();
          return;
        }
        const chunk: unknown = result.value;
        if (!(chunk instanceof Uint8Array)) {
          // Not bytes: the client's side will fail on it; the entry is abandoned.
          await abandon();
          controller.enqueue(result.value);
          return;
        }
        controller.enqueue(chunk);
        if (!copying) return;
        const total = writer.bytes + chunk.byteLength;
        if (
          total > options.maxBytes ||
          (options.expectedLength !== undefined && total > options.expectedLength)
        ) {
          await abandon();
          return;
        }
        try {
          await writer.write(chunk);
        } catch (error) {
          options.report(error);
          await abandon();
        }
      },
      async cancel(reason) {
        await abandon();
        await reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

/** Reads `stream` to its end, for nobody: the entry is written at the disk's pace. */
export async function drain(stream: ReadableStream<Uint8Array>): Promise<void> {
  const reader = stream.getReader();
  try {
    for (;;) if ((await reader.read()).done) return;
  } catch {
    // The tee has already abandoned the entry.
  }
}
