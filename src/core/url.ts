/**
 * Reconstructing URLs from a request and its context (Paste's `construct_url` and
 * `resolve_relative_url`).
 *
 * The scheme and host come from the context, which records what the client used. Behind a proxy,
 * that is only right once a trusted `forwarded()` middleware has applied the proxy's headers; and the
 * host comes from the client's `Host` header, so guard it with {@link allowedHosts} before putting
 * it into redirects or links.
 */
import type { Context } from './context.ts';
import type { Middleware } from './handler.ts';
import { ConfigError } from './config-error.ts';

/** What to put into a reconstructed URL. */
export interface RequestUrlOptions {
  /** Keep the query string. @default true */
  readonly withQuery?: boolean;
  /** Keep `pathInfo`; false gives the URL of the mount point (the application's root). @default true */
  readonly withPathInfo?: boolean;
  /** Use this instead of `ctx.scriptName` (URL-encoded). */
  readonly scriptName?: string;
  /** Use this instead of `ctx.pathInfo` (URL-encoded). */
  readonly pathInfo?: string;
  /** Use this query string (with or without the leading `?`) instead of the request's. */
  readonly query?: string;
}

/**
 * The URL the client asked for, rebuilt from the context's scheme, host, `scriptName` and
 * `pathInfo`.
 *
 * @example
 * ```ts
 * import { Context, requestUrl } from 'trowel';
 * const req = new Request('http://example.com/app/page?x=1');
 * const ctx = new Context(req, { scriptName: '/app', pathInfo: '/page' });
 * requestUrl(req, ctx, { withPathInfo: false, withQuery: false }); // 'http://example.com/app'
 * ```
 */
export function requestUrl(
  request: Request,
  ctx: Context,
  options: RequestUrlOptions = {},
): string {
  const scriptName = options.scriptName ?? ctx.scriptName;
  const pathInfo = options.withPathInfo === false ? '' : (options.pathInfo ?? ctx.pathInfo);
  let url = `${ctx.scheme}://${ctx.host}${scriptName}${pathInfo}`;
  if (options.withQuery !== false) {
    const query = options.query ?? queryOf(request.url);
    if (query !== '' && query !== '?') url += query.startsWith('?') ? query : `?${query}`;
  }
  return url;
}

/**
 * Resolves `url` (relative or absolute) against the URL of the current request.
 *
 * @example
 * ```ts
 * import { Context, resolveUrl } from 'trowel';
 * const req = new Request('http://example.com/a/b');
 * resolveUrl('c', req, new Context(req)); // 'http://example.com/a/c'
 * ```
 */
export function resolveUrl(url: string, request: Request, ctx: Context): string {
  return new URL(url, requestUrl(request, ctx, { withQuery: false })).href;
}

/** Options for {@link allowedHosts}. */
export interface AllowedHostsOptions {
  /** What to answer for a host not on the list. @default a plain 400 */
  readonly onRejected?: (request: Request, ctx: Context) => Response | Promise<Response>;
}

/**
 * Refuses requests whose `Host` is not on the list, with 400: the defence against host-header
 * injection into the URLs an application builds. Entries are host names (`example.com`), wildcards
 * for subdomains (`.example.com` matches `example.com` and `a.example.com`), or `*`; a port in the
 * request's host is ignored for matching.
 *
 * @throws {ConfigError} `TROWEL_ERR_ALLOWED_HOSTS_EMPTY` when the list is empty.
 */
export function allowedHosts(
  hosts: readonly string[],
  options: AllowedHostsOptions = {},
): Middleware {
  if (hosts.length === 0) {
    throw new ConfigError(
      'TROWEL_ERR_ALLOWED_HOSTS_EMPTY',
      'allowedHosts() needs at least one host',
    );
  }
  const patterns = hosts.map((h) => h.toLowerCase());
  const reject =
    options.onRejected ??
    (() =>
      new Response('Bad Request: unknown host\n', {
        status: 400,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
      }));
  return (next) => (request, ctx) => {
    const host = hostname(ctx.host);
    const ok = patterns.some(
      (p) =>
        p === '*' || p === host || (p.startsWith('.') && (host === p.slice(1) || host.endsWith(p))),
    );
    return ok ? next(request, ctx) : reject(request, ctx);
  };
}

function hostname(authority: string): string {
  const lower = authority.toLowerCase();
  if (lower.startsWith('[')) return lower.slice(0, lower.indexOf(']') + 1);
  const colon = lower.lastIndexOf(':');
  return colon === -1 ? lower : lower.slice(0, colon);
}

function queryOf(url: string): string {
  const q = url.indexOf('?');
  if (q === -1) return '';
  const hash = url.indexOf('#', q);
  return hash === -1 ? url.slice(q) : url.slice(q, hash);
}
