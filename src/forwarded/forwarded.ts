/**
 * The `forwarded()` middleware: believes a forwarding proxy's headers when it trusts the peer (by
 * address or by signature), applies them to the context, and strips every private header from the
 * request the application gets. See the module documentation in `index.ts`.
 */
import { createKey, type Context, type ContextInit, type Key } from '../core/context.ts';
import type { Middleware } from '../core/handler.ts';
import { BadRequest, Forbidden, ServiceUnavailable } from '../core/http-error.ts';
import { applyProxyHeaders } from './apply.ts';
import { NonceCache } from './nonce-cache.ts';
import { settings, type ForwardedOptions, type Settings } from './options.ts';
import { SIGNATURE_HEADER, verifySignature } from './signature.ts';
import { isPrivateHeader } from './transport.ts';
import { splitHost } from './syntax.ts';

/** How the request's forwarding headers came to be believed. */
export interface ForwardedBy {
  /** `address`: the peer is in `trustedProxies`; `signature`: its signature verified. */
  readonly trusted: 'address' | 'signature';
  /** The peer's address (the proxy), as the socket reported it. */
  readonly proxy: string;
}

/**
 * Set by {@link forwarded} when it trusted the peer: how, and the proxy's own address (the
 * context's `remoteAddr` is then the client's).
 */
export const FORWARDED_BY: Key<ForwardedBy> = createKey<ForwardedBy>('trowel.forwardedBy');

/**
 * The receiving side of a forwarding proxy: WSGIProxy's `WSGIProxyMiddleware` and Werkzeug's
 * `ProxyFix`, done soundly. From a trusted peer it reads the one header family `headers` names,
 * and WSGIProxy's own headers only from a signed request or with `wsgiproxy: true`; every private
 * header is stripped from the request the application gets.
 *
 * @throws {ConfigError} for bad options (codes `TROWEL_ERR_FORWARDED_*`).
 * @example
 * ```ts
 * import { forwarded } from 'trowel/forwarded';
 * import type { Handler } from 'trowel';
 * const app: Handler = (_request, ctx) => new Response(`hello ${ctx.remoteAddr}`);
 * export default forwarded({ trustedProxies: ['loopback', '10.0.0.0/8'] })(app);
 * ```
 */
export function forwarded(options: ForwardedOptions = {}): Middleware {
  const config = settings(options);
  const nonces = new NonceCache(config.maxNonces);
  return (next) => async (request, ctx) => {
    const headers = request.headers;
    let hasPrivate = false;
    for (const [name] of headers) {
      if (isPrivateHeader(name)) {
        hasPrivate = true;
        break;
      }
    }
    if (!hasPrivate) {
      const fixed = configured(config, request, ctx, {});
      return fixed instanceof Response ? fixed : next(request, fixed.ctx);
    }
    let by: ForwardedBy | undefined;
    const signature = headers.get(SIGNATURE_HEADER);
    if (signature !== null && config.secret !== undefined) {
      const secret = await config.secret.get();
      const refused = checkSignature(config, secret, nonces, request, ctx, signature);
      if (refused !== undefined) return refused;
      by = { trusted: 'signature', proxy: ctx.remoteAddr };
    } else if (config.trusted(ctx.remoteAddr)) {
      by = { trusted: 'address', proxy: ctx.remoteAddr };
    }
    let changes: ContextInit = {};
    let values: ReadonlyMap<Key<unknown>, unknown> = new Map();
    let url: string | undefined;
    if (by !== undefined) {
      try {
        // WSGIProxy's headers: from a signed request (the signature covers every private header,
        // so none came from the client), or when the proxy in front is known to strip them.
        const wsgiproxy = by.trusted === 'signature' || config.wsgiproxy;
        ({ changes, values, url } = applyProxyHeaders(
          headers,
          ctx,
          request.url,
          config,
          wsgiproxy,
        ));
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;
        return new BadRequest(error.message).toResponse(request);
      }
    }
    const fixed = configured(config, request, ctx, changes);
    if (fixed instanceof Response) return fixed;
    // Values are set on a child: the caller's context is never written to.
    const derived = fixed.ctx === ctx ? ctx.derive({}) : fixed.ctx;
    if (by !== undefined) derived.set(FORWARDED_BY, by);
    for (const [key, value] of values) derived.set(key, value);
    return next(stripped(request, url), derived);
  };
}

function checkSignature(
  config: Settings,
  secret: Uint8Array,
  nonces: NonceCache,
  request: Request,
  ctx: Context,
  signature: string,
): Response | undefined {
  const now = Date.now();
  const result = verifySignature({
    signature,
    method: request.method,
    authority: request.headers.get('host') ?? ctx.host,
    target: targetOf(request.url),
    headers: request.headers,
    secret,
    now,
    maxSkew: config.maxSkew,
  });
  const refuse = (reason: string): Response =>
    new Forbidden(`forwarding signature refused: ${reason}`).toResponse(request);
  if (!result.ok) return refuse(result.reason);
  // RFC 9110 §7.6.1 lets a hop drop what Connection names; a signed header offered for dropping
  // is the hop-by-hop trick (reliability §5.3), so it is refused rather than honoured either way.
  const connection = (request.headers.get('connection') ?? '')
    .split(',')
    .map((token) => token.trim().toLowerCase());
  if (connection.some((token) => token === SIGNATURE_HEADER || result.covered.includes(token))) {
    return refuse('a signed header is listed in Connection');
  }
  const added = nonces.add(result.nonce, (result.t + config.maxSkew) * 1000, now);
  if (added === 'replayed') return refuse('nonce already used');
  if (added !== 'added') {
    return new ServiceUnavailable('too many recent signed requests', {
      retryAfter: added.retryAfter,
    }).toResponse(request);
  }
  return undefined;
}

/** The configured overrides, applied after (and over) what the proxy said. */
function configured(
  config: Settings,
  request: Request,
  ctx: Context,
  changes: ContextInit,
): Response | { readonly ctx: Context } {
  let scriptName = changes.scriptName ?? ctx.scriptName;
  let pathInfo = changes.pathInfo ?? ctx.pathInfo;
  if (config.prefix !== undefined) scriptName = config.prefix;
  if (config.popPrefix !== undefined) {
    const pop = config.popPrefix;
    if (pathInfo !== pop && !pathInfo.startsWith(`${pop}/`)) {
      return new BadRequest(
        `expected every request path to start with ${JSON.stringify(pop)}, got ${JSON.stringify(pathInfo)}`,
      ).toResponse(request);
    }
    scriptName += pop;
    pathInfo = pathInfo.slice(pop.length);
  }
  const scheme = config.scheme ?? changes.scheme ?? ctx.scheme;
  let host = config.host ?? changes.host ?? ctx.host;
  if (host !== ctx.host || scheme !== ctx.scheme) host = withoutDefaultPort(host, scheme);
  const final: ContextInit = { ...changes, scriptName, pathInfo, scheme, host };
  const same =
    final.scriptName === ctx.scriptName &&
    final.pathInfo === ctx.pathInfo &&
    final.scheme === ctx.scheme &&
    final.host === ctx.host &&
    (final.remoteAddr ?? ctx.remoteAddr) === ctx.remoteAddr &&
    (final.remotePort ?? ctx.remotePort) === ctx.remotePort;
  return { ctx: same && Object.keys(changes).length === 0 ? ctx : ctx.derive(final) };
}

/** `host:port` without the port when it is the scheme's default (RFC 9110 §4.2.1, §4.2.2). */
function withoutDefaultPort(host: string, scheme: string): string {
  const { name, port } = splitHost(host);
  return (scheme === 'https' && port === '443') || (scheme === 'http' && port === '80')
    ? name
    : host;
}

/** The request the application gets: private headers gone, and the URL changed when asked. */
function stripped(request: Request, url: string | undefined): Request {
  const headers = new Headers();
  for (const [name, value] of request.headers) {
    if (!isPrivateHeader(name)) headers.append(name, value);
  }
  const withHeaders = new Request(request, { headers });
  return url === undefined ? withHeaders : new Request(url, withHeaders);
}

/** The request-target as the proxy sent it: path and query, from the request URL. */
function targetOf(url: string): string {
  const origin = new URL(url).origin;
  const rest = url.startsWith(origin) ? url.slice(origin.length) : new URL(url).pathname;
  const hash = rest.indexOf('#');
  return hash === -1 ? rest : rest.slice(0, hash);
}
