/**
 * @module trowel/disk-cache
 *
 * A disk cache in front of an application, whose directory mirrors the request paths (`/foo/bar`
 * → `cacheDir/foo/bar`, `/monkeys/` → `cacheDir/monkeys/__index.html`) so that nginx or Apache
 * can serve hits straight from disk, and trowel serves them when it is in front. Each body has a
 * sidecar (`.name.trowel.json`) holding its status and header fields, so one cache serves many
 * content types. Two policies share the layout: `static` keeps an eligible 200 until purged (as
 * wsgi_cache did); `http` is a shared cache per RFC 9111 (freshness, validation with 304,
 * `Vary`, `Age`), using `http-cache-semantics` for the rules.
 *
 * Only GET is stored; HEAD is answered from the GET entry; unsafe methods pass through and
 * invalidate. Requests with a query, `Authorization` or `Cookie` bypass the cache by default, and
 * responses with `Set-Cookie`, `private` or `no-store` are never stored. Keys are canonicalised
 * and contained (no `..`, `%2f`, `\`, NUL, leading `//`, over-long names, dotfiles); writes go to
 * a temporary file renamed into place; concurrent misses run the origin once; the body streams to
 * the client and to disk at once and is committed only when complete. Every answer carries
 * `Cache-Status` (RFC 9211).
 *
 * When not to use it: for per-user pages (they are bypassed anyway), or when a CDN or a caching
 * reverse proxy (nginx `proxy_cache`, Varnish) already sits in front; the layout keeps one
 * variant per path, so content negotiated on more than `Accept-Encoding` is better cached there.
 *
 * Replaces wsgi_cache (`egg:wsgi_cache#middleware`).
 */
export { diskCache } from './middleware.ts';
export type { CachePolicyName, DiskCacheOptions } from './options.ts';
export { purgeCache, type PurgeOptions } from './purge.ts';
