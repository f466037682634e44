/**
 * @module trowel/errordocument
 *
 * Custom error pages: when the application answers (or throws) one of the chosen statuses,
 * `errorDocument({ 404: '/errors/404.html' })` fetches that page from the same application with an
 * internal GET and answers with its body under the original status. It replaces
 * `paste.errordocument` (`forward()`, `StatusBasedForward`, `StatusKeeper`, and
 * `egg:Paste#errordocument` through `trowel/deploy`).
 *
 * - The status stays the application's: a missing page is still a 404 to browsers, caches and
 *   crawlers. Fields about the error (`WWW-Authenticate`, `Allow`, `Retry-After`, `Set-Cookie`,
 *   `Cache-Control`) are kept; fields about the replaced body are not (see `merge.ts`).
 * - The page is fetched with the client's header fields (cookies, `Accept-Language`), without a
 *   body or conditions, and the page is told what it stands in for through {@link ERROR_DOCUMENT}.
 * - It cannot loop: the page request goes to the application below, never back through an
 *   error-document layer. When the page itself fails or answers anything but 200, the client gets
 *   the application's own error response, and `onPageError` hears why.
 *
 * When not to use it: for errors that are exceptions (bugs), which the error-page middleware of
 * `trowel/errors` logs and answers; or to redirect the client (a 404 that redirects is no 404).
 */
import { Context, createKey, type Key } from '../core/context.ts';
import { ConfigError } from '../core/config-error.ts';
import type { Handler, Middleware } from '../core/handler.ts';
import { isHttpError } from '../core/http-error.ts';
import { pathSubrequest } from '../recursive/subrequest.ts';
import { mergeHeaders } from './merge.ts';

/** What the error page is told about the response it replaces, under {@link ERROR_DOCUMENT}. */
export interface ErrorDocumentInfo {
  /** The application's status. */
  readonly status: number;
  /** The client's request. */
  readonly request: Request;
  /** The path the client asked for, below the application's root (URL-encoded). */
  readonly pathInfo: string;
}

/**
 * Set in the context of the error page's request, so the page can say what went wrong.
 *
 * @example
 * ```ts
 * import type { Handler } from 'trowel';
 * import { ERROR_DOCUMENT } from 'trowel/errordocument';
 * const notFoundPage: Handler = (_request, ctx) => {
 *   const info = ctx.get(ERROR_DOCUMENT);
 *   return new Response(`No page at ${info?.pathInfo ?? 'this address'}.`);
 * };
 * ```
 */
export const ERROR_DOCUMENT: Key<ErrorDocumentInfo> =
  createKey<ErrorDocumentInfo>('trowel.errordocument');

/** Statuses (400–599) and the paths of their pages, relative to the application's root. */
export type ErrorPages = Readonly<Record<number, string>> | ReadonlyMap<number, string>;

/** Chooses a page per response: a path, or `undefined` to leave the response alone. */
export type ErrorPageMapper = (
  status: number,
  request: Request,
  ctx: Context,
) => string | undefined;

/** Why an error page could not be shown. */
export interface ErrorPageProblem {
  /** The application's status. */
  readonly status: number;
  /** The page's path. */
  readonly page: string;
  /** The page's own status, when it answered. */
  readonly pageStatus?: number;
  /** What the page threw, when it threw. */
  readonly error?: unknown;
  /** One line for a log. */
  readonly message: string;
}

/** Options of {@link errorDocument}. */
export interface ErrorDocumentOptions {
  /**
   * Hears about an error page that could not be shown; the client then gets the application's
   * own response.
   * @default a warning on the console
   */
  readonly onPageError?: (problem: ErrorPageProblem) => void;
}

/**
 * The middleware; see the module comment.
 *
 * @throws {ConfigError} `TROWEL_ERR_ERRORDOCUMENT_STATUS` for a status outside 400–599,
 * `TROWEL_ERR_ERRORDOCUMENT_PAGE` for a page that is not a path of this server,
 * `TROWEL_ERR_ERRORDOCUMENT_OPTIONS` for a bad option.
 * @example
 * ```ts
 * import { errorDocument } from 'trowel/errordocument';
 * const app = errorDocument({ 404: '/errors/404.html', 500: '/errors/500.html' })((request) =>
 *   new URL(request.url).pathname === '/errors/404.html'
 *     ? new Response('<h1>Not here</h1>', { headers: { 'content-type': 'text/html' } })
 *     : new Response('missing', { status: 404 }),
 * );
 * ```
 */
export function errorDocument(
  pages: ErrorPages | ErrorPageMapper,
  options: ErrorDocumentOptions = {},
): Middleware {
  const pageFor = mapperOf(pages);
  const onPageError = options.onPageError ?? warn;
  if (typeof onPageError !== 'function') {
    throw new ConfigError(
      'TROWEL_ERR_ERRORDOCUMENT_OPTIONS',
      'errorDocument(): onPageError must be a function',
    );
  }
  return (next) => async (request, ctx) => {
    // The page's own request, or one inside it: never replaced again, so nothing can loop.
    if (ctx.has(ERROR_DOCUMENT)) return next(request, ctx);
    let response: Response;
    try {
      response = await next(request, ctx);
    } catch (error) {
      if (!isHttpError(error) || pageFor(error.status, request, ctx) === undefined) throw error;
      response = error.toResponse(request);
    }
    const page = pageFor(response.status, request, ctx);
    if (page === undefined || ctx.signal.aborted) return response;
    const status = response.status;
    const report = (detail: string, extra: Partial<ErrorPageProblem>): undefined => {
      onPageError({
        status,
        page,
        ...extra,
        message: `error page ${page} for ${status} ${detail}`,
      });
    };
    const sub = pathSubrequest(request, ctx, page, request.method === 'HEAD' ? 'HEAD' : 'GET');
    sub.ctx.set(ERROR_DOCUMENT, { status, request, pathInfo: ctx.pathInfo });
    let shown: Response;
    try {
      shown = await next(sub.request, sub.ctx);
    } catch (error) {
      report(`threw: ${error instanceof Error ? error.message : String(error)}`, { error });
      return response;
    }
    if (shown.status !== 200) {
      shown.body?.cancel().catch(() => undefined);
      report(`answered ${shown.status}`, { pageStatus: shown.status });
      return response;
    }
    response.body?.cancel().catch(() => undefined);
    return new Response(shown.body, {
      status,
      statusText: response.statusText,
      headers: mergeHeaders(response.headers, shown.headers),
    });
  };
}

/**
 * Paste's `errordocument.forward(app, codes)`: `app` with `errorDocument(codes)` around it.
 *
 * @example
 * ```ts
 * import { forward } from 'trowel/errordocument';
 * const app = forward(() => new Response('gone', { status: 404 }), { 404: '/errors/404' });
 * ```
 */
export function forward(app: Handler, codes: ErrorPages): Handler {
  return errorDocument(codes)(app);
}

function warn(problem: ErrorPageProblem): void {
  console.warn(`trowel/errordocument: ${problem.message}`);
}

function mapperOf(pages: ErrorPages | ErrorPageMapper): ErrorPageMapper {
  if (typeof pages === 'function') {
    return (status, request, ctx) => {
      const page = pages(status, request, ctx);
      if (page !== undefined && typeof page !== 'string') {
        throw new TypeError(`an error page mapper returned ${typeof page}, not a path`);
      }
      return page;
    };
  }
  const entries: unknown[][] =
    pages instanceof Map
      ? [...(pages as ReadonlyMap<unknown, unknown>)]
      : typeof pages === 'object' && (pages as unknown) !== null
        ? Object.entries(pages)
        : [];
  if (entries.length === 0) {
    throw new ConfigError(
      'TROWEL_ERR_ERRORDOCUMENT_OPTIONS',
      'errorDocument() needs at least one status and page, or a function',
    );
  }
  const table = new Map<number, string>();
  for (const [key, page] of entries) {
    const status = Number(key);
    if (!/^[45]\d\d$/.test(String(key))) {
      throw new ConfigError(
        'TROWEL_ERR_ERRORDOCUMENT_STATUS',
        `errorDocument(): ${String(key)} is not a status from 400 to 599`,
      );
    }
    table.set(status, checkPage(status, page));
  }
  return (status) => table.get(status);
}

function checkPage(status: number, page: unknown): string {
  try {
    if (typeof page !== 'string') throw new TypeError(`it is ${typeof page}, not a path`);
    // The same checks a request makes, once, now: a path of this server, inside the application.
    const probe = 'http://probe.invalid/root';
    pathSubrequest(new Request(probe), new Context(probe, { scriptName: '/root' }), page, 'GET');
    return page;
  } catch (error) {
    throw new ConfigError(
      'TROWEL_ERR_ERRORDOCUMENT_PAGE',
      `errorDocument(): the page for ${status}: ${(error as Error).message}`,
    );
  }
}
