/**
 * The request path both proxies share once they know where a request goes: refuse what must not
 * be forwarded (a disallowed method, a loop), build the upstream header list, sign it, exchange,
 * and turn the answer — or the failure — into the client's response.
 *
 * Failures map as a gateway's should (RFC 9110 §15.6.3, §15.6.5): no connection, a reset, a
 * malformed or oversized answer → 502; no connection or no response head in time → 504. They are
 * reported once, to `onError`, and the client gets the status without details (they could name
 * internal hosts). A client that went away is not a failure: the upstream request is aborted and
 * nothing is reported.
 */
import type { Context } from '../core/context.ts';
import {
  BadGateway,
  GatewayTimeout,
  InternalServerError,
  LoopDetected,
} from '../core/http-error-5xx.ts';
import { MethodNotAllowed } from '../core/http-error-4xx.ts';
import { SIGNATURE_HEADER, sign } from '../forwarded/signature.ts';
import { UPGRADE } from '../server/upgrade.ts';
import { exchange, type Answer } from './exchange.ts';
import { pairs, requestHeaders, responseHeaders, viaHas, type Outgoing } from './headers.ts';
import type { Settings } from './options.ts';
import type { Rewriter } from './rewrite.ts';
import { relay } from './upgrade.ts';

/** Where one request goes. */
export interface Route {
  /** `http://host:port` to connect to. */
  readonly origin: string;
  /** The host name an `https` upstream's certificate must match, without brackets. */
  readonly servername: string;
  /** The request-target to send: `/path?query`. */
  readonly target: string;
  readonly outgoing: Outgoing;
  /** Maps the upstream's URLs back to the front end, when rewriting is on. */
  readonly rewriter: Rewriter | undefined;
}

/** The answer to a request refused before it is routed: 405 or 508; `undefined` to go on. */
export function refuse(request: Request, settings: Settings): Response | undefined {
  const methods = settings.methods;
  if (methods !== undefined && !methods.has(request.method.toUpperCase())) {
    return new MethodNotAllowed([...methods]).toResponse(request);
  }
  const via = request.headers.get('via');
  if (settings.via !== undefined && via !== null && viaHas(via, settings.via)) {
    return new LoopDetected(
      `this request already passed through "${settings.via}"; give each proxy of a chain its own via name`,
      { expose: true },
    ).toResponse(request);
  }
  return undefined;
}

// UND_ERR_* are undici's codes; ETIMEDOUT is the socket's own.
const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'ETIMEDOUT']);

/** 504 for an upstream that did not answer in time, 502 for every other upstream failure. */
export function statusFor(error: unknown): 502 | 504 {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TIMEOUTS.has(code) ? 504 : 502;
}

function failed(error: unknown, request: Request, ctx: Context, settings: Settings): Response {
  if (!ctx.signal.aborted) settings.onError(error, request);
  return statusFor(error) === 504
    ? new GatewayTimeout(undefined, { cause: error }).toResponse(request)
    : new BadGateway(undefined, { cause: error }).toResponse(request);
}

// RFC 9112 §4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ).
const REASON = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Forwards `request` along `route` and answers with the upstream's response. */
export async function forward(
  request: Request,
  ctx: Context,
  settings: Settings,
  route: Route,
): Promise<Response> {
  let headers: string[];
  try {
    headers = requestHeaders(request, ctx, settings, route.outgoing);
    if (settings.secret !== undefined) {
      const signature = sign({
        method: request.method,
        authority: route.outgoing.authority,
        target: route.target,
        headers: pairs(headers),
        secret: await settings.secret.get(),
      });
      headers.push(SIGNATURE_HEADER, signature);
    }
  } catch (error) {
    // A transported value that cannot be encoded, a secret file gone: this proxy's own fault.
    settings.onError(error, request);
    return new InternalServerError(undefined, { cause: error }).toResponse(request);
  }
  const upgrade = settings.upgrade ? ctx.get(UPGRADE) : undefined;
  let answer: Answer;
  try {
    answer = await exchange({
      dispatcher: settings.dispatcher.get(ctx),
      origin: route.origin,
      servername: route.servername,
      method: request.method,
      path: route.target,
      headers,
      body: request.body,
      headersTimeout: settings.headersTimeout,
      bodyTimeout: settings.bodyTimeout,
      signal: ctx.signal,
      upgrade: upgrade === undefined ? undefined : (request.headers.get('upgrade') ?? undefined),
    });
  } catch (error) {
    return failed(error, request, ctx, settings);
  }
  const { headers: fields, dropped } = responseHeaders(answer.headers, {
    upgrade: answer.kind === 'upgrade',
    via: settings.via,
    rewriteLocation: settings.rewriteLocation ? route.rewriter : undefined,
    rewriteCookies: settings.rewriteCookies ? route.rewriter : undefined,
  });
  if (dropped.length > 0) {
    settings.onError(
      new TypeError(`dropped invalid upstream fields: ${dropped.join('; ')}`),
      request,
    );
  }
  if (answer.kind === 'upgrade') {
    try {
      // undici only takes a 101 for a request that asked to upgrade, so `upgrade` is set here.
      if (upgrade !== undefined) relay(upgrade, fields, answer.socket);
    } catch (error) {
      return failed(error, request, ctx, settings);
    }
    // The server ignores what a handler returns once it has accepted the upgrade.
    return new Response(null, { status: 204 });
  }
  try {
    return new Response(answer.body, {
      status: answer.status,
      statusText: REASON.test(answer.statusText) ? answer.statusText : '',
      headers: fields,
    });
  } catch (error) {
    // A status Fetch cannot represent (600 and up): RFC 9110 §15 defines none.
    void answer.body?.cancel(error);
    return failed(error, request, ctx, settings);
  }
}
