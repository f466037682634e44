/**
 * @module trowel/proxy
 *
 * HTTP proxying on undici: {@link proxy} forwards to one upstream URL (a reverse proxy, mounted
 * anywhere with `urlMap()`), {@link transparentProxy} forwards each request to the host it names
 * (a gateway or a forward proxy, limited by an allow-list). They replace Paste's `paste.proxy`
 * (`Proxy`, `TransparentProxy`) and WSGIProxy's `WSGIProxyApp`, `exactproxy` and `real_proxy`.
 *
 * Both stream request and response bodies with backpressure over pooled keep-alive connections,
 * keep the request path exactly as the client encoded it, drop hop-by-hop fields both ways, append
 * `X-Forwarded-For`, `Forwarded` and `Via` instead of overwriting them, answer 502 or 504 when the
 * upstream fails, relay WebSocket upgrades (under trowel/server), and can carry context values and
 * an HMAC signature to a `forwarded()` receiver, as WSGIProxy did.
 *
 * When not to use it: to serve files or run code in-process (mount the handler instead); as an
 * HTTP/2 or CONNECT (TLS tunnel) proxy, which it is not; for caching, put `diskCache()` in front.
 */
export { proxy } from './reverse.ts';
export { transparentProxy } from './transparent.ts';
export type { ProxyOptions, ProxyTimeouts, TransparentProxyOptions } from './options.ts';
