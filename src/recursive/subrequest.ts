/**
 * Internal requests: a request for another path of the same application, built from the client's
 * request, for `recursive()` (forward, include) and `errorDocument()`.
 *
 * A path target becomes a fresh GET (or HEAD) with the client's header fields — cookies and
 * credentials still identify the client — minus those that describe a request body or make the
 * request conditional or partial: an internal page is always fetched whole (RFC 9110 §13.1 and
 * §14.2 would otherwise let it answer 304 or 206 to a question the client never asked about it).
 */
import type { Context } from '../core/context.ts';

/** A request for the application and the context it runs in. */
export interface Subrequest {
  readonly request: Request;
  readonly ctx: Context;
}

const DROPPED = [
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'expect',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'range',
];

/**
 * A GET or HEAD for `target`, a path (and query) relative to the application's root
 * (`base.scriptName`), with the header fields of `original`.
 *
 * @throws {TypeError} for a target that is not a path, or that leaves the application.
 */
export function pathSubrequest(
  original: Request,
  base: Context,
  target: string,
  method: 'GET' | 'HEAD',
): Subrequest {
  if (typeof target !== 'string' || !target.startsWith('/')) {
    throw new TypeError(`an internal request needs a path starting with "/", got ${show(target)}`);
  }
  const origin = new URL(original.url).origin;
  const url = new URL(base.scriptName + target, origin);
  // "//host" (and "/\\host", which URL parsers read the same) names another server; below a
  // mount point it would not, but the same target must mean the same thing wherever it is used.
  if (/^\/[/\\]/.test(target) || url.origin !== origin) {
    throw new TypeError(`an internal request stays on this server, got ${show(target)}`);
  }
  url.hash = '';
  const headers = new Headers(original.headers);
  for (const name of DROPPED) headers.delete(name);
  const request = new Request(url, { method, headers, signal: original.signal });
  return { request, ctx: within(base, url, target) };
}

/**
 * `target` as it is, in a context whose `pathInfo` is its path below the application's root.
 *
 * @throws {TypeError} for a request to another origin, or outside the application.
 */
export function requestSubrequest(original: Request, base: Context, target: Request): Subrequest {
  const url = new URL(target.url);
  if (url.origin !== new URL(original.url).origin) {
    throw new TypeError(`an internal request stays on this server, got ${url.origin}`);
  }
  return { request: target, ctx: within(base, url, url.pathname) };
}

function within(base: Context, url: URL, target: string): Context {
  const prefix = base.scriptName;
  const path = url.pathname;
  // On a segment boundary: the application at /app does not own /apple.
  if (prefix !== '' && path !== prefix && !path.startsWith(`${prefix}/`)) {
    throw new TypeError(`${show(target)} is outside the application mounted at ${prefix}`);
  }
  return base.derive({ pathInfo: path.slice(prefix.length) });
}

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : typeof value;
}
