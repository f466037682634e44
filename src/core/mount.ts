/**
 * Mounting: moving path segments between `pathInfo` and `scriptName` (Paste's `path_info_pop`,
 * Werkzeug's `pop_path_info`/`peek_path_info`), and handing a plain Fetch handler the request it
 * expects when it lives under a prefix.
 *
 * Both halves stay in URL-encoded form, so `scriptName + pathInfo` is always the request path and an
 * encoded slash (`%2F`) inside a segment never turns into a segment boundary.
 */
import { Context } from './context.ts';
import type { Handler } from './handler.ts';

/** The result of moving one segment. */
export interface Shifted {
  /** The decoded segment; `''` for a trailing slash; `undefined` when nothing was left to move. */
  readonly segment: string | undefined;
  /** The child context with the segment moved (the same context when nothing moved). */
  readonly ctx: Context;
}

/**
 * Moves the leading slashes and the first segment of `pathInfo` onto the end of `scriptName`.
 * A lone `/` at the root is reported as `''` (the index) and not moved, since `scriptName` is never
 * exactly `/`; stop shifting when `segment` is `''` or `undefined`.
 *
 * @example
 * ```ts
 * import { Context, shiftPath } from 'trowel';
 * const ctx = new Context('http://x/blog/2024/post');
 * const { segment, ctx: child } = shiftPath(ctx); // 'blog'; child.scriptName '/blog', pathInfo '/2024/post'
 * ```
 */
export function shiftPath(ctx: Context): Shifted {
  const { pathInfo } = ctx;
  if (pathInfo === '') return { segment: undefined, ctx };
  let start = 0;
  while (pathInfo[start] === '/') start++;
  let end = pathInfo.indexOf('/', start);
  if (end === -1) end = pathInfo.length;
  const raw = pathInfo.slice(start, end);
  // At the root, "/" alone is the index: moving it would make scriptName "/", which the context
  // forbids, so report the trailing slash and leave the split as it is.
  if (ctx.scriptName === '' && end === 1) return { segment: '', ctx };
  const child = ctx.derive({
    scriptName: ctx.scriptName + pathInfo.slice(0, end),
    pathInfo: pathInfo.slice(end),
  });
  return { segment: decodeSegment(raw), ctx: child };
}

/**
 * The inverse of {@link shiftPath}: moves the last segment of `scriptName` back to the front of
 * `pathInfo`.
 */
export function unshiftPath(ctx: Context): Shifted {
  const { scriptName } = ctx;
  if (scriptName === '') return { segment: undefined, ctx };
  const cut = scriptName.lastIndexOf('/');
  let start = cut;
  while (start > 0 && scriptName[start - 1] === '/') start--;
  const raw = scriptName.slice(cut + 1);
  const child = ctx.derive({
    scriptName: scriptName.slice(0, start),
    pathInfo: scriptName.slice(start) + ctx.pathInfo,
  });
  return { segment: decodeSegment(raw), ctx: child };
}

/** The first segment of `pathInfo`, decoded, without moving it; `undefined` when there is none. */
export function peekPath(ctx: Context): string | undefined {
  return shiftPath(ctx).segment;
}

/**
 * Moves `prefix` from `pathInfo` to `scriptName` when `pathInfo` starts with it on a segment boundary
 * (`/app` matches `/app` and `/app/x`, never `/apple`). Returns `undefined` when it does not match.
 *
 * The prefix is compared in URL-encoded form; give it as it would appear in a URL path.
 *
 * @throws {TypeError} for a prefix that does not start with `/` or ends with one.
 */
export function mountAt(ctx: Context, prefix: string): Context | undefined {
  const normalized = normalizePrefix(prefix);
  if (normalized === '') return ctx;
  const { pathInfo } = ctx;
  if (!pathInfo.startsWith(normalized)) return undefined;
  const rest = pathInfo.slice(normalized.length);
  if (rest !== '' && !rest.startsWith('/')) return undefined;
  return ctx.derive({ scriptName: ctx.scriptName + normalized, pathInfo: rest });
}

/**
 * Checks and encodes a mount prefix: `''` or `/a/b` (no trailing slash), percent-encoded as in a URL.
 *
 * @throws {TypeError} for a prefix that does not start with `/`, ends with one, or has dot segments.
 */
export function normalizePrefix(prefix: string): string {
  if (prefix === '' || prefix === '/') return '';
  if (!prefix.startsWith('/'))
    throw new TypeError(`a mount prefix must start with "/": ${JSON.stringify(prefix)}`);
  const stripped = prefix.replace(/\/+$/, '');
  const encoded = new URL(stripped, 'http://prefix.invalid').pathname;
  if (encoded !== stripped && decodeURI(encoded) !== stripped) {
    throw new TypeError(
      `a mount prefix must not contain "." or ".." segments: ${JSON.stringify(prefix)}`,
    );
  }
  return encoded;
}

/**
 * The request a plain Fetch handler expects under a mount: the same request with the URL path
 * replaced by `ctx.pathInfo` (`/` when empty), as Hono's `mount()` does. A trowel-aware handler does
 * not need this: it reads the split from its context.
 */
export function stripPrefix(request: Request, ctx: Context): Request {
  if (ctx.scriptName === '') return request;
  const url = new URL(request.url);
  url.pathname = ctx.pathInfo === '' ? '/' : ctx.pathInfo;
  return new Request(url, request);
}

/**
 * Wraps a handler that knows nothing of mounting (Hono's `app.fetch`, an itty-router, …) so that it
 * sees the request path without the mount prefix.
 *
 * @example
 * ```ts
 * import { prefixStripped } from 'trowel';
 * const api = prefixStripped((req) => new Response(new URL(req.url).pathname));
 * ```
 */
export function prefixStripped(handler: Handler): Handler {
  return (request, ctx) => handler(stripPrefix(request, ctx), ctx);
}

function decodeSegment(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}
