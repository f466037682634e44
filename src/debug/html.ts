/**
 * Putting a debug fragment into an HTML page: before `</body>`, right after `<body>`, or into an
 * element found by its `id`, and reading an HTML response body (with a size limit) so that a
 * development middleware can do that.
 *
 * The positions come from a tag scanner that follows the tokenizer rules of the WHATWG HTML
 * standard (§13.2.5) far enough to find tags: it skips comments, `<!…>` and `<?…>` declarations,
 * quoted attribute values and the contents of raw-text elements (`<script>`, `<style>`,
 * `<textarea>`, `<title>`, …), so a `</body>` inside a script or a comment is not taken for the real
 * one. It builds no tree and does not decode character references: an `id` is compared as written.
 * It is meant for the debug tools (profile, prints, validate); to query or rewrite a page, use an
 * HTML parser (cheerio, parse5) instead.
 */
import { mediaTypeParam } from '../core/body.ts';

/** Where {@link insertIntoHtml} puts a fragment when no element with the given `id` is found. */
export type HtmlInsertion = 'before-body-end' | 'after-body-start';

interface Tag {
  readonly name: string;
  readonly closing: boolean;
  /** The offset of the `<`. */
  readonly start: number;
  /** The offset just past the `>`. */
  readonly end: number;
  readonly id: string | undefined;
}

/** Elements whose content is text up to the matching end tag (WHATWG HTML §13.2.5.2–§13.2.5.5). */
const RAW_TEXT = new Set([
  'iframe',
  'noembed',
  'noframes',
  'noscript',
  'script',
  'style',
  'textarea',
  'title',
  'xmp',
]);

const SPACE = /[\t\n\f\r ]/;
const LETTER = /[A-Za-z]/;

/**
 * Inserts `fragment` into `html`: right after the start tag of the element whose `id` is `id`
 * (Paste's `<pre id="paste-debug-prints">` convention) when there is one, else at `where`:
 *
 * - `'before-body-end'`: before the last `</body>` (else before `</html>`, else at the end);
 * - `'after-body-start'`: right after `<body …>` (else after a leading `<!DOCTYPE …>`, so the page
 *   stays in standards mode, else at the start).
 *
 * `fragment` is inserted as is: escape whatever text it carries (`escapeHtml` from `trowel`).
 *
 * @example
 * ```ts
 * import { insertIntoHtml } from '../html.ts'; // from src/debug/<capability>/
 * insertIntoHtml('<body><p>hi</p></body>', '<pre>log</pre>', 'before-body-end');
 * // '<body><p>hi</p><pre>log</pre></body>'
 * ```
 */
export function insertIntoHtml(
  html: string,
  fragment: string,
  where: HtmlInsertion,
  id?: string,
): string {
  const { offset } = htmlInsertionPoint(html, where, id);
  return html.slice(0, offset) + fragment + html.slice(offset);
}

/** Where {@link insertIntoHtml} would insert, and whether that is inside the element with the id. */
export interface HtmlInsertionPoint {
  /** The offset in the page's text. */
  readonly offset: number;
  /** True when the element with the given id was found: the fragment can leave out its own box. */
  readonly intoElement: boolean;
}

/**
 * The place {@link insertIntoHtml} uses, for a caller whose fragment depends on it.
 *
 * @example
 * ```ts
 * import { htmlInsertionPoint } from '../html.ts'; // from src/debug/<capability>/
 * const page = '<body><pre id="log"></pre></body>';
 * const { offset, intoElement } = htmlInsertionPoint(page, 'after-body-start', 'log');
 * const fragment = intoElement ? 'text' : '<pre>text</pre>';
 * const result = page.slice(0, offset) + fragment + page.slice(offset);
 * ```
 */
export function htmlInsertionPoint(
  html: string,
  where: HtmlInsertion,
  id?: string,
): HtmlInsertionPoint {
  const found = elementEnd(html, id);
  if (found !== undefined) return { offset: found, intoElement: true };
  return { offset: fallbackPoint(html, where), intoElement: false };
}

function elementEnd(html: string, id: string | undefined): number | undefined {
  if (id === undefined) return undefined;
  for (const tag of scanTags(html)) {
    if (!tag.closing && tag.id === id) return tag.end;
  }
  return undefined;
}

function fallbackPoint(html: string, where: HtmlInsertion): number {
  let bodyStart: number | undefined;
  let bodyEnd: number | undefined;
  let htmlEnd: number | undefined;
  for (const tag of scanTags(html)) {
    if (tag.name === 'body') {
      if (tag.closing) bodyEnd = tag.start;
      else bodyStart ??= tag.end;
    } else if (tag.name === 'html' && tag.closing) {
      htmlEnd = tag.start;
    }
    // Nothing later can change an 'after-body-start' answer.
    if (where === 'after-body-start' && bodyStart !== undefined) break;
  }
  if (where === 'after-body-start') {
    // After a byte order mark, too: it is only one at the very start.
    return bodyStart ?? /^\uFEFF?(?:\s*<!doctype[^>]*>)?/i.exec(html)?.[0].length ?? 0;
  }
  return bodyEnd ?? htmlEnd ?? html.length;
}

/** The tags of `html`, in order, outside comments and raw text. */
function* scanTags(html: string): Generator<Tag> {
  let i = 0;
  for (;;) {
    const lt = html.indexOf('<', i);
    if (lt === -1 || lt + 1 >= html.length) return;
    const next = html.charAt(lt + 1);
    if (html.startsWith('<!--', lt)) {
      // Searching from `lt + 2` also ends the abrupt forms `<!-->` and `<!--->`.
      const close = html.indexOf('-->', lt + 2);
      if (close === -1) return;
      i = close + 3;
      continue;
    }
    if (next === '!' || next === '?') {
      const close = html.indexOf('>', lt + 2);
      if (close === -1) return;
      i = close + 1;
      continue;
    }
    const closing = next === '/';
    const nameStart = closing ? lt + 2 : lt + 1;
    if (!LETTER.test(html.charAt(nameStart))) {
      i = lt + 1;
      continue;
    }
    const tag = readTag(html, lt, nameStart, closing);
    if (tag === undefined) return;
    yield tag;
    i = tag.end;
    if (!closing && RAW_TEXT.has(tag.name)) {
      const endTag = findEndTag(html, tag.name, tag.end);
      if (endTag === -1) return;
      i = endTag;
    }
  }
}

/** Reads one tag from its name to its `>`; `undefined` when the document ends inside it. */
function readTag(
  html: string,
  start: number,
  nameStart: number,
  closing: boolean,
): Tag | undefined {
  let i = nameStart;
  while (i < html.length && !SPACE.test(html.charAt(i)) && !'/>'.includes(html.charAt(i))) i++;
  const name = html.slice(nameStart, i).toLowerCase();
  let id: string | undefined;
  for (;;) {
    while (i < html.length && (SPACE.test(html.charAt(i)) || html.charAt(i) === '/')) i++;
    if (i >= html.length) return undefined;
    if (html.charAt(i) === '>') break;
    // An attribute name may begin with '=' (§13.2.5.32), so the first character is always taken.
    const attrStart = i++;
    while (i < html.length && !SPACE.test(html.charAt(i)) && !'/>='.includes(html.charAt(i))) i++;
    const attr = html.slice(attrStart, i).toLowerCase();
    while (i < html.length && SPACE.test(html.charAt(i))) i++;
    if (html.charAt(i) !== '=') continue;
    i++;
    while (i < html.length && SPACE.test(html.charAt(i))) i++;
    let value: string;
    const quote = html.charAt(i);
    if (quote === '"' || quote === "'") {
      const close = html.indexOf(quote, i + 1);
      if (close === -1) return undefined;
      value = html.slice(i + 1, close);
      i = close + 1;
    } else {
      const valueStart = i;
      while (i < html.length && !SPACE.test(html.charAt(i)) && html.charAt(i) !== '>') i++;
      value = html.slice(valueStart, i);
    }
    // The first of duplicate attributes wins (§13.2.5.33).
    if (attr === 'id' && id === undefined) id = value;
  }
  return { name, closing, start, end: i + 1, id };
}

/** The offset of the `</name` that ends a raw-text element, or -1. */
function findEndTag(html: string, name: string, from: number): number {
  const pattern = new RegExp(`</${name}(?=[\\t\\n\\f\\r />])`, 'gi');
  pattern.lastIndex = from;
  return pattern.exec(html)?.index ?? -1;
}

/** Options of {@link readHtmlResponse}. */
export interface ReadHtmlOptions {
  /** The media types (lowercase, without parameters) to read. @default ['text/html'] */
  readonly types?: readonly string[];
}

const HTML_TYPES = ['text/html'];

/**
 * The body of an HTML response as text, or `undefined` when the response is to pass through as it
 * is: another media type, no body, a 206 part, a `Content-Encoding` (the bytes are not HTML text
 * until decoded), a charset other than UTF-8 or bytes that are not valid UTF-8, or more than
 * `limit` bytes.
 *
 * It reads a copy (`response.clone()`), so on `undefined` the response is untouched and can still be
 * sent; the bytes read so far stay buffered for it, at most `limit` of them. On a string result the
 * response's body has been read: build the new response with {@link withHtmlBody}.
 *
 * @example
 * ```ts
 * import { insertIntoHtml, readHtmlResponse, withHtmlBody } from '../html.ts';
 * const response = new Response('<body>hi</body>', { headers: { 'content-type': 'text/html' } });
 * const html = await readHtmlResponse(response, 1_000_000);
 * const sent = html === undefined ? response : withHtmlBody(response, insertIntoHtml(html, '<hr>', 'before-body-end'));
 * ```
 */
export async function readHtmlResponse(
  response: Response,
  limit: number,
  options: ReadHtmlOptions = {},
): Promise<string | undefined> {
  if (!isHtmlResponse(response, options.types ?? HTML_TYPES)) return undefined;
  const declared = response.headers.get('content-length');
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > limit) return undefined;
  const copy = response.clone();
  const body = copy.body;
  if (body === null) return undefined;
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        // Not awaited: cancelling one branch of a tee settles only when the other branch ends.
        reader.cancel().catch(() => undefined);
        return undefined;
      }
      chunks.push(value);
    }
  } catch {
    // The stream failed: leave the original to fail the same way where it is sent.
    return undefined;
  }
  let text: string;
  try {
    // ignoreBOM keeps a byte order mark in the text, so an unchanged page keeps its bytes.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(Buffer.concat(chunks));
  } catch {
    return undefined;
  }
  // The original branch holds the same bytes; they are not needed any more.
  response.body?.cancel().catch(() => undefined);
  return text;
}

function isHtmlResponse(response: Response, types: readonly string[]): boolean {
  if (response.body === null || response.bodyUsed || response.status === 206) return false;
  const contentType = response.headers.get('content-type') ?? '';
  const essence = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  if (!types.includes(essence)) return false;
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') return false;
  const charset = mediaTypeParam(contentType, 'charset')?.toLowerCase();
  return (
    charset === undefined || charset === 'utf-8' || charset === 'utf8' || charset === 'us-ascii'
  );
}

/**
 * A copy of `response` (status, status text, headers) with `html` as its body, encoded as UTF-8.
 * `Content-Length` is dropped for the server to recompute, and so are the validators and digests
 * of the old bytes: a strong `ETag` names exact bytes (RFC 9110 §8.8.3), and `Content-MD5`,
 * `Digest`, `Content-Digest` and `Repr-Digest` (RFC 9530) would no longer match.
 *
 * @example
 * ```ts
 * import { withHtmlBody } from '../html.ts';
 * const page = withHtmlBody(new Response('old', { status: 201 }), '<p>new</p>');
 * ```
 */
export function withHtmlBody(response: Response, html: string): Response {
  const headers = new Headers(response.headers);
  for (const name of [
    'content-length',
    'etag',
    'content-md5',
    'digest',
    'content-digest',
    'repr-digest',
  ]) {
    headers.delete(name);
  }
  return new Response(html, { status: response.status, statusText: response.statusText, headers });
}
