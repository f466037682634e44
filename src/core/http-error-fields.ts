/**
 * Checks and formats the header field values that HTTP error classes set from their arguments:
 * URI references (`Location`, `Link`), tokens (`Allow`, `Upgrade`), challenges and `Retry-After`.
 * Internal to the HTTP error classes; bad values are programmer errors and throw at construction.
 */

// RFC 9110 §5.6.2: tchar.
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PROTOCOL = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\/[!#$%&'*+.^_`|~0-9A-Za-z-]+)?$/;
// RFC 3986 §2: the characters of a URI reference, once non-ASCII text is percent-encoded.
const URI_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
const NON_ASCII = /[^\x20-\x7e]+/gu;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// Schemes whose URL runs code when followed; the error body links to the location.
const SCRIPT_SCHEMES = new Set(['javascript:', 'vbscript:', 'data:']);

function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * Checks a URI reference (absolute or relative, RFC 3986 §4.1) for a header field. Non-ASCII text
 * is percent-encoded as UTF-8 and an absolute URL is normalised (an IDN host becomes punycode), so
 * the result is plain ASCII.
 *
 * @throws {TypeError} on CR, LF or other controls (they would split the field, RFC 9112 §5), on
 * spaces and other characters no URI has, on a malformed `%` escape, on a value the URL parser
 * rejects, and on `javascript:`, `vbscript:` and `data:` URLs.
 */
export function checkUriReference(field: string, value: string | URL): string {
  const text = value instanceof URL ? value.href : value;
  if (typeof text !== 'string' || text === '') {
    throw new TypeError(`${field} must be a non-empty URL string`);
  }
  if (hasControl(text)) {
    throw new TypeError(`${field} must not contain CR, LF or other control characters`);
  }
  let encoded: string;
  try {
    encoded = text.replace(NON_ASCII, (run) => encodeURIComponent(run));
  } catch {
    throw new TypeError(`${field} is not well-formed Unicode: ${JSON.stringify(text)}`);
  }
  if (!URI_CHARS.test(encoded) || BAD_PERCENT.test(encoded)) {
    throw new TypeError(`${field} is not a URI reference: ${JSON.stringify(text)}`);
  }
  const absolute = SCHEME.test(encoded);
  let url: URL;
  try {
    url = absolute ? new URL(encoded) : new URL(encoded, 'http://base.invalid/');
  } catch {
    throw new TypeError(`${field} is not a URI reference: ${JSON.stringify(text)}`);
  }
  if (SCRIPT_SCHEMES.has(url.protocol)) {
    throw new TypeError(`${field} must not be a ${url.protocol} URL`);
  }
  // A relative reference stays relative (RFC 9110 §10.2.2 allows it in Location).
  return absolute ? url.href : encoded;
}

/**
 * Checks a header field value: a non-empty string without controls (RFC 9110 §5.5).
 *
 * @throws {TypeError} otherwise.
 */
export function checkFieldValue(field: string, value: string): string {
  if (typeof value !== 'string' || value.trim() === '' || hasControl(value)) {
    throw new TypeError(`${field} must be a non-empty string without control characters`);
  }
  return value.trim();
}

/**
 * Checks one or more field values and returns them as a list.
 *
 * @throws {TypeError} for an empty list or a bad value.
 */
export function checkFieldList(field: string, value: string | readonly string[]): string[] {
  const list = typeof value === 'string' ? [value] : [...value];
  if (list.length === 0) throw new TypeError(`${field} needs at least one value`);
  return list.map((item) => checkFieldValue(field, item));
}

/**
 * Checks that a value is an HTTP token (RFC 9110 §5.6.2), e.g. a method name.
 *
 * @throws {TypeError} otherwise.
 */
export function checkToken(field: string, value: string): string {
  if (typeof value !== 'string' || !TOKEN.test(value)) {
    throw new TypeError(`${field} must be an HTTP token, got ${JSON.stringify(value)}`);
  }
  return value;
}

/**
 * Checks an `Upgrade` protocol: `token [ "/" token ]` (RFC 9110 §7.8).
 *
 * @throws {TypeError} otherwise.
 */
export function checkProtocol(value: string): string {
  if (!PROTOCOL.test(value)) {
    throw new TypeError(
      `an Upgrade protocol must be token or token/token, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/**
 * Formats `Retry-After` (RFC 9110 §10.2.3): whole seconds, or a date as IMF-fixdate.
 *
 * @throws {RangeError} for a negative or fractional number of seconds or an invalid date.
 */
export function formatRetryAfter(value: number | Date): string {
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new RangeError('retryAfter is an invalid Date');
    return value.toUTCString();
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`retryAfter must be a whole number of seconds >= 0, got ${value}`);
  }
  return String(value);
}
