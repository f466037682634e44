/**
 * The header fields a proxied request carries upstream, and those its response carries back.
 *
 * Upstream, in this order: the client's fields minus the hop-by-hop ones (RFC 9110 §7.6.1, plus
 * `Expect`), minus `Host`, the suppressed names and every private forwarding header a client could
 * forge (`Forwarded`, `X-Forwarded-*`, `X-Script-Name`, `X-Traversal-*`, `X-WSGIProxy-*`). The
 * chains of `X-Forwarded-For` and `Forwarded` are kept and appended to when this proxy appends to
 * that family, and dropped when it does not: a chain nobody vouches for the end of is the client's
 * to write, and the receiver might be configured to read that family. Then what this proxy
 * states: `X-Forwarded-For/-Proto/-Host/-Prefix`, `Forwarded` (RFC 7239), `Via` (RFC 9110
 * §7.6.3), WSGIProxyApp's headers, the transported context values, and last of all the signature.
 * Everything is added after `Connection` has been processed, so a client cannot make the next hop
 * drop a header this proxy vouches for by naming it in `Connection`.
 *
 * Back: the upstream's fields minus the hop-by-hop ones, `Set-Cookie` kept apart, with `Via`
 * appended and `Location`-style and cookie rewriting when asked for.
 */
import { isIP } from 'node:net';
import type { Context } from '../core/context.ts';
import { isToken } from '../core/header-syntax.ts';
import { hopByHop } from '../core/hop-by-hop.ts';
import { encodeTransported, isPrivateHeader, WSGIPROXY_VERSION } from '../forwarded/transport.ts';
import type { Settings } from './options.ts';
import { rewriteLocation, rewriteRefresh, rewriteSetCookie, type Rewriter } from './rewrite.ts';

/** What the outgoing header list depends on besides the request and the settings. */
export interface Outgoing {
  /** The `Host` value to send. */
  readonly authority: string;
  /** `Authorization` for credentials in the target URL; replaces the client's. */
  readonly authorization?: string | undefined;
  /** The target's path and query, for WSGIProxyApp's `X-Traversal-*` headers. */
  readonly traversal?: { readonly path: string; readonly query: string } | undefined;
}

/** `for=` / `by=` node of a `Forwarded` element (RFC 7239 §6): IPv6 bracketed and quoted. */
export function forwardedNode(address: string): string {
  if (address === '') return 'unknown';
  if (isIP(address) === 6) return `"[${address}]"`;
  return quoteIfNeeded(address);
}

function quoteIfNeeded(value: string): string {
  return isToken(value) ? value : `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** One `Forwarded` element for this hop. */
export function forwardedElement(ctx: Context): string {
  return `for=${forwardedNode(ctx.remoteAddr)};proto=${ctx.scheme};host=${quoteIfNeeded(ctx.host)}`;
}

/** True when a `Via` field value already lists `pseudonym` as a recipient: a loop. */
export function viaHas(value: string, pseudonym: string): boolean {
  const wanted = pseudonym.toLowerCase();
  for (const entry of value.split(',')) {
    // received-protocol RWS received-by [RWS comment] (RFC 9110 §7.6.3)
    const receivedBy = entry.trim().split(/[ \t]+/)[1];
    if (receivedBy?.toLowerCase() === wanted) return true;
  }
  return false;
}

function append(chain: string | undefined, value: string): string {
  return chain === undefined || chain.trim() === '' ? value : `${chain}, ${value}`;
}

/**
 * The header list to send upstream, flat (`[name, value, name, value, …]`, `host` first), for
 * undici. Transported values are read from `ctx`.
 *
 * @throws {TypeError} when a transported context value cannot be encoded (a `str` value that is
 * not a string).
 */
export function requestHeaders(
  request: Request,
  ctx: Context,
  settings: Settings,
  outgoing: Outgoing,
): string[] {
  const drop = hopByHop(request.headers, { request: true });
  const out: string[] = ['host', outgoing.authority];
  let xForwardedFor: string | undefined;
  let forwarded: string | undefined;
  let via: string | undefined;
  for (const [name, value] of request.headers) {
    if (drop.has(name) || name === 'host' || settings.suppress.has(name)) continue;
    if (name === 'x-forwarded-for') xForwardedFor = value;
    else if (name === 'forwarded') forwarded = value;
    else if (name === 'via') via = value;
    else if (name === 'authorization' && outgoing.authorization !== undefined) continue;
    else if (!isPrivateHeader(name)) out.push(name, value);
  }
  if (outgoing.authorization !== undefined) out.push('authorization', outgoing.authorization);
  if (settings.xForwarded) {
    out.push('x-forwarded-for', append(xForwardedFor, ctx.remoteAddr || 'unknown'));
    out.push('x-forwarded-proto', ctx.scheme, 'x-forwarded-host', ctx.host);
    if (ctx.scriptName !== '') out.push('x-forwarded-prefix', ctx.scriptName);
  }
  if (settings.forwarded) out.push('forwarded', append(forwarded, forwardedElement(ctx)));
  // RFC 9110 §7.6.3 asks for the protocol version the request was received with; a Fetch Request
  // does not carry it, so `1.1` is written whatever the client spoke.
  if (settings.via !== undefined) out.push('via', append(via, `1.1 ${settings.via}`));
  else if (via !== undefined) out.push('via', via);
  if (settings.wsgiproxy) wsgiProxyHeaders(out, ctx, outgoing);
  for (const entry of settings.transport) {
    const value = ctx.get(entry.key);
    if (value !== undefined)
      out.push(...encodeTransported(entry.kind, entry.index, entry.name, value));
  }
  if (settings.wsgiproxy || settings.transport.length > 0) {
    out.push('x-wsgiproxy-version', WSGIPROXY_VERSION);
  }
  return out;
}

// WSGIProxyApp's headers (WSGIProxy app.py), with X-Traversal-Path given the leading slash its
// documentation promised, and X-Script-Name sent beside X-Forwarded-Script-Name so that either
// name a receiver reads has it.
function wsgiProxyHeaders(out: string[], ctx: Context, outgoing: Outgoing): void {
  out.push('x-forwarded-server', ctx.host, 'x-forwarded-scheme', ctx.scheme);
  if (ctx.scriptName !== '') {
    out.push('x-forwarded-script-name', ctx.scriptName, 'x-script-name', ctx.scriptName);
  }
  const traversal = outgoing.traversal;
  if (traversal !== undefined && traversal.path !== '')
    out.push('x-traversal-path', traversal.path);
  if (traversal !== undefined && traversal.query !== '') {
    out.push('x-traversal-query-string', traversal.query);
  }
}

/** The pairs of a flat header list, for signing. */
export function* pairs(flat: readonly string[]): Generator<readonly [string, string]> {
  for (let i = 0; i < flat.length; i += 2) yield [flat[i] ?? '', flat[i + 1] ?? ''];
}

/** How to turn the upstream's response fields into the client's. */
export interface Incoming {
  /** Keep `Connection` and `Upgrade`: the 101 of an upgrade needs them. */
  readonly upgrade?: boolean;
  /** The pseudonym to append to `Via`. */
  readonly via: string | undefined;
  readonly rewriteLocation: Rewriter | undefined;
  readonly rewriteCookies: Rewriter | undefined;
}

/** What {@link responseHeaders} returns. */
export interface ResponseFields {
  readonly headers: Headers;
  /** Fields the Fetch `Headers` refused (they are left out): `name: reason`. */
  readonly dropped: readonly string[];
}

/**
 * The client's response fields from the upstream's (as undici parses them: lower-case names, a
 * repeated field as an array).
 */
export function responseHeaders(
  upstream: Readonly<Record<string, string | string[] | undefined>>,
  incoming: Incoming,
): ResponseFields {
  const drop = new Set(hopByHop(connectionOnly(upstream['connection'])));
  if (incoming.upgrade === true) {
    drop.delete('connection');
    drop.delete('upgrade');
  }
  const headers = new Headers();
  const dropped: string[] = [];
  for (const [name, raw] of Object.entries(upstream)) {
    if (raw === undefined || drop.has(name)) continue;
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      try {
        headers.append(name, rewrite(name, value, incoming));
      } catch (error) {
        dropped.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
  if (incoming.via !== undefined && incoming.upgrade !== true) {
    headers.set('via', append(headers.get('via') ?? undefined, `1.1 ${incoming.via}`));
  }
  return { headers, dropped };
}

// Only Connection matters for finding the hop-by-hop fields; a value Fetch refuses names none.
function connectionOnly(value: string | string[] | undefined): Headers {
  const headers = new Headers();
  for (const member of value === undefined ? [] : [value].flat()) {
    try {
      headers.append('connection', member);
    } catch {
      // Left out: it cannot name a field either.
    }
  }
  return headers;
}

function rewrite(name: string, value: string, incoming: Incoming): string {
  const location = incoming.rewriteLocation;
  if (location !== undefined) {
    if (name === 'location' || name === 'content-location') return rewriteLocation(value, location);
    if (name === 'refresh') return rewriteRefresh(value, location);
  }
  if (name === 'set-cookie' && incoming.rewriteCookies !== undefined) {
    return rewriteSetCookie(value, incoming.rewriteCookies);
  }
  return value;
}
