/**
 * A response body still being produced, compressed as it streams: the application's chunks go into
 * a `node:zlib` encoder, and what comes out is a web `ReadableStream` the server sends on.
 *
 * Memory stays bounded whatever the body's size: the next chunk is read from the application only
 * when the encoder has room for it, and the encoder stops when nobody reads its output (a slow
 * client, through the server's backpressure). With `flush`, whenever the application has nothing
 * more ready, the encoder flushes, so each server-sent event or progress line reaches the client
 * as soon as it is written; bytes produced back to back are compressed together, so a bulk stream
 * pays no flush per chunk. When the client goes away the server cancels this stream, which
 * destroys the encoder (freeing its native memory at once) and cancels the application's body.
 */
import { NOT_YET, settledSoon } from '../core/settled.ts';
import { flushKind, type Encoder, type Encoding } from './encoders.ts';

const ignore = (): void => undefined;

type Read = ReadableStreamReadResult<unknown>;

function onPlainBuffer(bytes: Uint8Array): bytes is Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer;
}

/** A body chunk as bytes; anything else is the application's mistake, reported on the stream. */
export function bytesOf(value: unknown): Uint8Array<ArrayBuffer> {
  // A view of shared memory is copied: a Response body cannot be one.
  if (value instanceof Uint8Array) return onPlainBuffer(value) ? value : new Uint8Array(value);
  throw new TypeError('a response body chunk is not a Uint8Array');
}

/** Resolves when the encoder wants more input, or when it is gone. */
function roomIn(encoder: Encoder): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      encoder.off('drain', done);
      encoder.off('close', done);
      resolve();
    };
    encoder.on('drain', done);
    encoder.on('close', done);
  });
}

/** How {@link compressedStream} goes on with a body whose first chunk has been read. */
export interface StreamSource {
  /** The reader of the application's body (its first chunk already taken). */
  readonly reader: ReadableStreamDefaultReader<unknown>;
  /** The first chunk. */
  readonly first: Uint8Array<ArrayBuffer>;
  /** The read already asked for after the first chunk. */
  readonly next: Promise<Read>;
}

/**
 * The compressed form of a body still being produced.
 *
 * @example
 * ```ts
 * const body = compressedStream(createEncoder('gzip', levels), 'gzip', true, source);
 * ```
 */
export function compressedStream(
  encoder: Encoder,
  encoding: Encoding,
  flush: boolean,
  source: StreamSource,
): ReadableStream<Uint8Array> {
  const { reader } = source;
  const kind = flushKind(encoding);
  let finished = false;

  const stop = (reason: unknown): void => {
    finished = true;
    encoder.destroy();
    reader.cancel(reason).catch(ignore);
  };

  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        const fail = (error: unknown): void => {
          if (finished) return;
          stop(error);
          controller.error(error);
        };
        encoder.on('data', (chunk: Buffer) => {
          if (finished) return;
          controller.enqueue(chunk);
          // Stop encoding until the server has taken this chunk (see pull below).
          if ((controller.desiredSize ?? 0) <= 0) encoder.pause();
        });
        encoder.once('end', () => {
          if (finished) return;
          finished = true;
          controller.close();
        });
        encoder.on('error', fail);

        const pump = async (): Promise<void> => {
          let chunk = source.first;
          let next = source.next;
          for (;;) {
            if (!encoder.write(chunk)) await roomIn(encoder);
            let result: Read | typeof NOT_YET = flush ? await settledSoon(next) : await next;
            if (result === NOT_YET) {
              // Nothing more is ready: send what the encoder holds instead of waiting for it.
              if (!finished) encoder.flush(kind);
              result = await next;
            }
            if (finished) return;
            if (result.done) {
              encoder.end();
              return;
            }
            chunk = bytesOf(result.value);
            next = reader.read();
          }
        };
        pump().catch(fail);
      },
      pull() {
        encoder.resume();
      },
      cancel(reason) {
        stop(reason);
      },
    },
    { highWaterMark: 1 },
  );
}
