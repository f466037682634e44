/**
 * @module trowel/forwarded
 *
 * The receiving side of a forwarding proxy: replaces WSGIProxy's `WSGIProxyMiddleware` and does
 * what Werkzeug's `ProxyFix` does. Behind a reverse proxy, the socket's peer is the proxy; the
 * client's address, the scheme and host it used, and the path prefix it saw arrive in headers the
 * proxy adds. {@link forwarded} believes those headers only from a peer it trusts — by address
 * (`trustedProxies`: addresses, CIDR blocks, `loopback`, `private`) or by a valid HMAC signature
 * (`secret`/`secretFile`, shared with `proxy()`) — applies them to a derived context, and strips
 * every private header (`Forwarded`, `X-Forwarded-*`, `X-Script-Name`, `X-Traversal-*`,
 * `X-WSGIProxy-*`) from the request the application sees, trusted or not.
 *
 * Per trusted request, in order: the one header family `headers` names — `X-Forwarded-For`/
 * `-Proto`/`-Host`/`-Port`/`-Prefix` by default (the entry `hops` from the right, as `ProxyFix`),
 * or RFC 7239 `Forwarded` (`for=`, `proto=`, `host=`) — never chosen by what the request carries.
 * Then, only when the request's signature verified or `wsgiproxy: true` says the proxy in front
 * strips them from its clients, WSGIProxy's own headers: `X-Forwarded-Scheme`/`-Server` where the
 * family said nothing, the prefix from `X-Forwarded-Script-Name` or `X-Script-Name`,
 * `X-Traversal-Path` moved out of `pathInfo`, `X-Traversal-Query-String` removed from the query,
 * the `X-WSGIProxy-Version` check, and the transported values whose names `transport` lists. Then
 * the configured `prefix`/`popPrefix`/`scheme`/`host`, which apply to every request.
 *
 * When not to use it: when no proxy stands in front (any client could then claim any address if
 * you trusted it), or when the proxy is not under your control. Trust the narrowest range that
 * holds your proxies; `private` trusts every machine on your network.
 */
export { FORWARDED_BY, forwarded, type ForwardedBy } from './forwarded.ts';
export type { ForwardedHeaders, ForwardedHops, ForwardedOptions } from './options.ts';
export {
  SIGNATURE_HEADER,
  secretSource,
  sign,
  verifySignature,
  type SecretSource,
  type SignInput,
  type VerifyInput,
  type VerifyResult,
} from './signature.ts';
export {
  WSGIPROXY_VERSION,
  decodeTransported,
  encodeTransported,
  isPrivateHeader,
  transportedKey,
  type TransportKeys,
  type TransportKind,
  type TransportMap,
} from './transport.ts';
