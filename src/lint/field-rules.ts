/**
 * Syntax checks for single header field values: HTTP-dates, URI references, entity tags and folded
 * `Set-Cookie` values. Each answers a question about one string and never throws.
 *
 * Internal to lint; the parsers an application wants (`parseHttpDate`, `parseETag`, …) are in the
 * core.
 */
import { parseETag } from '../core/etag.ts';
import { parseHttpDate } from '../core/http-date.ts';

// RFC 9110 §5.6.7: the one form a sender may generate. Case-sensitive, unlike what a recipient
// accepts, and with exactly one SP between parts.
const IMF_FIXDATE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * True when `value` is an IMF-fixdate naming a real date (`Sun, 06 Nov 1994 08:49:37 GMT`). The
 * obsolete RFC 850 and asctime forms are false: a recipient must read them, a sender must not
 * write them.
 */
export function isImfFixdate(value: string): boolean {
  return IMF_FIXDATE.test(value) && parseHttpDate(value) !== undefined;
}

// RFC 3986 §2: the characters a URI reference may hold, unreserved, reserved and `%`.
const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]*$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * Why `value` is not a URI reference (RFC 3986 §4.1), or `undefined` when it is one. A relative
 * reference is fine: `Location` takes one (RFC 9110 §10.2.2).
 */
export function uriReferenceProblem(value: string): string | undefined {
  if (value === '') return 'it is empty';
  if (!URI_CHARS.test(value)) {
    return 'it holds characters no URI has (spaces, quotes, raw non-ASCII): percent-encode them';
  }
  if (BAD_PERCENT.test(value)) return 'it has a "%" that does not start a %XX escape';
  try {
    if (SCHEME.test(value)) new URL(value);
    else new URL(value, 'http://base.invalid/');
  } catch {
    return 'the URL parser rejects it';
  }
  return undefined;
}

/** True when `value` is exactly one entity tag: `"x"` or `W/"x"` (RFC 9110 §8.8.3). */
export function isEntityTag(value: string): boolean {
  return parseETag(value) !== undefined;
}

// A comma, optional whitespace, then `name=`: the start of a second cookie. An `Expires` date
// (`Wed, 21 Oct 2015 …`) never matches, since no `=` follows the day; a cookie value cannot hold a
// comma at all (RFC 6265 §4.1.1 cookie-octet).
const SECOND_COOKIE = /,[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)=/;

/**
 * The name of the second cookie when `value` is two `Set-Cookie` values joined with a comma
 * (`a=1, b=2`), or `undefined` for a single cookie.
 */
export function foldedCookieName(value: string): string | undefined {
  return SECOND_COOKIE.exec(value)?.[1];
}
