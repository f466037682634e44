/**
 * The test client's cookie jar: stores what `Set-Cookie` headers ask for and sends it back the way
 * a browser does, following the storage model of RFC 6265 §5.3–5.4 (as revised by
 * draft-ietf-httpbis-rfc6265bis): domain-match and host-only cookies, path-match with the
 * default-path, expiry by `Max-Age` (which wins) or `Expires`, `Secure` cookies set and sent over
 * https only, and the `__Secure-` / `__Host-` prefixes.
 *
 * Paste's fixture kept a plain name → value dict and ignored every attribute, so a test could pass
 * with a cookie that no browser would ever send back. This jar refuses such cookies.
 *
 * Not a browser's jar: there is no public suffix list (a one-label `Domain` such as `com` is
 * refused, except when it is the request host itself, as with `localhost`), no per-domain limits,
 * and `SameSite` is stored but not enforced, because every request the fixture makes is a
 * same-site, top-level one.
 */
import { parseSetCookie } from '../core/cookies.ts';

/** One stored cookie. */
export interface StoredCookie {
  readonly name: string;
  readonly value: string;
  /** The host (host-only) or domain (with subdomains) the cookie is sent to, lowercased. */
  readonly domain: string;
  /** True when the cookie is sent only to exactly {@link domain}, not its subdomains. */
  readonly hostOnly: boolean;
  readonly path: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite?: 'Strict' | 'Lax' | 'None';
  /** Milliseconds since the epoch; absent for a session cookie. */
  readonly expires?: number;
  /** Milliseconds since the epoch, for ordering (RFC 6265 §5.4 step 2). */
  readonly created: number;
}

/** Attributes for {@link CookieJar.set}. */
export interface SetCookieOptions {
  /** Send to this domain and its subdomains; without it the cookie is host-only. @default none */
  readonly domain?: string;
  /** @default '/' */
  readonly path?: string;
  /** @default false */
  readonly secure?: boolean;
  /** @default false */
  readonly httpOnly?: boolean;
  /** Absolute expiry. @default none (a session cookie) */
  readonly expires?: Date;
}

/**
 * A cookie jar with RFC 6265 rules. {@link TestApp} owns one; use it directly to inspect or seed
 * cookies.
 *
 * @example
 * ```ts
 * import { CookieJar } from 'trowel/testing';
 * const jar = new CookieJar();
 * jar.store(new URL('http://localhost/account/login'), ['sid=abc; Path=/account; HttpOnly']);
 * jar.header(new URL('http://localhost/account/home')); // 'sid=abc'
 * jar.header(new URL('http://localhost/'));             // undefined
 * ```
 */
export class CookieJar {
  readonly #cookies: StoredCookie[] = [];

  /** How many cookies are stored, expired ones included until the next read. */
  get size(): number {
    return this.#cookies.length;
  }

  /** Every unexpired cookie, in the order they were stored. */
  all(): readonly StoredCookie[] {
    this.#evict(Date.now());
    return [...this.#cookies];
  }

  /**
   * Stores the `Set-Cookie` header values of a response to a request for `url`. Values a browser
   * would ignore are ignored.
   */
  store(url: URL, setCookies: readonly string[]): void {
    const now = Date.now();
    for (const header of setCookies) {
      const parsed = parseSetCookie(header);
      if (!parsed) continue;
      const cookie = this.#fromSetCookie(url, parsed, now);
      if (cookie) this.#put(cookie, url.protocol === 'https:', now);
    }
  }

  /** The `Cookie` header value to send with a request for `url`, or `undefined` when none apply. */
  header(url: URL): string | undefined {
    if (this.#cookies.length === 0) return undefined;
    const now = Date.now();
    this.#evict(now);
    const host = hostOf(url);
    const secure = url.protocol === 'https:';
    const path = url.pathname || '/';
    const matching = this.#cookies.filter(
      (c) =>
        (c.hostOnly ? c.domain === host : domainMatch(host, c.domain)) &&
        pathMatch(path, c.path) &&
        (secure || !c.secure),
    );
    if (matching.length === 0) return undefined;
    // RFC 6265 §5.4 step 2: longer paths first, then earlier creation.
    matching.sort((a, b) => b.path.length - a.path.length || a.created - b.created);
    return matching.map((c) => (c.name === '' ? c.value : `${c.name}=${c.value}`)).join('; ');
  }

  /**
   * Stores a cookie as if `url`'s server had set it; the value is sent as given.
   *
   * @throws {TypeError} when the name or value could not be sent in a `Cookie` header.
   */
  set(url: URL, name: string, value: string, options: SetCookieOptions = {}): void {
    // `;` and `,` would split the Cookie header; controls could split the request.
    if (!/^[^\s;,=\p{Cc}]+$/u.test(name) || /[;\p{Cc}]/u.test(value)) {
      throw new TypeError(
        `cookie ${JSON.stringify(name)}=${JSON.stringify(value)} cannot be sent in a Cookie header`,
      );
    }
    const now = Date.now();
    const domain = options.domain?.replace(/^\./, '').toLowerCase();
    this.#put(
      {
        name,
        value,
        domain: domain ?? hostOf(url),
        hostOnly: domain === undefined,
        path: options.path ?? '/',
        secure: options.secure ?? false,
        httpOnly: options.httpOnly ?? false,
        ...(options.expires && { expires: options.expires.getTime() }),
        created: now,
      },
      true,
      now,
    );
  }

  /** The value of the unexpired cookie named `name` that would be sent to `url`, if any. */
  get(url: URL, name: string): string | undefined {
    this.#evict(Date.now());
    const host = hostOf(url);
    const path = url.pathname || '/';
    const secure = url.protocol === 'https:';
    return this.#cookies
      .filter(
        (c) =>
          c.name === name &&
          (c.hostOnly ? c.domain === host : domainMatch(host, c.domain)) &&
          pathMatch(path, c.path) &&
          (secure || !c.secure),
      )
      .sort((a, b) => b.path.length - a.path.length || a.created - b.created)[0]?.value;
  }

  /** Removes every cookie. */
  clear(): void {
    this.#cookies.length = 0;
  }

  // RFC 6265bis §5.7 steps, for one parsed Set-Cookie.
  #fromSetCookie(
    url: URL,
    parsed: NonNullable<ReturnType<typeof parseSetCookie>>,
    now: number,
  ): StoredCookie | undefined {
    const host = hostOf(url);
    const secureOrigin = url.protocol === 'https:';
    // A Secure cookie set over plain http is ignored entirely (RFC 6265bis §5.7 step 14).
    if (parsed.secure && !secureOrigin) return undefined;
    let domain = host;
    let hostOnly = true;
    if (parsed.domain !== undefined && parsed.domain !== host) {
      // A Domain the request host does not domain-match, or a public suffix, is refused
      // (RFC 6265 §5.3 steps 5–6). Without a suffix list, a single label stands for one.
      if (!domainMatch(host, parsed.domain) || !parsed.domain.includes('.')) return undefined;
      domain = parsed.domain;
      hostOnly = false;
    }
    const path = parsed.path ?? defaultPath(url.pathname);
    if (!prefixAllowed(parsed.name, parsed.secure, hostOnly, parsed.path)) return undefined;
    let expires: number | undefined;
    // Max-Age wins over Expires (RFC 6265 §5.3 step 3); zero or less means "already expired".
    if (parsed.maxAge !== undefined) {
      expires = parsed.maxAge <= 0 ? -Infinity : now + parsed.maxAge * 1000;
    } else if (parsed.expires) {
      expires = parsed.expires.getTime();
    }
    return {
      name: parsed.name,
      value: parsed.value,
      domain,
      hostOnly,
      path,
      secure: parsed.secure,
      httpOnly: parsed.httpOnly,
      ...(parsed.sameSite !== undefined && { sameSite: parsed.sameSite }),
      ...(expires !== undefined && { expires }),
      created: now,
    };
  }

  #put(cookie: StoredCookie, fromSecureOrigin: boolean, now: number): void {
    const index = this.#cookies.findIndex(
      (c) => c.name === cookie.name && c.domain === cookie.domain && c.path === cookie.path,
    );
    const old = this.#cookies[index];
    if (old) {
      // A plain-http response may not overwrite a Secure cookie (RFC 6265bis §5.7 step 16).
      if (old.secure && !fromSecureOrigin) return;
      this.#cookies.splice(index, 1);
    }
    if (cookie.expires !== undefined && cookie.expires <= now) return;
    // Replacing keeps the old creation time (RFC 6265 §5.3 step 11.3).
    this.#cookies.push(old ? { ...cookie, created: old.created } : cookie);
  }

  #evict(now: number): void {
    for (let i = this.#cookies.length - 1; i >= 0; i--) {
      const expires = this.#cookies[i]?.expires;
      if (expires !== undefined && expires <= now) this.#cookies.splice(i, 1);
    }
  }
}

function hostOf(url: URL): string {
  // Cookies ignore the port (RFC 6265 §8.5); IPv6 literals keep their brackets.
  return url.hostname.toLowerCase();
}

/** RFC 6265 §5.1.3: identical, or `host` ends with `.domain` and is not an IP address. */
export function domainMatch(host: string, domain: string): boolean {
  if (host === domain) return true;
  return host.endsWith(`.${domain}`) && !isIpAddress(host);
}

function isIpAddress(host: string): boolean {
  return host.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(host);
}

/** RFC 6265 §5.1.4: identical, or a prefix ending in `/`, or a prefix followed by `/`. */
export function pathMatch(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/** RFC 6265 §5.1.4: the directory of the request path, or `/`. */
export function defaultPath(requestPath: string): string {
  if (!requestPath.startsWith('/')) return '/';
  const last = requestPath.lastIndexOf('/');
  return last === 0 ? '/' : requestPath.slice(0, last);
}

// RFC 6265bis §4.1.3: `__Secure-` needs Secure; `__Host-` also needs host-only and Path=/.
function prefixAllowed(
  name: string,
  secure: boolean,
  hostOnly: boolean,
  path: string | undefined,
): boolean {
  const lower = name.toLowerCase();
  if (lower.startsWith('__secure-')) return secure;
  if (lower.startsWith('__host-')) return secure && hostOnly && path === '/';
  return true;
}
