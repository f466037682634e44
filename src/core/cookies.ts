/**
 * Cookies (RFC 6265 and its revision, draft-ietf-httpbis-rfc6265bis): read the `Cookie` request
 * header, build and delete `Set-Cookie` values, and read `Set-Cookie` the way a user agent does.
 *
 * Replaces `paste.request.get_cookies` / `get_cookie_dict`. Paste threw the whole jar away when one
 * pair was malformed, so a sibling subdomain could wipe a user's session by planting one bad cookie;
 * here a malformed pair is skipped and the others are kept. `serializeCookie` refuses what a browser
 * would silently drop (a bad name, `SameSite=None` without `Secure`, a broken `__Host-` prefix), so
 * the mistake shows up in a test instead of in production.
 *
 * Not for signed or encrypted cookies: a value read here is whatever the client chose to send.
 */
import { hasControl, isToken, trimOws } from './header-syntax.ts';
import { formatHttpDate, parseCookieDate } from './http-date.ts';

/** The `SameSite` attribute values (RFC 6265bis §4.1.2.7). */
export type SameSite = 'Strict' | 'Lax' | 'None';

/** The `Priority` attribute values (a Chromium extension that other agents ignore). */
export type CookiePriority = 'Low' | 'Medium' | 'High';

/** The attributes of a `Set-Cookie` header, for {@link serializeCookie}. */
export interface CookieOptions {
  /**
   * Turns the value into cookie-octets (RFC 6265 §4.1.1). The result is checked, so an encoder that
   * leaves a space, comma, semicolon, quote or backslash in place is a TypeError.
   * @default encodeURIComponent (lone surrogates become U+FFFD first)
   */
  readonly encode?: (value: string) => string;
  /** `Expires`, written as an IMF-fixdate. @default none (a session cookie) */
  readonly expires?: Date;
  /** `Max-Age` in seconds, a non-negative integer; takes precedence over `expires` in agents. @default none */
  readonly maxAge?: number;
  /** `Domain`: also send the cookie to subdomains of this host. @default none (this host only) */
  readonly domain?: string;
  /** `Path`: send the cookie only for paths under this one. @default none (the agent's default-path) */
  readonly path?: string;
  /** `Secure`: send only over HTTPS. @default false */
  readonly secure?: boolean;
  /** `HttpOnly`: hide from page scripts. @default false */
  readonly httpOnly?: boolean;
  /** `SameSite`; `None` requires `secure`. @default none (the agent's default, usually `Lax`) */
  readonly sameSite?: SameSite;
  /** `Partitioned` (CHIPS): key the cookie to the top-level site; requires `secure`. @default false */
  readonly partitioned?: boolean;
  /** `Priority`. @default none */
  readonly priority?: CookiePriority;
}

/** A `Set-Cookie` header as a user agent reads it (RFC 6265bis §5.7). */
export interface SetCookie {
  /** The cookie name; may be `''` for a nameless cookie. */
  readonly name: string;
  /** The raw value, exactly as it is to be sent back (not percent-decoded, quotes kept). */
  readonly value: string;
  /** The last valid `Expires`. */
  readonly expires?: Date;
  /** The last valid `Max-Age`, in seconds; zero or less means "expire now". */
  readonly maxAge?: number;
  /** The last non-empty `Domain`, lowercased, without a leading dot. */
  readonly domain?: string;
  /** The last `Path` that starts with `/`; absent means the agent's default-path. */
  readonly path?: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly partitioned: boolean;
  /** The last recognised `SameSite` value; an unknown value leaves the agent's default. */
  readonly sameSite?: SameSite;
  readonly priority?: CookiePriority;
}

// RFC 6265bis §5.7: a name plus value longer than this, or an attribute value longer than the
// second, is ignored by user agents.
const MAX_NAME_VALUE = 4096;
const MAX_ATTRIBUTE_VALUE = 1024;

const SAME_SITE: readonly SameSite[] = ['Strict', 'Lax', 'None'];
const PRIORITY: readonly CookiePriority[] = ['Low', 'Medium', 'High'];

/**
 * Reads a `Cookie` header into a map of name → value. Pairs are separated by `;`; names and values
 * are trimmed; a value in double quotes loses them; a value with valid `%XX` escapes is decoded (an
 * invalid escape leaves the raw value). A pair without `=`, with an empty name, or with a control
 * character is skipped, and the rest are kept. When a name repeats, the first wins: agents send the
 * cookie with the longest path first (RFC 6265 §5.4). Never throws.
 *
 * @example
 * ```ts
 * import { parseCookies } from 'trowel';
 * parseCookies('sid=abc; theme="dark"; bad; name=J%C3%BCrgen').get('name'); // 'Jürgen'
 * ```
 */
export function parseCookies(header: string | null | undefined): Map<string, string> {
  const cookies = new Map<string, string>();
  if (!header) return cookies;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1) continue;
    const name = trimOws(pair.slice(0, eq));
    if (name === '' || cookies.has(name) || hasControl(name)) continue;
    let value = trimOws(pair.slice(eq + 1));
    if (hasControl(value)) continue;
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    cookies.set(name, decode(value));
  }
  return cookies;
}

function decode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

const cache = new WeakMap<
  Request,
  { header: string | null; cookies: ReadonlyMap<string, string> }
>();

/**
 * The cookies of a request, parsed once per request (and again only if its `Cookie` header
 * changed). See {@link parseCookies} for the rules.
 *
 * @example
 * ```ts
 * import { getCookies, type Handler } from 'trowel';
 * const hello: Handler = (request) => new Response(`hi ${getCookies(request).get('name') ?? 'there'}`);
 * ```
 */
export function getCookies(request: Request): ReadonlyMap<string, string> {
  const header = request.headers.get('cookie');
  const hit = cache.get(request);
  if (hit?.header === header) return hit.cookies;
  const cookies = parseCookies(header);
  cache.set(request, { header, cookies });
  return cookies;
}

/**
 * Builds a `Set-Cookie` header value. The value is percent-encoded by default (see
 * {@link CookieOptions.encode}); {@link parseCookies} decodes it again.
 *
 * @throws {TypeError} for a name that is not a token, a value that is not cookie-octets after
 * encoding, a `Domain` that is not a host name, a `Path` with a control character or `;`, `SameSite=None` or `Partitioned`
 * without `Secure`, a `__Secure-` name without `Secure`, or a `__Host-` name without `Secure`, with
 * a `Domain`, or with a `Path` other than `/`.
 * @throws {RangeError} for a bad `maxAge` or `expires`, or a cookie an agent would drop for its size.
 * @example
 * ```ts
 * import { serializeCookie } from 'trowel';
 * serializeCookie('__Host-sid', 'abc', { secure: true, path: '/', httpOnly: true, sameSite: 'Lax' });
 * // '__Host-sid=abc; Path=/; HttpOnly; Secure; SameSite=Lax'
 * ```
 */
export function serializeCookie(name: string, value: string, options: CookieOptions = {}): string {
  if (!isToken(name)) throw new TypeError(`cookie name ${JSON.stringify(name)} is not a token`);
  const encoded = (options.encode ?? encodeValue)(value);
  if (!isCookieValue(encoded)) {
    throw new TypeError(
      `cookie value for ${name} is not cookie-octets: ${JSON.stringify(encoded)}`,
    );
  }
  if (name.length + encoded.length > MAX_NAME_VALUE) {
    throw new RangeError(`cookie ${name} is longer than ${MAX_NAME_VALUE} characters`);
  }
  checkPrefix(name, options);
  if (options.sameSite === 'None' && options.secure !== true) {
    throw new TypeError(`cookie ${name}: SameSite=None requires Secure`);
  }
  if (options.partitioned === true && options.secure !== true) {
    throw new TypeError(`cookie ${name}: Partitioned requires Secure`);
  }
  let out = `${name}=${encoded}`;
  if (options.maxAge !== undefined) {
    if (!Number.isSafeInteger(options.maxAge) || options.maxAge < 0) {
      throw new RangeError(`cookie ${name}: maxAge must be a non-negative integer`);
    }
    out += `; Max-Age=${options.maxAge}`;
  }
  if (options.domain !== undefined) {
    // Host names only (an IDN in its punycode form): anything else the agent would reject.
    if (!/^[A-Za-z0-9.-]+$/.test(options.domain)) {
      throw new TypeError(
        `cookie ${name}: Domain ${JSON.stringify(options.domain)} is not a host name`,
      );
    }
    out += `; Domain=${attribute(name, 'Domain', options.domain)}`;
  }
  if (options.path !== undefined) out += `; Path=${attribute(name, 'Path', options.path)}`;
  if (options.expires !== undefined) out += `; Expires=${formatHttpDate(options.expires)}`;
  if (options.httpOnly === true) out += '; HttpOnly';
  if (options.secure === true) out += '; Secure';
  if (options.partitioned === true) out += '; Partitioned';
  if (options.priority !== undefined) {
    out += `; Priority=${oneOf(name, 'Priority', options.priority, PRIORITY)}`;
  }
  if (options.sameSite !== undefined) {
    out += `; SameSite=${oneOf(name, 'SameSite', options.sameSite, SAME_SITE)}`;
  }
  return out;
}

/**
 * Builds a `Set-Cookie` value that removes a cookie: an empty value, `Max-Age=0` and an `Expires`
 * in 1970 (for agents that predate `Max-Age`). Pass the same `path` and `domain` the cookie was set
 * with, or the agent keeps it.
 *
 * @example
 * ```ts
 * import { deleteCookie } from 'trowel';
 * const headers = new Headers({ 'set-cookie': deleteCookie('sid', { path: '/' }) });
 * ```
 */
export function deleteCookie(
  name: string,
  options: Omit<CookieOptions, 'encode' | 'expires' | 'maxAge'> = {},
): string {
  return serializeCookie(name, '', { ...options, maxAge: 0, expires: new Date(0) });
}

function encodeValue(value: string): string {
  // A lone surrogate has no UTF-8 form, so encodeURIComponent would throw on it.
  return encodeURIComponent(value.toWellFormed());
}

// cookie-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E (RFC 6265 §4.1.1), optionally
// wrapped in DQUOTEs.
const COOKIE_OCTETS =
  /^(?:[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*|"[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*")$/;

function isCookieValue(value: string): boolean {
  return COOKIE_OCTETS.test(value);
}

function attribute(cookie: string, attr: string, value: string): string {
  // A control character would split the header; `;` would start a forged attribute.
  if (hasControl(value) || value.includes(';')) {
    throw new TypeError(
      `cookie ${cookie}: ${attr} ${JSON.stringify(value)} has a control character or ";"`,
    );
  }
  if (value.length > MAX_ATTRIBUTE_VALUE) {
    throw new RangeError(
      `cookie ${cookie}: ${attr} is longer than ${MAX_ATTRIBUTE_VALUE} characters`,
    );
  }
  return value;
}

function oneOf<T extends string>(cookie: string, attr: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) {
    throw new TypeError(`cookie ${cookie}: ${attr} must be one of ${allowed.join(', ')}`);
  }
  return value;
}

// RFC 6265bis §4.1.3: agents refuse prefixed cookies that break these rules, matching the prefix
// case-insensitively.
function checkPrefix(name: string, options: CookieOptions): void {
  const lower = name.toLowerCase();
  if (lower.startsWith('__secure-') && options.secure !== true) {
    throw new TypeError(`cookie ${name}: the __Secure- prefix requires Secure`);
  }
  if (lower.startsWith('__host-')) {
    if (options.secure !== true || options.path !== '/' || options.domain !== undefined) {
      throw new TypeError(
        `cookie ${name}: the __Host- prefix requires Secure, Path=/ and no Domain`,
      );
    }
  }
}

/**
 * Reads one `Set-Cookie` header value as a user agent does (RFC 6265bis §5.7): lenient about
 * everything except control characters. Unknown attributes are ignored, as are a non-numeric
 * `Max-Age`, an unreadable `Expires` (read with {@link parseCookieDate}), an empty `Domain` and a
 * `Path` that does not start with `/`. When an attribute repeats, the last valid one wins.
 *
 * @returns the cookie, or `undefined` when an agent would ignore the whole header (a control
 * character, an empty name and value, or a name plus value over 4096 characters). Never throws.
 * @example
 * ```ts
 * import { parseSetCookie } from 'trowel';
 * parseSetCookie('sid=abc; Path=/; HttpOnly; Max-Age=60')?.maxAge; // 60
 * ```
 */
export function parseSetCookie(header: string): SetCookie | undefined {
  if (hasControl(header)) return undefined;
  const parts = header.split(';');
  const pair = parts[0] ?? '';
  const eq = pair.indexOf('=');
  // A pair without `=` is a nameless cookie whose value is the whole pair (RFC 6265bis §5.7).
  const name = eq === -1 ? '' : trimOws(pair.slice(0, eq));
  const value = trimOws(eq === -1 ? pair : pair.slice(eq + 1));
  if (name === '' && value === '') return undefined;
  if (name.length + value.length > MAX_NAME_VALUE) return undefined;
  const cookie: Mutable<SetCookie> = {
    name,
    value,
    secure: false,
    httpOnly: false,
    partitioned: false,
  };
  for (const av of parts.slice(1)) applyAttribute(cookie, av);
  return cookie;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function applyAttribute(cookie: Mutable<SetCookie>, av: string): void {
  const eq = av.indexOf('=');
  const key = trimOws(eq === -1 ? av : av.slice(0, eq)).toLowerCase();
  const value = eq === -1 ? '' : trimOws(av.slice(eq + 1));
  if (value.length > MAX_ATTRIBUTE_VALUE) return;
  switch (key) {
    case 'expires': {
      const date = parseCookieDate(value);
      if (date) cookie.expires = date;
      return;
    }
    case 'max-age':
      // `-` then digits, or digits (RFC 6265bis §5.7.2); anything else is ignored.
      if (/^-?\d+$/.test(value)) cookie.maxAge = Number(value);
      return;
    case 'domain':
      if (value !== '')
        cookie.domain = (value.startsWith('.') ? value.slice(1) : value).toLowerCase();
      return;
    case 'path':
      // Any other value means the default-path, which also overrides an earlier Path.
      if (value.startsWith('/')) cookie.path = value;
      else delete cookie.path;
      return;
    case 'secure':
      cookie.secure = true;
      return;
    case 'httponly':
      cookie.httpOnly = true;
      return;
    case 'partitioned':
      cookie.partitioned = true;
      return;
    case 'samesite': {
      // An unknown value means the agent's default enforcement, again overriding an earlier one.
      const sameSite = matching(value, SAME_SITE);
      if (sameSite === undefined) delete cookie.sameSite;
      else cookie.sameSite = sameSite;
      return;
    }
    case 'priority': {
      const priority = matching(value, PRIORITY);
      if (priority === undefined) delete cookie.priority;
      else cookie.priority = priority;
      return;
    }
    default:
      return;
  }
}

function matching<T extends string>(value: string, allowed: readonly T[]): T | undefined {
  const lower = value.toLowerCase();
  return allowed.find((v) => v.toLowerCase() === lower);
}
