/**
 * @module trowel
 *
 * The core of trowel: the {@link Handler}/{@link Middleware} interface, the typed {@link Context},
 * composition and mounting, URL reconstruction, HTTP errors, and the request helpers that Paste kept
 * in `paste.request`, `paste.response`, `paste.wsgilib` and `paste.httpheaders` (cookies, query and
 * form parsing, content negotiation, typed header helpers).
 *
 * The core has no runtime dependencies and uses only web-standard APIs, so everything here also runs
 * outside Node.
 */
export { Context, createKey, type ContextInit, type Key } from './context.ts';
export { compose, toFetch, type Handler, type Middleware } from './handler.ts';
export { ConfigError, isConfigError } from './config-error.ts';
export { escapeHtml } from './escape.ts';
export * from './http-error.ts';
export {
  DEFAULT_BODY_LIMIT,
  mediaTypeParam,
  queryParams,
  readBytes,
  readForm,
  readJson,
  readText,
  type BodyOptions,
  type FormOptions,
} from './body.ts';
export {
  mountAt,
  normalizePrefix,
  peekPath,
  prefixStripped,
  shiftPath,
  stripPrefix,
  unshiftPath,
  type Shifted,
} from './mount.ts';
export {
  allowedHosts,
  requestUrl,
  resolveUrl,
  type AllowedHostsOptions,
  type RequestUrlOptions,
} from './url.ts';
export { formatHttpDate, parseCookieDate, parseHttpDate } from './http-date.ts';
export {
  deleteCookie,
  getCookies,
  parseCookies,
  parseSetCookie,
  serializeCookie,
  type CookieOptions,
  type CookiePriority,
  type SameSite,
  type SetCookie,
} from './cookies.ts';
export {
  acceptedLanguages,
  negotiateEncoding,
  negotiateLanguage,
  negotiateMediaType,
  parseAccept,
  type AcceptEntry,
} from './negotiation.ts';
export {
  evaluateConditions,
  formatETag,
  ifRangeMatches,
  parseETag,
  parseETagList,
  strongMatch,
  weakMatch,
  type ConditionResult,
  type CurrentValidators,
  type EntityTag,
  type ETagList,
} from './etag.ts';
export {
  formatContentRange,
  formatUnsatisfiedRange,
  parseRange,
  type ByteRange,
  type ParseRangeOptions,
  type RangeResult,
} from './range.ts';
export { formatCacheControl, parseCacheControl, type CacheControl } from './cache-control.ts';
export {
  formatContentDisposition,
  parseContentDisposition,
  type ContentDisposition,
} from './content-disposition.ts';
export { AUTH_TYPE, LIFECYCLE, REMOTE_USER, type Lifecycle } from './keys.ts';
export { connectionTokens, HOP_BY_HOP, hopByHop, withoutHopByHop } from './hop-by-hop.ts';
export { NOT_YET, settledSoon } from './settled.ts';
