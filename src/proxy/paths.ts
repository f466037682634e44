/**
 * Where a proxied request goes: the target URL taken apart once, and the upstream request-target
 * built from it and the request's own, still percent-encoded, path and query.
 *
 * Paths are never decoded and re-encoded (WSGIProxy's `quote(PATH_INFO)` turned `%2F` into `/`,
 * encoded `~`, and in WSGIProxy2 let `%3F` and `%23` become a real `?` and `#`): the upstream path
 * is the target's path followed by the encoded `ctx.pathInfo`, byte for byte. Then it is checked:
 * after resolving dot-segments (`..`, `%2e%2e`) it must still lie under the target's path, on a
 * segment boundary, or the request is refused (Paste's `urljoin` let `../../admin` escape).
 *
 * Under a target path, a segment that some backends read as `..` and URL resolution does not is
 * refused outright: `..;x` (Tomcat, Jetty and Spring drop `;` parameters before resolving), and a
 * `..` next to an encoded separator (`..%2F`, `%2e%2e%5C`, `x%2F..`), which a backend that decodes
 * `%2F` or takes `\` for `/` resolves above the prefix while this check cannot see it.
 */
import { Buffer } from 'node:buffer';
import { ConfigError } from '../core/config-error.ts';

/** A proxy target, parsed once. */
export interface Target {
  /** `http:` or `https:`. */
  readonly protocol: 'http:' | 'https:';
  /** What undici connects to: `http://host:port`, no userinfo. */
  readonly origin: string;
  /** The authority for `Host`: `host[:port]` (the port only when not the default). */
  readonly authority: string;
  /** The host name, lower case, IPv6 in brackets. */
  readonly hostname: string;
  /** The target's path exactly as given (`/` at least). */
  readonly pathname: string;
  /** The path without a trailing `/`: `''` for the root. Upstream paths start with it. */
  readonly base: string;
  /** The target's query, without `?` (`''` when none). */
  readonly query: string;
  /** `Basic …` for credentials in the URL, else `undefined`. */
  readonly authorization: string | undefined;
}

/**
 * Parses a proxy target.
 *
 * @throws {ConfigError} `TROWEL_ERR_PROXY_TARGET` for a value that is not an absolute URL,
 * `TROWEL_ERR_PROXY_SCHEME` for a scheme other than http and https.
 */
export function parseTarget(target: string | URL): Target {
  let url: URL;
  try {
    url = new URL(typeof target === 'string' ? target : target.href);
  } catch (error) {
    throw new ConfigError(
      'TROWEL_ERR_PROXY_TARGET',
      `proxy(): ${JSON.stringify(String(target))} is not an absolute URL`,
      { cause: error },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      'TROWEL_ERR_PROXY_SCHEME',
      `proxy(): the target must be an http or https URL, got ${url.protocol.slice(0, -1)}`,
    );
  }
  if (url.hostname === '') {
    throw new ConfigError('TROWEL_ERR_PROXY_TARGET', `proxy(): ${url.href} has no host`);
  }
  const pathname = url.pathname;
  let authorization: string | undefined;
  if (url.username !== '' || url.password !== '') {
    const credentials = `${decode(url.username)}:${decode(url.password)}`;
    authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
  }
  return {
    protocol: url.protocol,
    origin: url.origin,
    authority: url.host,
    hostname: url.hostname,
    pathname,
    base: pathname.endsWith('/') ? pathname.slice(0, -1) : pathname,
    query: url.search.slice(1),
    authorization,
  };
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    return component;
  }
}

/** The query of a request URL, without `?` or fragment; `''` when there is none. */
export function queryOf(url: string): string {
  const start = url.indexOf('?');
  if (start === -1) return '';
  const hash = url.indexOf('#', start);
  return hash === -1 ? url.slice(start + 1) : url.slice(start + 1, hash);
}

/** `a&b`, `a`, `b` or `''`: the request's query first, then the target's (WSGIProxy's order). */
export function joinQuery(requestQuery: string, targetQuery: string): string {
  if (requestQuery === '') return targetQuery;
  if (targetQuery === '') return requestQuery;
  return `${requestQuery}&${targetQuery}`;
}

// A path segment that URL resolution treats as a dot-segment: `.`, `..`, and their `%2e` spellings.
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;
// Characters a request-target path may carry as they are (RFC 3986 pchar, `/` and `%`).
const UNSAFE = /[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');
const ENCODER = new TextEncoder();

function percentEncode(char: string): string {
  let out = '';
  for (const byte of ENCODER.encode(char)) {
    out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// A segment URL resolution itself treats as `..`; those are resolved, then checked.
const PLAIN_DOT_DOT = /^(?:\.|%2e){2}$/i;
const SEPARATORS = /%(?:2e|2f|5c|3b)/gi;

/** True for a segment a backend may read as `..` though URL resolution does not. */
function ambiguousDotDot(segment: string): boolean {
  if (PLAIN_DOT_DOT.test(segment)) return false;
  const decoded = segment.replace(SEPARATORS, (escape) => decodeURIComponent(escape));
  return decoded.split(/[/\\]/).some((part) => part === '..' || part.startsWith('..;'));
}

/**
 * The request-target path for `rest` (the encoded part of the request path that follows the
 * mount) under `base`: `base + rest`, or the target's own path when `rest` is empty. Returns
 * `undefined` when `rest` does not start with `/` (a hand-made context: `/v2` + `admin` must not
 * become `/v2admin`), when dot-segments would take it out of `base`, or when under a non-root
 * `base` a segment is a `..` in disguise (`..;`, `..%2F`, `%2e%2e%5C`).
 *
 * `rest` normally comes from a WHATWG URL and is already a valid path; characters that are not
 * (a `?`, `#`, space or non-ASCII character a hand-made context may hold) are percent-encoded, so
 * they can never start a query or fragment upstream.
 */
export function upstreamPath(
  target: Pick<Target, 'base' | 'pathname'>,
  rest: string,
): string | undefined {
  if (rest !== '' && !rest.startsWith('/')) return undefined;
  const safe = UNSAFE.test(rest) ? rest.replace(UNSAFE_ALL, percentEncode) : rest;
  if (target.base !== '' && safe.split('/').some(ambiguousDotDot)) return undefined;
  const joined = safe === '' ? target.pathname : target.base + safe;
  if (!DOT_SEGMENT.test(joined)) return joined;
  const resolved = new URL(joined, 'http://resolve.invalid').pathname;
  return within(resolved, target.base) ? resolved : undefined;
}

/** True when `path` is `base` or lies under it on a segment boundary. */
export function within(path: string, base: string): boolean {
  return base === '' || path === base || path.startsWith(`${base}/`);
}

/** The whole request-target: path, then `?query` when there is one. */
export function requestTarget(path: string, query: string): string {
  return query === '' ? path : `${path}?${query}`;
}
