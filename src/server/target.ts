/**
 * The request target and the `Host` header, turned into the absolute URL a Fetch `Request` needs,
 * with the checks RFC 9112 asks of a server: one valid `Host` (§3.2), and only the target forms an
 * origin server takes (§3.2.1 origin-form, §3.2.2 absolute-form, §3.2.4 `OPTIONS *`).
 *
 * The path is kept exactly as WHATWG URL parsing leaves it (dot-segments and `%2e%2e` resolved,
 * `\` read as `/`), so the `pathInfo` the server hands out always equals
 * `new URL(request.url).pathname`. Parsing a URL per request is the costly part, so a path made only
 * of characters the parser leaves alone, with no dot-segment, skips the parser.
 */

/** The parts of an absolute URL the server builds for one request. */
export interface Target {
  /** The absolute URL for `new Request()`. */
  readonly url: string;
  /** The URL's pathname, as WHATWG URL parsing gives it. */
  readonly pathname: string;
}

// Characters of RFC 3986 `pchar` (minus `%`) and `/`: WHATWG leaves all of them unchanged in a
// path. A path of only these, with no "." or ".." segment, is already its own pathname.
const PLAIN_PATH = /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** A request target split into the parts the server uses. */
export interface TargetParts {
  /** The path and query. */
  readonly path: string;
  /** The authority of an absolute-form target (`GET http://other/x` → `other`). */
  readonly authority?: string;
}

/**
 * The path and query of a request target, with the authority of an absolute-form target
 * (`GET http://other/x`), or `undefined` when the target is not one an origin server accepts. The
 * authority of an absolute-form target overrides the `Host` header (RFC 9112 §3.2.2).
 */
export function splitTarget(target: string): TargetParts | undefined {
  if (target.startsWith('/')) return { path: target };
  if (!ABSOLUTE_FORM.test(target)) return undefined;
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.host === '' || url.username !== '' || url.password !== '') return undefined;
  return { path: url.pathname + url.search, authority: url.host };
}

/**
 * Builds the request URL from the scheme, an already-normalised authority and the path and query.
 * Returns `undefined` when WHATWG URL parsing refuses the result.
 */
export function buildTarget(scheme: string, authority: string, path: string): Target | undefined {
  const query = path.indexOf('?');
  const pathOnly = query === -1 ? path : path.slice(0, query);
  if (PLAIN_PATH.test(pathOnly) && !DOT_SEGMENT.test(pathOnly) && !path.includes('#')) {
    return { url: `${scheme}://${authority}${path}`, pathname: pathOnly };
  }
  let url: URL;
  try {
    url = new URL(`${scheme}://${authority}${path}`);
  } catch {
    return undefined;
  }
  // A fragment is never part of a request target (RFC 9112 §3.2); a client that sends one anyway
  // does not get it echoed into request.url.
  url.hash = '';
  return { url: url.href, pathname: url.pathname };
}

// RFC 3986 §3.2.2 host (IP-literal, IPv4address or reg-name) and an optional port, as the `Host`
// field value (RFC 9110 §7.2).
const HOST_SYNTAX = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::[0-9]*)?$/;

// One cache per scheme, keyed by the field value as received: no key to build per request.
const hostCaches = {
  http: new Map<string, string | null>(),
  https: new Map<string, string | null>(),
};
const HOST_CACHE_SIZE = 256;

/**
 * The `Host` header value normalised the way WHATWG URL parsing does it (lower case, IDNA, IPv4
 * forms such as `0x7f.1` spelled out, the scheme's default port dropped), or `undefined` when it is
 * not a valid host. Results are cached, since a server sees the same few hosts again and again.
 */
export function normalizeHost(scheme: 'http' | 'https', host: string): string | undefined {
  const cache = hostCaches[scheme];
  const cached = cache.get(host);
  if (cached !== undefined) return cached ?? undefined;
  let normal: string | null = null;
  if (HOST_SYNTAX.test(host)) {
    try {
      const url = new URL(`${scheme}://${host}/`);
      if (url.username === '' && url.password === '' && url.pathname === '/') normal = url.host;
    } catch {
      normal = null;
    }
  }
  if (cache.size >= HOST_CACHE_SIZE) cache.clear();
  cache.set(host, normal);
  return normal ?? undefined;
}

/** `host:port` for a socket address, with brackets around an IPv6 literal. */
export function formatAuthority(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
