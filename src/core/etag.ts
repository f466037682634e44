/**
 * Entity tags and conditional requests (RFC 9110 §8.8.3 and §13): read `If-Match` /
 * `If-None-Match` lists, compare tags, and decide whether a request's preconditions let it proceed.
 *
 * Replaces the `IF_*` and `ETAG` helpers of `paste.httpheaders`, which split tag lists on every
 * comma (an entity tag may contain one) and answered 400 to an unreadable date. Here a quoted comma
 * stays in its tag, and a date that does not parse is ignored, as RFC 9110 §13.1 requires.
 *
 * {@link evaluateConditions} applies only where the response without the conditions would be 2xx
 * (RFC 9110 §13.2.1): call it after routing and authorisation, not before.
 */
import { trimOws } from './header-syntax.ts';
import { parseHttpDate } from './http-date.ts';

/** One entity tag: its opaque value (without quotes) and whether it is weak (`W/`). */
export interface EntityTag {
  readonly weak: boolean;
  readonly value: string;
}

/** An `If-Match` / `If-None-Match` value: `*` or a list of entity tags. */
export type ETagList = '*' | readonly EntityTag[];

/** What the current representation is, for {@link evaluateConditions} and {@link ifRangeMatches}. */
export interface CurrentValidators {
  /** The current entity tag, as a header value (`"abc"`, `W/"abc"`) or parsed. @default none */
  readonly etag?: string | EntityTag;
  /** When the representation last changed; compared to the second. @default none */
  readonly lastModified?: Date | number;
  /** Whether there is a current representation, for `If-Match: *` / `If-None-Match: *`. @default true */
  readonly exists?: boolean;
}

/** The outcome of {@link evaluateConditions}. */
export type ConditionResult = 'none' | 'not-modified' | 'precondition-failed';

function isEtagChar(c: number): boolean {
  // etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3)
  return c === 0x21 || (c >= 0x23 && c <= 0x7e) || (c >= 0x80 && c <= 0xff);
}

function isOpaque(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (!isEtagChar(value.charCodeAt(i))) return false;
  return true;
}

/**
 * Formats an entity tag for an `ETag` header.
 *
 * @throws {TypeError} when `value` has a character an entity tag cannot hold (a quote, a space, a
 * control character, anything above U+00FF).
 * @example
 * ```ts
 * import { formatETag } from 'trowel';
 * formatETag('v42'); // '"v42"'
 * formatETag('v42', true); // 'W/"v42"'
 * ```
 */
export function formatETag(value: string, weak = false): string {
  if (!isOpaque(value))
    throw new TypeError(`formatETag: ${JSON.stringify(value)} cannot be an entity tag`);
  return `${weak ? 'W/' : ''}"${value}"`;
}

/**
 * Reads one entity tag (`"abc"` or `W/"abc"`), or `undefined` when `value` is not exactly one.
 *
 * @example
 * ```ts
 * import { parseETag } from 'trowel';
 * parseETag('W/"abc"'); // { weak: true, value: 'abc' }
 * ```
 */
export function parseETag(value: string): EntityTag | undefined {
  const m = ETAG.exec(trimOws(value));
  const opaque = m?.[2];
  return opaque !== undefined && isOpaque(opaque)
    ? { weak: m?.[1] !== undefined, value: opaque }
    : undefined;
}

const ETAG = /^(W\/)?"([^"]*)"$/;

/**
 * Reads an `If-Match` or `If-None-Match` value: `*`, or a comma-separated list of entity tags.
 * Commas inside a quoted tag belong to the tag. A malformed member (an unquoted tag, `w/` in
 * lowercase, a stray character) is skipped; the other members are kept. Never throws.
 *
 * @returns `'*'`, or the tags in header order (empty for a missing or unreadable header).
 * @example
 * ```ts
 * import { parseETagList } from 'trowel';
 * parseETagList('"a,b", W/"c"'); // [{ weak: false, value: 'a,b' }, { weak: true, value: 'c' }]
 * ```
 */
export function parseETagList(header: string | null | undefined): ETagList {
  if (typeof header !== 'string') return [];
  if (trimOws(header) === '*') return '*';
  const tags: EntityTag[] = [];
  const n = header.length;
  let i = 0;
  while (i < n) {
    const c = header.charCodeAt(i);
    if (c === 0x2c || c === 0x20 || c === 0x09) {
      i++;
      continue;
    }
    const weak = header.startsWith('W/', i);
    const open = weak ? i + 2 : i;
    const close = header.charCodeAt(open) === 0x22 ? header.indexOf('"', open + 1) : -1;
    if (close === -1) {
      i = skipMember(header, i);
      continue;
    }
    const value = header.slice(open + 1, close);
    i = close + 1;
    // The member must end here: only OWS may come before the next comma.
    const next = skipOws(header, i);
    if (next < n && header.charCodeAt(next) !== 0x2c) {
      i = skipMember(header, next);
      continue;
    }
    if (isOpaque(value)) tags.push({ weak, value });
  }
  return tags;
}

function skipOws(s: string, i: number): number {
  while (i < s.length && (s.charCodeAt(i) === 0x20 || s.charCodeAt(i) === 0x09)) i++;
  return i;
}

function skipMember(s: string, i: number): number {
  const comma = s.indexOf(',', i);
  return comma === -1 ? s.length : comma + 1;
}

function toTag(tag: string | EntityTag): EntityTag | undefined {
  return typeof tag === 'string' ? parseETag(tag) : tag;
}

/**
 * Strong comparison (RFC 9110 §8.8.3.2): both tags strong and their values equal. Used by
 * `If-Match` and `If-Range`.
 *
 * @example
 * ```ts
 * import { strongMatch } from 'trowel';
 * strongMatch('"1"', '"1"'); // true
 * strongMatch('W/"1"', '"1"'); // false
 * ```
 */
export function strongMatch(a: string | EntityTag, b: string | EntityTag): boolean {
  const x = toTag(a);
  const y = toTag(b);
  return x !== undefined && y !== undefined && !x.weak && !y.weak && x.value === y.value;
}

/**
 * Weak comparison (RFC 9110 §8.8.3.2): values equal, whether or not either tag is weak. Used by
 * `If-None-Match`.
 *
 * @example
 * ```ts
 * import { weakMatch } from 'trowel';
 * weakMatch('W/"1"', '"1"'); // true
 * ```
 */
export function weakMatch(a: string | EntityTag, b: string | EntityTag): boolean {
  const x = toTag(a);
  const y = toTag(b);
  return x !== undefined && y !== undefined && x.value === y.value;
}

function listMatches(
  list: ETagList,
  validators: CurrentValidators,
  match: (a: EntityTag, b: EntityTag) => boolean,
): boolean {
  if (list === '*') return validators.exists ?? true;
  const current = validators.etag === undefined ? undefined : toTag(validators.etag);
  return current !== undefined && list.some((tag) => match(tag, current));
}

/** Milliseconds truncated to whole seconds: an HTTP-date has no finer resolution. */
function seconds(date: Date | number): number {
  const ms = typeof date === 'number' ? date : date.getTime();
  return Math.floor(ms / 1000) * 1000;
}

/**
 * Evaluates the preconditions of a request against the current representation, in the order of
 * RFC 9110 §13.2.2:
 *
 * 1. `If-Match` (strong comparison); false → `'precondition-failed'`.
 * 2. Else `If-Unmodified-Since`; modified since → `'precondition-failed'`.
 * 3. `If-None-Match` (weak comparison); a match → `'not-modified'` for GET and HEAD, else
 *    `'precondition-failed'`.
 * 4. Else, for GET and HEAD, `If-Modified-Since`; not modified since → `'not-modified'`.
 *
 * A date that does not parse, and a date condition on a representation without `lastModified`, is
 * ignored. `If-Range` is separate: see {@link ifRangeMatches}.
 *
 * @returns `'none'` when the request proceeds as if unconditional; otherwise answer 304 (with the
 * validators and cache headers a 200 would carry) or 412.
 * @example
 * ```ts
 * import { evaluateConditions, formatETag, type Handler } from 'trowel';
 * const etag = formatETag('v1');
 * const app: Handler = (request) =>
 *   evaluateConditions(request, { etag }) === 'not-modified'
 *     ? new Response(null, { status: 304, headers: { etag } })
 *     : new Response('hello', { headers: { etag } });
 * ```
 */
export function evaluateConditions(
  request: Request,
  validators: CurrentValidators,
): ConditionResult {
  const headers = request.headers;
  const safe = request.method === 'GET' || request.method === 'HEAD';
  const lastModified =
    validators.lastModified === undefined ? undefined : seconds(validators.lastModified);
  const ifMatch = headers.get('if-match');
  if (ifMatch !== null) {
    if (!listMatches(parseETagList(ifMatch), validators, strongMatch)) return 'precondition-failed';
  } else {
    const since = parseHttpDate(headers.get('if-unmodified-since'));
    if (since && lastModified !== undefined && lastModified > since.getTime()) {
      return 'precondition-failed';
    }
  }
  const ifNoneMatch = headers.get('if-none-match');
  if (ifNoneMatch !== null) {
    if (listMatches(parseETagList(ifNoneMatch), validators, weakMatch)) {
      return safe ? 'not-modified' : 'precondition-failed';
    }
  } else if (safe) {
    const since = parseHttpDate(headers.get('if-modified-since'));
    if (since && lastModified !== undefined && lastModified <= since.getTime()) {
      return 'not-modified';
    }
  }
  return 'none';
}

/**
 * Whether a request's `Range` should be honoured given its `If-Range` (RFC 9110 §13.1.5): true
 * without `If-Range`; for an entity tag, true only on a strong match with a strong current tag;
 * for a date, true only when it equals `lastModified` to the second. An unreadable `If-Range`
 * is false, so the full representation is sent.
 *
 * @example
 * ```ts
 * import { ifRangeMatches } from 'trowel';
 * const request = new Request('http://x/', { headers: { range: 'bytes=0-9', 'if-range': '"v1"' } });
 * ifRangeMatches(request, { etag: '"v1"' }); // true
 * ```
 */
export function ifRangeMatches(request: Request, validators: CurrentValidators): boolean {
  const value = request.headers.get('if-range');
  if (value === null) return true;
  const trimmed = trimOws(value);
  // An entity tag starts with DQUOTE or `W/"`; anything else is read as an HTTP-date.
  if (trimmed.startsWith('"') || trimmed.startsWith('W/')) {
    return validators.etag !== undefined && strongMatch(trimmed, validators.etag);
  }
  const date = parseHttpDate(trimmed);
  return (
    date !== undefined &&
    validators.lastModified !== undefined &&
    seconds(validators.lastModified) === date.getTime()
  );
}
