/**
 * `proxy(target)`: a reverse proxy to one upstream URL — Paste's `Proxy` (`egg:Paste#proxy`) and
 * WSGIProxy's `WSGIProxyApp` (`egg:WSGIProxy`) in one.
 */
import type { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { BadRequest } from '../core/http-error-4xx.ts';
import { ConfigError } from '../core/config-error.ts';
import { forward, refuse } from './forward.ts';
import { resolveSettings, type ProxyOptions, type Settings } from './options.ts';
import {
  joinQuery,
  parseTarget,
  queryOf,
  requestTarget,
  upstreamPath,
  type Target,
} from './paths.ts';
import type { Rewriter } from './rewrite.ts';
import { servername } from './agent.ts';

function rewriterFor(
  target: Target,
  ctx: Context,
  strip: boolean,
  preserveHost: boolean,
): Rewriter {
  const origins = [target.origin];
  if (preserveHost) {
    // The upstream saw the client's Host, so its absolute URLs name that.
    try {
      origins.push(new URL(`${target.protocol}//${ctx.host}`).origin);
    } catch {
      // An unparsable host cannot appear in a URL the upstream sends either.
    }
  }
  return {
    origins,
    hostname: target.hostname,
    base: target.base,
    frontOrigin: `${ctx.scheme}://${ctx.host}`,
    frontPrefix: strip ? ctx.scriptName : '',
  };
}

function flag(
  options: ProxyOptions,
  name: 'preserveHost' | 'stripScriptName',
  fallback: boolean,
): boolean {
  const value = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new ConfigError('TROWEL_ERR_PROXY_OPTIONS', `${name} must be true or false`);
  }
  return value;
}

/**
 * A handler that forwards every request to `target`: the upstream path is the target's path plus
 * the request's `ctx.pathInfo` (the part below the mount), still percent-encoded, and the query is
 * the request's followed by the target's. Bodies stream both ways; hop-by-hop fields are dropped;
 * `X-Forwarded-*`, `Forwarded` and `Via` are appended; redirects are mapped back to the front end.
 * Upstream failures answer 502 or 504.
 *
 * @param target - an `http:` or `https:` URL; a trailing `/` does not double the slash. Credentials
 * in it (`http://user:pass@host/`) are sent as `Authorization: Basic`, replacing the client's.
 * @throws {ConfigError} `TROWEL_ERR_PROXY_TARGET`, `_SCHEME`, `_METHOD`, `_HEADER`, `_VIA`,
 * `_TIMEOUT`, `_TRANSPORT`, `_OPTIONS`, or a `TROWEL_ERR_FORWARDED_SECRET_*` code.
 * @example
 * ```ts
 * import { proxy } from 'trowel/proxy';
 * import { urlMap } from 'trowel/urlmap';
 *
 * // /api/users → http://127.0.0.1:8080/v2/users
 * const site = urlMap({ '/api': proxy('http://127.0.0.1:8080/v2/', { methods: ['GET', 'HEAD', 'POST'] }) });
 * ```
 */
export function proxy(target: string | URL, options: ProxyOptions = {}): Handler {
  const parsed = parseTarget(target);
  const settings: Settings = resolveSettings(options);
  const preserveHost = flag(options, 'preserveHost', false);
  const strip = flag(options, 'stripScriptName', true);
  const rewriting = settings.rewriteLocation || settings.rewriteCookies;
  return async (request, ctx) => {
    const refused = refuse(request, settings);
    if (refused !== undefined) return refused;
    const path = upstreamPath(parsed, strip ? ctx.pathInfo : ctx.scriptName + ctx.pathInfo);
    if (path === undefined) {
      return new BadRequest('the path leaves the proxied prefix').toResponse(request);
    }
    return forward(request, ctx, settings, {
      origin: parsed.origin,
      // The target's name, never the client's Host (which preserveHost sends upstream).
      servername: servername(parsed.hostname),
      target: requestTarget(path, joinQuery(queryOf(request.url), parsed.query)),
      outgoing: {
        authority: preserveHost ? ctx.host : parsed.authority,
        authorization: parsed.authorization,
        traversal: { path: parsed.base, query: parsed.query },
      },
      rewriter: rewriting ? rewriterFor(parsed, ctx, strip, preserveHost) : undefined,
    });
  };
}
