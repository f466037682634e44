/**
 * The header fields of an error document shown in place of an application's error response: the
 * application's fields that are about the error (`WWW-Authenticate`, `Allow`, `Retry-After`,
 * `Cache-Control`, cookies, …), with the document's fields that describe its content.
 *
 * Paste copied the document's fields over the original's and kept the rest, so a `Content-Length`
 * of the original body could survive beside the document's body, and the document's `ETag`,
 * `Last-Modified` and caching could end up on a 404. Here every field describing the original
 * content is dropped (RFC 9110 §8: it describes a body that is no longer sent), and only the
 * document's content fields, its cookies and its `Vary` are taken.
 */

/** Fields of the original response that describe its content, which is replaced. */
const ORIGINAL_CONTENT = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
  'content-range',
  'content-disposition',
  'etag',
  'last-modified',
  'accept-ranges',
  'transfer-encoding',
];

/** Fields of the document that describe its content, which is sent. */
const DOCUMENT_CONTENT = ['content-type', 'content-length', 'content-encoding', 'content-language'];

/**
 * The fields for the document's body under the original status.
 *
 * @example
 * ```ts
 * import { mergeHeaders } from './merge.ts';
 * const merged = mergeHeaders(
 *   new Headers({ 'www-authenticate': 'Basic realm="x"', 'content-type': 'text/plain' }),
 *   new Headers({ 'content-type': 'text/html' }),
 * ); // www-authenticate kept, content-type text/html
 * ```
 */
export function mergeHeaders(original: Headers, page: Headers): Headers {
  const headers = new Headers(original);
  for (const name of ORIGINAL_CONTENT) headers.delete(name);
  for (const name of DOCUMENT_CONTENT) {
    const value = page.get(name);
    if (value !== null) headers.set(name, value);
  }
  for (const cookie of page.getSetCookie()) headers.append('set-cookie', cookie);
  // The document may vary by what the original did not (Accept-Encoding, say): both apply.
  const vary = new Map<string, string>();
  for (const value of [headers.get('vary'), page.get('vary')]) {
    for (const name of (value ?? '').split(',')) {
      const trimmed = name.trim();
      if (trimmed !== '' && !vary.has(trimmed.toLowerCase()))
        vary.set(trimmed.toLowerCase(), trimmed);
    }
  }
  if (vary.size > 0) headers.set('vary', [...vary.values()].join(', '));
  return headers;
}
