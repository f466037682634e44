/**
 * Ready-made predicates for `multiAuth()`: what kind of client is asking, judged from the request.
 */
import { ConfigError } from '../../core/config-error.ts';
import type { Context } from '../../core/context.ts';
import { queryParams } from '../../core/body.ts';
import { parseAccept } from '../../core/negotiation.ts';
import { matchPath, normalizeSegment } from '../../urlmap/keys.ts';

/** Decides whether a scheme applies to a request. */
export type AuthPredicate = (request: Request, ctx: Context) => boolean | Promise<boolean>;

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * True when the client names `text/html` in `Accept` with a weight above zero — a browser, which
 * can fill in a login form. `curl`, `fetch()` and API clients send a wildcard or a JSON type, and
 * are better served a `WWW-Authenticate` challenge.
 *
 * @example
 * ```ts
 * import { acceptsHtml } from 'trowel/auth/multi';
 * const browser = acceptsHtml(new Request('http://x/', { headers: { accept: 'text/html,application/xhtml+xml' } }));
 * ```
 */
export function acceptsHtml(request: Request): boolean {
  return parseAccept(request.headers.get('accept')).some(
    (entry) => entry.q > 0 && entry.value.toLowerCase() === 'text/html',
  );
}

/**
 * A predicate that is true when the request carries header `name` (with any value, or with a
 * value for which `test` is true).
 *
 * @throws {ConfigError} `TROWEL_ERR_AUTH_MULTI_PREDICATE` when `name` is not a header name.
 * @example
 * ```ts
 * import { hasHeader } from 'trowel/auth/multi';
 * const sendsCredentials = hasHeader('authorization');
 * const isXhr = hasHeader('x-requested-with', (v) => v.toLowerCase() === 'xmlhttprequest');
 * ```
 */
export function hasHeader(name: string, test?: (value: string) => boolean): AuthPredicate {
  if (typeof name !== 'string' || !TOKEN.test(name)) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_MULTI_PREDICATE',
      `hasHeader(): ${JSON.stringify(name)} is not a header name`,
    );
  }
  return (request) => {
    const value = request.headers.get(name);
    return value !== null && (test === undefined || test(value));
  };
}

/**
 * A predicate that is true when the path still to be routed (`ctx.pathInfo`, below any mount) is
 * `prefix` or lies under it, on segment boundaries: `/api` matches `/api` and `/api/users`, never
 * `/apiary`. Paths are compared as `urlMap()` routes them (`//api` and `/%61pi` are `/api`), so
 * a scheme chosen for a mount covers every spelling that reaches it.
 *
 * @throws {ConfigError} `TROWEL_ERR_AUTH_MULTI_PREDICATE` when `prefix` does not start with `/`.
 * @example
 * ```ts
 * import { pathStartsWith } from 'trowel/auth/multi';
 * const api = pathStartsWith('/api');
 * ```
 */
export function pathStartsWith(prefix: string): AuthPredicate {
  if (typeof prefix !== 'string' || !prefix.startsWith('/')) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_MULTI_PREDICATE',
      `pathStartsWith(): ${JSON.stringify(prefix)} must start with "/"`,
    );
  }
  // The prefix's segments, matched the way urlMap() routes (repeated slashes collapsed, escaped
  // unreserved characters decoded), so that no spelling of a mounted path escapes the predicate.
  const segments = prefix
    .split('/')
    .filter((segment) => segment !== '')
    .map(normalizeSegment);
  return (_request, ctx) => {
    if (segments.length === 0) return true;
    const end = matchPath(ctx.pathInfo, segments);
    return end !== -1 && (end === ctx.pathInfo.length || ctx.pathInfo[end] === '/');
  };
}

/**
 * A predicate that is true when the query string has parameter `name` equal to `value` (or, with
 * no `value`, present at all) — an exact, decoded comparison, where Paste matched a substring.
 *
 * @example
 * ```ts
 * import { queryParam } from 'trowel/auth/multi';
 * const wantsDigest = queryParam('authmeth', 'digest');
 * ```
 */
export function queryParam(name: string, value?: string): AuthPredicate {
  if (typeof name !== 'string' || name === '') {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_MULTI_PREDICATE',
      'queryParam(): name must be a non-empty string',
    );
  }
  return (request) => {
    const values = queryParams(request).getAll(name);
    return value === undefined ? values.length > 0 : values.includes(value);
  };
}
