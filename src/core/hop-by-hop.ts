/**
 * Hop-by-hop header fields: the ones that describe one connection rather than the message, and that
 * a proxy, gateway or cache must not forward (RFC 9110 §7.6.1).
 *
 * They are the fixed set every HTTP/1.1 intermediary removes — `Connection`, `Keep-Alive`,
 * `Proxy-Connection`, `Proxy-Authenticate`, `Proxy-Authorization`, `TE`, `Trailer`,
 * `Transfer-Encoding`, `Upgrade` — plus every field that the message's own `Connection` header
 * names. On requests `Expect` joins them: `100-continue` is negotiated with this hop, and the next
 * one would otherwise wait for a `100` nobody is going to relay (RFC 9110 §10.1.1).
 *
 * When not to use it: for a 101 (Switching Protocols) answer, which needs `Connection: upgrade` and
 * `Upgrade` to reach the client; take those two back in after filtering.
 */

/** The fields that are hop-by-hop whatever `Connection` says, lower case (RFC 9110 §7.6.1). */
export const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * The connection options of a message: the members of its `Connection` fields (RFC 9110 §7.6.1),
 * lower case, without duplicates. Members that are not tokens are ignored: they cannot name a
 * field.
 *
 * @example
 * ```ts
 * import { connectionTokens } from 'trowel';
 * connectionTokens(new Headers({ connection: 'keep-alive, X-Debug' })); // ['keep-alive', 'x-debug']
 * ```
 */
export function connectionTokens(headers: Headers): string[] {
  const value = headers.get('connection');
  if (value === null) return [];
  const tokens = new Set<string>();
  for (const member of value.split(',')) {
    const token = member.trim().toLowerCase();
    if (TOKEN.test(token)) tokens.add(token);
  }
  return [...tokens];
}

/**
 * Every field name of `headers` that must not be forwarded to the next hop: the fixed
 * {@link HOP_BY_HOP} set, the fields `Connection` names and, for a request, `Expect`. Names are
 * lower case; the set may name fields the message does not have.
 *
 * @example
 * ```ts
 * import { hopByHop } from 'trowel';
 * const incoming = new Headers({ connection: 'X-Debug', 'x-debug': '1', accept: 'text/html' });
 * const drop = hopByHop(incoming, { request: true });
 * const forwarded = new Headers([...incoming].filter(([name]) => !drop.has(name)));
 * // forwarded has only `accept`
 * ```
 */
export function hopByHop(
  headers: Headers,
  options: { readonly request?: boolean } = {},
): ReadonlySet<string> {
  const names = new Set(HOP_BY_HOP);
  for (const token of connectionTokens(headers)) names.add(token);
  if (options.request === true) names.add('expect');
  return names;
}

/**
 * A copy of `headers` without its hop-by-hop fields (see {@link hopByHop}). The original is not
 * changed; `Set-Cookie` fields stay separate.
 *
 * @example
 * ```ts
 * import { withoutHopByHop } from 'trowel';
 * const upstream = new Headers({ 'transfer-encoding': 'chunked', 'content-type': 'text/plain' });
 * withoutHopByHop(upstream).has('transfer-encoding'); // false
 * ```
 */
export function withoutHopByHop(
  headers: Headers,
  options: { readonly request?: boolean } = {},
): Headers {
  const drop = hopByHop(headers, options);
  const out = new Headers();
  for (const [name, value] of headers) {
    if (!drop.has(name)) out.append(name, value);
  }
  return out;
}
