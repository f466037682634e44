/**
 * What `compress()` decides from a response's header fields alone, and what it changes in them:
 * whether the response may be compressed at all, `Vary: Accept-Encoding`, and the fields that
 * describe the identity bytes and so must not survive a change of content coding.
 */
import { parseCacheControl } from '../core/cache-control.ts';
import { parseETagList } from '../core/etag.ts';
import { splitList } from '../core/header-syntax.ts';
import type { Encoding } from './encoders.ts';

/** The media type of a `Content-Type` value, lowercased, without parameters. */
export function mediaTypeOf(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/**
 * Whether a response could be sent compressed, whatever the request accepts: not when it has no
 * content (1xx, 204, 205, 304), is a part of a representation (206 or any `Content-Range`: the
 * range is of the identity bytes), is encoded already, forbids transformation
 * (`Cache-Control: no-transform`, RFC 9111 §5.2.2.6), or is not of a compressible type.
 */
export function mayCompress(
  response: Response,
  isCompressible: (mediaType: string) => boolean,
): boolean {
  const { status, headers } = response;
  if (status < 200 || status === 204 || status === 205 || status === 206 || status === 304) {
    return false;
  }
  const type = headers.get('content-type');
  if (type === null || !isCompressible(mediaTypeOf(type))) return false;
  const encoding = headers.get('content-encoding');
  if (encoding !== null && encoding.trim() !== '') return false;
  if (headers.has('content-range')) return false;
  const cacheControl = headers.get('cache-control');
  return cacheControl === null || parseCacheControl(cacheControl).noTransform !== true;
}

/**
 * Adds `Accept-Encoding` to `Vary` (RFC 9110 §12.5.5), keeping the names already there; `Vary: *`
 * already covers it.
 */
export function addVary(headers: Headers): void {
  const vary = headers.get('vary');
  if (vary === null) {
    headers.set('vary', 'Accept-Encoding');
    return;
  }
  const names = splitList(vary).map((name) => name.toLowerCase());
  if (names.includes('*') || names.includes('accept-encoding')) return;
  headers.set('vary', names.length === 0 ? 'Accept-Encoding' : `${vary}, Accept-Encoding`);
}

/** `"x"` → `W/"x"`; a weak or malformed tag is returned as it is. */
function weaken(etag: string): string {
  const tag = etag.trim();
  return tag.startsWith('"') ? `W/${tag}` : tag;
}

/**
 * Turns the header fields of the identity response into those of its `encoding` form:
 *
 * - `Content-Encoding` is set and `Content-Length` dropped (the server frames the new body);
 * - a strong `ETag` becomes weak: a strong tag names exact bytes, and the bytes differ by coding
 *   (RFC 9110 §8.8.3). The application still sees its own tag in `If-None-Match`, which compares
 *   weakly (§13.1.2); `If-Match` and `If-Range`, which compare strongly, no longer match it, so
 *   a range or a conditional write is never applied to the wrong bytes;
 * - `Accept-Ranges` is dropped: ranges the application serves are of the identity bytes, and a
 *   client must not ask for them as offsets into the compressed ones;
 * - digests of the bytes (`Content-Digest`, `Repr-Digest` of RFC 9530, and the older
 *   `Content-MD5` and `Digest`) are dropped, since they no longer match.
 */
export function encodedHeaders(headers: Headers, encoding: Encoding): void {
  headers.set('content-encoding', encoding);
  headers.delete('content-length');
  headers.delete('accept-ranges');
  headers.delete('content-digest');
  headers.delete('repr-digest');
  headers.delete('content-md5');
  headers.delete('digest');
  const etag = headers.get('etag');
  if (etag !== null) headers.set('etag', weaken(etag));
}

/**
 * The `ETag` and `Vary` for a 304: when the client revalidates with the weak tag a compressed
 * response carried (`W/"x"`) and the application answers with its strong `"x"`, the 304 carries
 * `W/"x"` and `Vary: Accept-Encoding`, as the compressed 200 did (RFC 9110 §15.4.5), so the
 * client's stored response is the one updated. Otherwise `undefined`: the 304 goes unchanged.
 */
export function notModifiedHeaders(request: Request, response: Response): Headers | undefined {
  const etag = response.headers.get('etag')?.trim();
  if (etag?.startsWith('"') !== true) return undefined;
  const value = etag.slice(1, -1);
  const held = parseETagList(request.headers.get('if-none-match'));
  if (held === '*' || !held.some((tag) => tag.weak && tag.value === value)) return undefined;
  const headers = new Headers(response.headers);
  headers.set('etag', `W/${etag}`);
  addVary(headers);
  return headers;
}

/** A `Content-Length` as a number, or `undefined` when absent or malformed. */
export function declaredLength(headers: Headers): number | undefined {
  const value = headers.get('content-length');
  return value !== null && /^\d+$/.test(value) ? Number(value) : undefined;
}
