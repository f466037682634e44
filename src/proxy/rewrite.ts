/**
 * Response rewriting from the upstream's point of view to the client's, as Apache's
 * `ProxyPassReverse` and `ProxyPassReverseCookieDomain/Path` do it: a `Location`,
 * `Content-Location` or `Refresh` URL that points into the target (its origin and path) is moved
 * to the front end (the scheme and host the client used, and the mount prefix); a `Set-Cookie`
 * scoped to the target's host or path is scoped to the front end instead.
 *
 * References that point elsewhere — another host, a path outside the target, a relative path —
 * are left alone: they already mean the same thing to the client, or there is nothing to map them
 * to. (WSGIProxy2 rewrote in the other direction, to the backend, leaking internal addresses.)
 */

/** Both ends of the mapping. */
export interface Rewriter {
  /** The upstream origins a URL may name (`http://backend:8080`), as `URL.origin` spells them. */
  readonly origins: readonly string[];
  /** The upstream host name a cookie `Domain` may name, lower case. */
  readonly hostname: string;
  /** The target's path without a trailing `/` (`''` for the root). */
  readonly base: string;
  /** `scheme://host[:port]` as the client used it. */
  readonly frontOrigin: string;
  /** What replaces `base` on the front end: the mount prefix, or `''`. */
  readonly frontPrefix: string;
}

function under(path: string, base: string): string | undefined {
  if (base === '') return path;
  if (path === base) return '';
  const next = path.charAt(base.length);
  return path.startsWith(base) && (next === '/' || next === '?' || next === '#')
    ? path.slice(base.length)
    : undefined;
}

// A path that starts with two slashes, or a slash and a backslash (which browsers read as one;
// tabs and newlines in between are dropped by URL parsing), is a network-path reference: the
// client would take what follows for a host (RFC 3986 §4.2).
const HOST_LIKE = /^\/[\t\n\r]*[/\\][/\\\t\n\r]*/;

/**
 * The front-end path for `rest` under the mount prefix. Leading slashes are collapsed to one, so
 * that a path the upstream got from the client (`GET //evil.example` answered with a redirect to
 * `/app//evil.example/`) cannot come back as `//evil.example/`: an open redirect (CWE-601).
 */
function front(rewriter: Rewriter, rest: string): string {
  const path = rewriter.frontPrefix + rest;
  if (path === '' || path.startsWith('?') || path.startsWith('#')) return `/${path}`;
  return path.replace(HOST_LIKE, '/');
}

/**
 * `value` (a `Location` or `Content-Location`) as the client should see it, or `value` itself
 * when it does not point into the target.
 *
 * @example
 * ```ts
 * const r = { origins: ['http://b:8080'], hostname: 'b', base: '/app', frontOrigin: 'https://www.example', frontPrefix: '/shop' };
 * rewriteLocation('http://b:8080/app/cart?x=1', r); // 'https://www.example/shop/cart?x=1'
 * rewriteLocation('/app/cart', r); // '/shop/cart'
 * ```
 */
export function rewriteLocation(value: string, rewriter: Rewriter): string {
  const trimmed = value.trim();
  if (trimmed.startsWith('/') && !trimmed.startsWith('//')) {
    // An absolute-path reference: the client resolves it against the front end's origin.
    const rest = under(trimmed, rewriter.base);
    return rest === undefined ? value : front(rewriter, rest);
  }
  if (!/^(?:[A-Za-z][A-Za-z0-9+.-]*:)?\/\//.test(trimmed)) return value;
  let url: URL;
  try {
    url = new URL(trimmed, rewriter.origins[0]);
  } catch {
    return value;
  }
  if (!rewriter.origins.includes(url.origin)) return value;
  const rest = under(url.pathname, rewriter.base);
  if (rest === undefined) return value;
  return rewriter.frontOrigin + front(rewriter, rest + url.search + url.hash);
}

const REFRESH = /^(\s*\d[\d.]*\s*[;,]\s*url\s*=\s*)(['"]?)(.*?)\2(\s*)$/is;

/** A `Refresh` value (`5; url=…`) with its URL rewritten like a `Location`. */
export function rewriteRefresh(value: string, rewriter: Rewriter): string {
  const match = REFRESH.exec(value);
  if (match === null) return value;
  const [, lead = '', quote = '', url = '', tail = ''] = match;
  return `${lead}${quote}${rewriteLocation(url, rewriter)}${quote}${tail}`;
}

/**
 * A `Set-Cookie` value with a `Domain` naming the upstream host removed (the cookie becomes
 * host-only for the front end) and a `Path` under the target's path moved under the mount
 * prefix. Everything else is kept byte for byte.
 *
 * @example
 * ```ts
 * const r = { origins: ['http://b:8080'], hostname: 'b', base: '/app', frontOrigin: 'https://www.example', frontPrefix: '/shop' };
 * rewriteSetCookie('sid=1; Domain=b; Path=/app/cart; HttpOnly', r); // 'sid=1; Path=/shop/cart; HttpOnly'
 * ```
 */
export function rewriteSetCookie(value: string, rewriter: Rewriter): string {
  const parts = value.split(';');
  const out = [parts[0] ?? ''];
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    const name = (eq === -1 ? part : part.slice(0, eq)).trim().toLowerCase();
    const attribute = eq === -1 ? '' : part.slice(eq + 1).trim();
    if (name === 'domain') {
      // RFC 6265 §5.2.3: a leading dot is ignored.
      const domain = attribute.replace(/^\./, '').toLowerCase();
      if (domain === rewriter.hostname) continue;
    } else if (name === 'path') {
      const rest = attribute.startsWith('/') ? under(attribute, rewriter.base) : undefined;
      if (rest !== undefined) {
        // RFC 6265 §5.1.4: Path=/shop also matches /shop/…, so the upstream root maps to the prefix.
        const root = rest === '' || (rest === '/' && rewriter.base === '');
        const path = root ? rewriter.frontPrefix : rewriter.frontPrefix + rest;
        out.push(` Path=${path === '' ? '/' : path}`);
        continue;
      }
    }
    out.push(part);
  }
  return out.join(';');
}
