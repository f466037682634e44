/**
 * `transparentProxy()`: forwards each request to the host it names, keeping its `Host` — Paste's
 * `TransparentProxy` (`egg:Paste#transparent_proxy`), WSGIProxy's `exactproxy` and its forward
 * proxy `real_proxy`, with an allow-list so that it is not an open proxy.
 */
import { isIP } from 'node:net';
import { ConfigError } from '../core/config-error.ts';
import type { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { BadRequest, Forbidden } from '../core/http-error-4xx.ts';
import { BadGateway } from '../core/http-error-5xx.ts';
import { forward, refuse, type Route } from './forward.ts';
import { servername } from './agent.ts';
import { allowedHost, AllowList } from './hosts.ts';
import { resolveSettings, type Settings, type TransparentProxyOptions } from './options.ts';
import { queryOf, requestTarget, upstreamPath } from './paths.ts';

const DEFAULT_PORT = { http: 80, https: 443 } as const;

/** `host[:port]` parsed as URL parsing reads it, or `undefined` when it is not just that. */
function authorityOf(scheme: 'http' | 'https', authority: string): URL | undefined {
  if (authority === '' || /[/?#@\\\s]/.test(authority)) return undefined;
  try {
    const url = new URL(`${scheme}://${authority}/`);
    return url.username === '' && url.password === '' ? url : undefined;
  } catch {
    return undefined;
  }
}

function schemeOf(options: TransparentProxyOptions): 'http' | 'https' | undefined {
  const scheme = options.forceScheme;
  if (scheme === undefined) return options.forceHost === undefined ? undefined : 'http';
  if ((scheme as string) !== 'http' && (scheme as string) !== 'https') {
    throw new ConfigError(
      'TROWEL_ERR_PROXY_SCHEME',
      `forceScheme must be http or https, got ${JSON.stringify(scheme)}`,
    );
  }
  return scheme;
}

function originOf(scheme: string, host: string, port: number): string {
  return `${scheme}://${host}:${String(port)}`;
}

/**
 * A handler that forwards each request, unchanged but for the hop-by-hop and forwarding fields, to
 * the host in its `Host` field (or to `forceHost`), keeping that `Host`. The path is the whole
 * request path (`ctx.scriptName + ctx.pathInfo`) and the query the request's.
 *
 * Without `forceHost` it is a forward proxy, and `allowHosts` says where it may go: a host not on
 * the list gets 403, and a name is resolved once and its address checked against IP and CIDR
 * entries. The scheme is `forceScheme`, else the request's own (`http` with `forceHost`).
 *
 * @throws {ConfigError} `TROWEL_ERR_PROXY_OPEN` without `forceHost` and `allowHosts`,
 * `TROWEL_ERR_PROXY_ALLOW_HOSTS` for a bad entry, `TROWEL_ERR_PROXY_FORCE_HOST` for a
 * `forceHost` that is not `host[:port]`, `TROWEL_ERR_PROXY_SCHEME`, and the codes of `proxy()`.
 * @example
 * ```ts
 * import { transparentProxy } from 'trowel/proxy';
 *
 * // Clients may reach two internal services, on their default port, and nothing else.
 * const gateway = transparentProxy({ allowHosts: ['wiki.internal', 'git.internal', '10.1.0.0/16'] });
 * ```
 */
export function transparentProxy(options: TransparentProxyOptions): Handler {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new ConfigError(
      'TROWEL_ERR_PROXY_OPEN',
      'transparentProxy() needs allowHosts or forceHost',
    );
  }
  const forcedScheme = schemeOf(options);
  let forced: URL | undefined;
  if (options.forceHost !== undefined) {
    forced = authorityOf(forcedScheme ?? 'http', options.forceHost);
    if (forced === undefined || forced.hostname === '') {
      throw new ConfigError(
        'TROWEL_ERR_PROXY_FORCE_HOST',
        `forceHost must be host[:port], got ${JSON.stringify(options.forceHost)}`,
      );
    }
  }
  const allow = options.allowHosts === undefined ? undefined : new AllowList(options.allowHosts);
  if (forced === undefined && (allow === undefined || options.allowHosts?.length === 0)) {
    throw new ConfigError(
      'TROWEL_ERR_PROXY_OPEN',
      'transparentProxy() without forceHost needs allowHosts: it would be an open proxy, reaching any host a client names',
    );
  }
  const settings: Settings = resolveSettings(options);
  const rewriting = settings.rewriteLocation || settings.rewriteCookies;

  return async (request, ctx) => {
    const refused = refuse(request, settings);
    if (refused !== undefined) return refused;
    const path = upstreamPath({ base: '', pathname: '/' }, ctx.scriptName + ctx.pathInfo);
    if (path === undefined) return new BadRequest('invalid request path').toResponse(request);
    const scheme = forcedScheme ?? (ctx.scheme === 'https' ? 'https' : 'http');
    // The request's own authority: Host, or an absolute-form target's, which trowel/server puts
    // in request.url in Host's place (RFC 9112 §3.2.2); it is also the Host sent upstream.
    const authority = new URL(request.url).host;
    const requested = authorityOf(scheme, authority);
    if (requested === undefined) return new BadRequest('invalid Host').toResponse(request);
    const defaultPort = DEFAULT_PORT[scheme];
    const port = requested.port === '' ? defaultPort : Number(requested.port);
    let origin: string;
    // The certificate must match the host connected to on purpose: forceHost, or the name the
    // client asked for and the allow-list let through — never left to the Host field alone.
    let name = requested.hostname;
    if (forced !== undefined) {
      if (allow !== undefined && !allowedLiterally(allow, requested.hostname, port, defaultPort)) {
        return new Forbidden(`this proxy does not forward to ${requested.host}`).toResponse(
          request,
        );
      }
      origin = originOf(
        scheme,
        forced.hostname,
        forced.port === '' ? defaultPort : Number(forced.port),
      );
      name = forced.hostname;
    } else {
      let host: string | undefined;
      try {
        host = await allowedHost(allow ?? new AllowList([]), requested.hostname, port, defaultPort);
      } catch (error) {
        if (!ctx.signal.aborted) settings.onError(error, request);
        return new BadGateway(undefined, { cause: error }).toResponse(request);
      }
      if (host === undefined) {
        return new Forbidden(`this proxy does not forward to ${requested.host}`).toResponse(
          request,
        );
      }
      origin = originOf(scheme, host, port);
    }
    return forward(
      request,
      ctx,
      settings,
      routeFor(
        request,
        ctx,
        { origin, servername: servername(name), path },
        authority,
        requested,
        rewriting,
      ),
    );
  };
}

function allowedLiterally(
  allow: AllowList,
  hostname: string,
  port: number,
  defaultPort: number,
): boolean {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  return isIP(bare) === 0
    ? allow.allowsName(hostname, port, defaultPort)
    : allow.allowsAddress(bare, port, defaultPort);
}

function routeFor(
  request: Request,
  ctx: Context,
  to: { readonly origin: string; readonly servername: string; readonly path: string },
  authority: string,
  requested: URL,
  rewriting: boolean,
): Route {
  return {
    origin: to.origin,
    servername: to.servername,
    target: requestTarget(to.path, queryOf(request.url)),
    outgoing: { authority },
    rewriter: rewriting
      ? {
          origins: [requested.origin],
          hostname: requested.hostname,
          base: '',
          frontOrigin: `${ctx.scheme}://${ctx.host}`,
          frontPrefix: '',
        }
      : undefined,
  };
}
