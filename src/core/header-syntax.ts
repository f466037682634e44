/**
 * The field-value grammar that trowel's header parsers share (RFC 9110 §5.6): tokens, optional
 * whitespace, quoted-strings, comma-separated lists and `;` parameters.
 *
 * This module is internal to the core. Application code wants the parsers built on it
 * (`parseAccept`, `parseCacheControl`, `parseContentDisposition`, …), not these pieces. Entity tags
 * are not read with it: an entity tag may contain a backslash that is not an escape (RFC 9110 §8.8.3).
 *
 * Everything here is linear in the input and never throws: header values come from the network.
 */

const TCHAR = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** True when `value` is a non-empty RFC 9110 §5.6.2 token. */
export function isToken(value: string): boolean {
  return TCHAR.test(value);
}

/**
 * True when `value` holds a control character other than HTAB: C0 controls and DEL. Such a
 * character never belongs in a field value (RFC 9110 §5.5) and CR/LF would split a header.
 */
export function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return true;
  }
  return false;
}

/**
 * Strips OWS (SP and HTAB, RFC 9110 §5.6.3) from both ends. A loop rather than a regular
 * expression: `/[ \t]+$/` backtracks quadratically on long runs of inner whitespace.
 */
export function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return value.slice(start, end);
}

function isOws(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/**
 * Splits `value` on `separator` where it is not inside a quoted-string, trimming OWS from each
 * part. Empty parts are kept, so the caller can tell `;q=1` from `q=1`.
 */
export function splitOutsideQuotes(value: string, separator: ',' | ';'): string[] {
  const parts: string[] = [];
  const sep = separator.charCodeAt(0);
  let start = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c)
        i++; // quoted-pair: the next character is literal
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) {
      quoted = true;
    } else if (c === sep) {
      parts.push(trimOws(value.slice(start, i)));
      start = i + 1;
    }
  }
  parts.push(trimOws(value.slice(start)));
  return parts;
}

/** The members of a `#rule` list; empty members are ignored, as RFC 9110 §5.6.1 requires. */
export function splitList(value: string): string[] {
  return splitOutsideQuotes(value, ',').filter((part) => part !== '');
}

/**
 * The content of a quoted-string with its quoted-pairs resolved, or `undefined` when `value` is not
 * exactly one well-formed quoted-string.
 */
export function unquote(value: string): string | undefined {
  if (value.length < 2 || value.charCodeAt(0) !== 0x22) return undefined;
  let out = '';
  for (let i = 1; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22) return i === value.length - 1 ? out : undefined;
    if (c === 0x5c) {
      i++;
      if (i >= value.length) return undefined;
    }
    out += value.charAt(i);
  }
  return undefined;
}

/** `value` as a token when it is one, else as a quoted-string with `"` and `\` escaped. */
export function quoteIfNeeded(value: string): string {
  return isToken(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** One `name=value` parameter: the name lowercased, the value unquoted. */
export interface Parameter {
  readonly name: string;
  readonly value: string;
}

/**
 * Reads `name=value` where the value is a token or a quoted-string (RFC 9110 §5.6.6). OWS around
 * `=` is tolerated. Returns `undefined` for anything else.
 */
export function parseParameter(part: string): Parameter | undefined {
  const eq = part.indexOf('=');
  if (eq === -1) return undefined;
  const name = trimOws(part.slice(0, eq));
  const raw = trimOws(part.slice(eq + 1));
  if (!isToken(name)) return undefined;
  const value = raw.startsWith('"') ? unquote(raw) : isToken(raw) ? raw : undefined;
  return value === undefined ? undefined : { name: name.toLowerCase(), value };
}

/** The header named `name` of a request, or the string itself when a field value is given. */
export function fieldValue(
  input: Request | string | null | undefined,
  name: string,
): string | null {
  if (input === undefined || input === null) return null;
  return typeof input === 'string' ? input : input.headers.get(name);
}
