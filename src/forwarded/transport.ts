/**
 * WSGIProxy's transport headers: context values that a forwarding proxy hands to the application
 * behind it, one header each — `X-WSGIProxy-Str-0: REMOTE_USER bob`.
 *
 * The header name says how the payload is encoded (`Str`, `Unicode`, `Json`) and the value's
 * position in the sender's configured list; the header value is the URL-quoted name, one space, and
 * the payload. A payload that could not travel raw in a header — empty, with control characters or
 * bytes outside ASCII, with leading or trailing spaces, or itself starting with `b64` — is sent as
 * `b64` plus the standard base64 of its UTF-8 bytes. Decoding accepts everything Python WSGIProxy
 * sends, including its raw high bytes and its empty `KEY ` (which reaches us trimmed to `KEY`).
 *
 * What changed from WSGIProxy: there is no `Pickle` kind (unpickling a header is remote code
 * execution for whoever can send it); non-ASCII and empty payloads are base64-encoded instead of
 * breaking the header or the receiver; malformed headers are a `TypeError` the receiver turns into
 * a 400, never a crash.
 *
 * When not to use it: for anything a client may see or set. These headers are believed only from a
 * signed request, or from a peer trusted by address when the receiver is told the proxy in front
 * strips them (see `forwarded()`), and only for the names the receiver lists. {@link isPrivateHeader}
 * lists every header a proxy must strip from client requests and a receiver from the application's.
 */
import { Buffer } from 'node:buffer';
import { createKey, type Key } from '../core/context.ts';

/** How a transported value is encoded: text (`str`, `unicode`, both UTF-8) or JSON. */
export type TransportKind = 'str' | 'unicode' | 'json';

/** Wire name → context key, as both sides configure it. */
export type TransportMap = Readonly<Record<string, Key<unknown>>>;

/** The sender's configuration: which context values travel, by kind, in header index order. */
export interface TransportKeys {
  /** Text values (`X-WSGIProxy-Str-N`). */
  readonly str?: TransportMap;
  /** Text values (`X-WSGIProxy-Unicode-N`); the same encoding as `str`, kept for WSGIProxy peers. */
  readonly unicode?: TransportMap;
  /** Any JSON value (`X-WSGIProxy-Json-N`). */
  readonly json?: TransportMap;
}

/** The protocol version a WSGIProxy peer announces in `X-WSGIProxy-Version`. */
export const WSGIPROXY_VERSION = '0.1';

const HEADER = /^x-wsgiproxy-(str|unicode|json|pickle)-(\d{1,9})$/i;
// Python's urllib.quote keeps letters, digits, `_.-~` and the `/` it is told is safe.
const UNRESERVED = /[A-Za-z0-9_.~/-]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const UTF8_ENCODER = new TextEncoder();

/**
 * Encodes one context value as a transport header: `[lowercase header name, header value]`.
 * `index` is the value's position in its map, as WSGIProxy numbers them.
 *
 * @throws {TypeError} when the name is empty, the index is not a non-negative integer, a
 * `str`/`unicode` value is not a well-formed string, or a `json` value has no JSON form.
 * @example
 * ```ts
 * import { encodeTransported } from 'trowel/forwarded';
 * encodeTransported('str', 0, 'REMOTE_USER', 'bob'); // ['x-wsgiproxy-str-0', 'REMOTE_USER bob']
 * encodeTransported('json', 0, 'cfg', { a: [1, 2] }); // ['x-wsgiproxy-json-0', 'cfg {"a":[1,2]}']
 * ```
 */
export function encodeTransported(
  kind: TransportKind,
  index: number,
  name: string,
  value: unknown,
): [string, string] {
  if (!Number.isSafeInteger(index) || index < 0 || index > 999_999_999) {
    throw new TypeError(`transport index must be a non-negative integer, got ${String(index)}`);
  }
  if (name === '' || !name.isWellFormed()) {
    throw new TypeError(`transport name must be a non-empty string, got ${JSON.stringify(name)}`);
  }
  let text: string;
  if (kind === 'json') {
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) {
      throw new TypeError(`transported value "${name}" has no JSON form`);
    }
    text = json;
  } else {
    if (typeof value !== 'string' || !value.isWellFormed()) {
      throw new TypeError(`transported value "${name}" must be a well-formed string`);
    }
    text = value;
  }
  return [`x-wsgiproxy-${kind}-${String(index)}`, `${quote(name)} ${encodePayload(text)}`];
}

/**
 * Parses one transport header. Returns `undefined` for a header that is not one.
 *
 * @throws {TypeError} when the header is malformed (no name, bad base64, invalid UTF-8 or JSON), or
 * is a `Pickle` header, which is never decoded.
 * @example
 * ```ts
 * import { decodeTransported } from 'trowel/forwarded';
 * decodeTransported('X-WSGIProxy-Str-0', 'REMOTE_USER bob');
 * // { kind: 'str', index: 0, name: 'REMOTE_USER', value: 'bob' }
 * ```
 */
export function decodeTransported(
  headerName: string,
  headerValue: string,
): { kind: TransportKind; index: number; name: string; value: unknown } | undefined {
  const match = HEADER.exec(headerName);
  if (match === null) return undefined;
  const kind = (match[1] ?? '').toLowerCase();
  if (kind === 'pickle') throw new TypeError('pickle transport is not supported');
  const index = Number(match[2]);
  // WSGIProxy splits on the first run of whitespace; its empty value arrives as a bare `KEY`.
  const trimmed = headerValue.trim();
  const split = /^(\S+)(?:[ \t]+([^]*))?$/.exec(trimmed);
  if (split === null) throw new TypeError(`${headerName} has no transported name`);
  const name = unquote(split[1] ?? '', headerName);
  const text = decodePayload(split[2] ?? '', headerName);
  if (kind === 'json') {
    try {
      return { kind, index, name, value: JSON.parse(text) as unknown };
    } catch {
      throw new TypeError(`${headerName} does not carry valid JSON`);
    }
  }
  return { kind: kind === 'unicode' ? 'unicode' : 'str', index, name, value: text };
}

const keys = new Map<string, Key<unknown>>();

/**
 * A context key named after a transported name: the same key object for the same name, so that
 * code configuring both sides by name (a config file, two services sharing a module) can list it in
 * the sender's and the receiver's `transport` maps and read it in the application. The receiver
 * stores only the names its `transport` lists; nothing lands under this key by itself.
 *
 * @example
 * ```ts
 * import { forwarded, transportedKey } from 'trowel/forwarded';
 * const TENANT = transportedKey('tenant');
 * const receive = forwarded({ secret: 'a shared secret of some length', transport: { tenant: TENANT } });
 * // later, in a handler behind it: ctx.get(TENANT)
 * ```
 */
export function transportedKey(name: string): Key<unknown> {
  let key = keys.get(name);
  if (key === undefined) {
    key = createKey<unknown>(`trowel.transported.${name}`);
    keys.set(name, key);
  }
  return key;
}

/**
 * True for every header a forwarding proxy sets and a receiver must believe only from a peer it
 * trusts: `forwarded`, `x-forwarded-*`, `x-script-name`, `x-traversal-*`, `x-wsgiproxy-*`.
 * Takes the lowercase name.
 *
 * @example
 * ```ts
 * import { isPrivateHeader } from 'trowel/forwarded';
 * isPrivateHeader('x-forwarded-for'); // true
 * isPrivateHeader('cookie'); // false
 * ```
 */
export function isPrivateHeader(lowercaseName: string): boolean {
  return (
    lowercaseName === 'forwarded' ||
    lowercaseName === 'x-script-name' ||
    lowercaseName.startsWith('x-forwarded-') ||
    lowercaseName.startsWith('x-traversal-') ||
    lowercaseName.startsWith('x-wsgiproxy-')
  );
}

function encodePayload(text: string): string {
  // Controls and DEL cannot travel in a field value (RFC 9110 §5.5), bytes above 0x7f are not
  // portable, and the edges of a field value are trimmed by every parser.
  const raw =
    text !== '' &&
    !text.startsWith('b64') &&
    !text.startsWith(' ') &&
    !text.endsWith(' ') &&
    // eslint-disable-next-line no-control-regex -- the control range is the point
    !/[\x00-\x1f\x7f-\uffff]/.test(text);
  return raw ? text : `b64${Buffer.from(UTF8_ENCODER.encode(text)).toString('base64')}`;
}

function decodePayload(payload: string, headerName: string): string {
  if (payload.startsWith('b64')) {
    const encoded = payload.slice(3);
    if (!BASE64.test(encoded)) throw new TypeError(`${headerName} carries malformed base64`);
    return utf8(Buffer.from(encoded, 'base64'), headerName);
  }
  // Node hands over raw header bytes as Latin-1 code units; a Python peer sends UTF-8 raw.
  // eslint-disable-next-line no-control-regex -- only the Latin-1 upper half needs reinterpreting
  if (/[\x80-\xff]/.test(payload) && !/[^\x00-\xff]/.test(payload)) {
    return utf8(Buffer.from(payload, 'latin1'), headerName);
  }
  return payload;
}

function utf8(bytes: Uint8Array, headerName: string): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new TypeError(`${headerName} does not carry valid UTF-8`);
  }
}

function quote(name: string): string {
  let out = '';
  for (const ch of name) {
    if (UNRESERVED.test(ch)) {
      out += ch;
      continue;
    }
    for (const byte of UTF8_ENCODER.encode(ch)) {
      out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    }
  }
  return out;
}

function unquote(quoted: string, headerName: string): string {
  try {
    const name = decodeURIComponent(quoted);
    if (name !== '') return name;
  } catch {
    // Falls through to the error below: a stray `%` is as malformed as an empty name.
  }
  throw new TypeError(`${headerName} has a malformed transported name`);
}
