/**
 * Response bodies read from an open file: whole, one byte range, or several ranges with
 * multipart/byteranges framing (RFC 9110 §14.6), read in 256 KiB blocks as the client takes them.
 *
 * The file is never read whole into memory: each pull reads one block at its offset, and the
 * server pulls again only when the socket has drained. The descriptor is closed when the last byte
 * has been read, when the body fails, and when the consumer cancels (the client went away) — on
 * every path, exactly once.
 */
import type { ByteRange } from '../core/range.ts';
import type { Descriptor } from './descriptor.ts';

/** One piece of a body: bytes already in memory, or an inclusive range of the file. */
export type Piece = Uint8Array<ArrayBuffer> | ByteRange;

/**
 * The block size of each read. Each block is one trip through the thread pool, one stream chunk
 * and one socket write: 256 KiB blocks took about a quarter less CPU per MiB served than 64 KiB
 * ones in the static-1m benchmark, and a block is all one download holds in memory, since none is
 * read ahead.
 */
export const BLOCK_SIZE: number = 256 * 1024;

const encoder = new TextEncoder();

/** The byte length of a body made of `pieces`. */
export function lengthOf(pieces: readonly Piece[]): number {
  let total = 0;
  for (const piece of pieces) {
    total += piece instanceof Uint8Array ? piece.byteLength : piece.end - piece.start + 1;
  }
  return total;
}

/**
 * The pieces of a multipart/byteranges body for `ranges`: for each, a delimiter line and the part's
 * `Content-Type` and `Content-Range`, then the bytes; then the close delimiter.
 */
export function multipartPieces(
  ranges: readonly ByteRange[],
  size: number,
  contentType: string,
  boundary: string,
): Piece[] {
  const pieces: Piece[] = [];
  for (const range of ranges) {
    pieces.push(
      encoder.encode(
        `\r\n--${boundary}\r\nContent-Type: ${contentType}\r\n` +
          `Content-Range: bytes ${range.start}-${range.end}/${size}\r\n\r\n`,
      ),
      range,
    );
  }
  pieces.push(encoder.encode(`\r\n--${boundary}--\r\n`));
  return pieces;
}

/**
 * A stream of `pieces`, reading file ranges from `file`, which it owns: it closes the file when
 * done, on error and on cancel. A file that shrinks while it is read fails the stream (the
 * server then cuts the connection rather than send fewer bytes than `Content-Length` promised).
 *
 * @example
 * ```ts
 * const body = fileStream(file, [{ start: 0, end: stats.size - 1 }]);
 * ```
 */
export function fileStream(
  file: Descriptor,
  pieces: readonly Piece[],
): ReadableStream<Uint8Array<ArrayBuffer>> {
  let index = 0;
  let position = -1;
  return new ReadableStream<Uint8Array<ArrayBuffer>>(
    {
      async pull(controller) {
        try {
          const piece = pieces[index];
          if (piece === undefined) {
            file.close();
            controller.close();
            return;
          }
          if (piece instanceof Uint8Array) {
            index++;
            controller.enqueue(piece);
            return;
          }
          if (position < 0) position = piece.start;
          const wanted = Math.min(BLOCK_SIZE, piece.end + 1 - position);
          const buffer = Buffer.allocUnsafe(wanted);
          const bytesRead = await file.read(buffer, 0, wanted, position);
          if (bytesRead === 0) throw new Error('the file became shorter while it was being sent');
          position += bytesRead;
          if (position > piece.end) {
            index++;
            position = -1;
          }
          controller.enqueue(bytesRead === wanted ? buffer : buffer.subarray(0, bytesRead));
        } catch (error) {
          file.close();
          controller.error(error);
        }
      },
      cancel() {
        file.close();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Reads one small range of `file` into memory and closes the file: for bodies of at most
 * {@link BLOCK_SIZE} bytes, one read costs less than a stream.
 */
export async function readSmall(
  file: Descriptor,
  range: ByteRange,
): Promise<Uint8Array<ArrayBuffer>> {
  try {
    const length = range.end - range.start + 1;
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const bytesRead = await file.read(buffer, done, length - done, range.start + done);
      if (bytesRead === 0) throw new Error('the file became shorter while it was being read');
      done += bytesRead;
    }
    return buffer;
  } finally {
    file.close();
  }
}
