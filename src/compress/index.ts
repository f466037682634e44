/**
 * @module trowel/compress
 *
 * Compresses responses with the best content coding the client accepts: `br`, `zstd` (where the
 * running Node's zlib has it), `gzip` or `deflate`, chosen from `Accept-Encoding` with its
 * q-values (RFC 9110 §12.5.3: `gzip;q=0` refuses gzip, `identity;q=0` and `*;q=0` are honoured).
 * It replaces `paste.gzipper` (`egg:Paste#gzip`), and fixes what that got wrong:
 *
 * - Bodies stream. Nothing is buffered beyond what the encoder holds, and, with `flush` (the
 *   default), what the application writes reaches the client at once, so server-sent events and
 *   long polls work compressed. A body already complete in memory is compressed in one go and
 *   sent with its `Content-Length`.
 * - `Vary: Accept-Encoding` on every response whose coding depends on the request, even when
 *   this request got identity, so a cache never hands gzip to a client that did not ask for it.
 * - A strong `ETag` becomes weak on the compressed form; `Accept-Ranges` and digests of the
 *   identity bytes are dropped.
 * - Left alone: responses without content (HEAD aside, 1xx, 204, 205, 304), partial content (206
 *   or `Content-Range`), bodies already encoded, `Cache-Control: no-transform`, media types not
 *   worth compressing, and bodies shorter than `threshold` (1 KiB).
 * - A HEAD response carries the header fields the GET would (RFC 9110 §9.3.2): the same
 *   `Content-Encoding`, `Vary` and `ETag`, and no `Content-Length`.
 *
 * When nothing the server offers is acceptable, not even identity, the response goes out
 * uncompressed (as nginx, Apache and Express do) rather than as a 406: a page the client can read
 * beats an error. Request bodies are never decompressed: this is about responses only (inflating
 * what a client sends invites decompression bombs, CWE-409).
 *
 * When not to use it: for files that never change, compress ahead of time at the highest level
 * and serve them with `staticFiles({ precompressed })`; behind a reverse proxy or CDN that
 * compresses already; and for responses that mix a secret (a CSRF token, a session-bound value)
 * with text an attacker can make the page reflect, which compression turns into a length oracle
 * (BREACH): mark those `Cache-Control: no-transform` or keep them out of `types`.
 */
import type { Handler, Middleware } from '../core/handler.ts';
import { negotiateEncoding } from '../core/negotiation.ts';
import { createEncoder, encodeBytes, type Encoding } from './encoders.ts';
import {
  addVary,
  declaredLength,
  encodedHeaders,
  mayCompress,
  notModifiedHeaders,
} from './headers.ts';
import { resolveOptions, type CompressOptions, type ResolvedOptions } from './options.ts';
import { NOT_YET, settledSoon } from '../core/settled.ts';
import { bytesOf, compressedStream } from './stream.ts';

export { HAS_ZSTD, type Encoding } from './encoders.ts';
export { DEFAULT_TYPES, type CompressibleTypes, type CompressOptions } from './options.ts';

const ignore = (): void => undefined;

function rebuild(response: Response, body: BodyInit | null, headers: Headers): Response {
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/** The coding to send, or `undefined` for identity (chosen, or the only thing left). */
function chosenEncoding(request: Request, options: ResolvedOptions): Encoding | undefined {
  const chosen = negotiateEncoding(request, options.offers);
  return options.encodings.find((encoding) => encoding === chosen);
}

/** The length of a body already complete in memory, else `undefined`; cancels the body. */
async function lengthIfReady(body: ReadableStream<unknown>): Promise<number | undefined> {
  const reader = body.getReader();
  try {
    const first = await settledSoon(reader.read());
    if (first === NOT_YET) return undefined;
    if (first.done) return 0;
    if (!(first.value instanceof Uint8Array)) return undefined;
    const second = await settledSoon(reader.read());
    return second !== NOT_YET && second.done ? first.value.byteLength : undefined;
  } finally {
    reader.cancel().catch(ignore);
  }
}

/** HEAD: the header fields the GET would get, and no body. */
async function headResponse(
  response: Response,
  headers: Headers,
  encoding: Encoding,
  options: ResolvedOptions,
): Promise<Response> {
  let length = declaredLength(headers);
  if (length === undefined && response.body !== null) length = await lengthIfReady(response.body);
  else response.body?.cancel().catch(ignore);
  if (length !== undefined && length < options.threshold) {
    headers.set('content-length', String(length));
  } else {
    encodedHeaders(headers, encoding);
  }
  return rebuild(response, null, headers);
}

async function encode(
  response: Response,
  body: ReadableStream<unknown>,
  headers: Headers,
  encoding: Encoding,
  options: ResolvedOptions,
): Promise<Response> {
  const reader = body.getReader();
  let first: Uint8Array<ArrayBuffer>;
  let next: Promise<ReadableStreamReadResult<unknown>>;
  try {
    const read = await reader.read();
    if (read.done) return rebuild(response, null, headers);
    first = bytesOf(read.value);
    next = reader.read();
  } catch (error) {
    reader.cancel(error).catch(ignore);
    throw error;
  }
  const second = await settledSoon(next);
  if (second !== NOT_YET && second.done) {
    // The whole body is in memory (a string, bytes, JSON): one pass, sent with its length.
    if (first.byteLength === 0 || first.byteLength < options.threshold) {
      return rebuild(response, first, headers);
    }
    const encoded = await encodeBytes(encoding, first, options.levels);
    encodedHeaders(headers, encoding);
    headers.set('content-length', String(encoded.byteLength));
    return rebuild(response, encoded, headers);
  }
  encodedHeaders(headers, encoding);
  const encoder = createEncoder(encoding, options.levels);
  const stream = compressedStream(encoder, encoding, options.flush, { reader, first, next });
  return rebuild(response, stream, headers);
}

/**
 * Compresses responses the client accepts compressed, streaming, with the content coding chosen
 * from `Accept-Encoding`.
 *
 * @throws {ConfigError} when an option is invalid (`TROWEL_ERR_COMPRESS_OPTIONS`, `_ENCODINGS`,
 * `_THRESHOLD`, `_TYPES`, `_LEVEL`).
 * @example
 * ```ts
 * import { compose } from 'trowel';
 * import { compress } from 'trowel/compress';
 * const app = compose(compress({ encodings: ['br', 'gzip'] }))(
 *   () => new Response('<p>hello</p>'.repeat(200), { headers: { 'content-type': 'text/html' } }),
 * );
 * ```
 */
export function compress(options?: CompressOptions): Middleware {
  const resolved = resolveOptions(options);
  return (next: Handler): Handler =>
    async (request, ctx) => {
      const response = await next(request, ctx);
      if (response.status === 304) {
        const headers = notModifiedHeaders(request, response);
        return headers === undefined ? response : rebuild(response, null, headers);
      }
      if (!mayCompress(response, resolved.isCompressible)) return response;
      const head = request.method === 'HEAD';
      const { body } = response;
      if (body === null && !head) return response;
      const headers = new Headers(response.headers);
      addVary(headers);
      const length = declaredLength(headers);
      const encoding = chosenEncoding(request, resolved);
      if (encoding === undefined || (length !== undefined && length < resolved.threshold)) {
        return rebuild(response, body, headers);
      }
      if (head) return headResponse(response, headers, encoding, resolved);
      if (body === null) return rebuild(response, null, headers);
      return encode(response, body, headers, encoding, resolved);
    };
}
