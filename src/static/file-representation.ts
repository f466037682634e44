/**
 * A file opened on disk as a {@link Representation}: its validators from the descriptor's status,
 * and its bytes read from the descriptor (never reopened by name, so what is sent is what was
 * checked).
 *
 * The entity tag is `"<mtime in µs, hex>-<size, hex>"`, plus `-br`/`-gzip` for a precompressed
 * variant. It is strong: If-Range and If-Match use strong comparison (RFC 9110 §8.8.3.2), and a
 * file rewritten within the same microsecond to exactly the same length is the only way two
 * different contents could share a tag — the same trade nginx and Apache make, with a finer clock.
 */
import type { Stats } from 'node:fs';
import { BLOCK_SIZE, fileStream, readSmall } from './body.ts';
import type { Descriptor } from './descriptor.ts';
import type { Representation } from './respond.ts';

/** Which validators to send. */
export interface ValidatorOptions {
  /** Send an `ETag`. */
  readonly etag: boolean;
  /** Send `Last-Modified`. */
  readonly lastModified: boolean;
}

/**
 * The entity tag of a file's current content, as a header value.
 *
 * @example
 * ```ts
 * fileETag(await stat('index.html')); // '"5f3a1c2b4d6e8-1a2b"'
 * ```
 */
export function fileETag(stats: Pick<Stats, 'mtimeMs' | 'size'>, coding?: string): string {
  const micros = Math.floor(stats.mtimeMs * 1000);
  return `"${micros.toString(16)}-${stats.size.toString(16)}${coding === undefined ? '' : `-${coding}`}"`;
}

/**
 * Wraps an open file. The representation owns `file` from here on: it is closed after the body
 * is read, or by `release()`.
 */
export function fileRepresentation(
  file: Descriptor,
  stats: Stats,
  contentType: string,
  validators: ValidatorOptions,
  contentEncoding?: string,
): Representation {
  return {
    size: stats.size,
    contentType,
    etag: validators.etag ? fileETag(stats, contentEncoding) : undefined,
    lastModified: validators.lastModified ? Math.floor(stats.mtimeMs) : undefined,
    contentEncoding,
    body: (pieces) => {
      const [only] = pieces;
      // One small range: a single read, then the descriptor is closed before the response goes
      // out; anything larger is streamed block by block.
      if (
        pieces.length === 1 &&
        only !== undefined &&
        !(only instanceof Uint8Array) &&
        only.end - only.start < BLOCK_SIZE
      ) {
        return readSmall(file, only);
      }
      return fileStream(file, pieces);
    },
    release: () => {
      file.close();
    },
  };
}
