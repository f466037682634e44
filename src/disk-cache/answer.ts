/**
 * Answers from the cache, and the `Cache-Status` field (RFC 9211) on every answer.
 *
 * A hit is served by trowel/static's `respond()`, the code behind `fileResponse()`: HEAD,
 * `If-None-Match` / `If-Modified-Since` (304), `If-Match` / `If-Unmodified-Since` (412), `Range`
 * and `If-Range` (206, 416), streamed from the descriptor the lookup opened. Its validators are
 * the origin's `ETag` (or nginx's `"<mtime s hex>-<size hex>"` when the origin sent none) and the
 * body file's mtime, which is the origin's `Last-Modified` when it sent one — so a client
 * revalidates alike whether nginx or trowel served the entry.
 *
 * `Cache-Status` values are short and consistent: `trowel; hit`, `trowel; fwd=miss; stored`,
 * `trowel; fwd=miss; detail=<why not stored>`, `trowel; fwd=miss; collapsed` (answered from
 * another request's fresh entry), `trowel; fwd=stale; fwd-status=304`, `trowel; fwd=vary-miss`,
 * `trowel; fwd=request`, `trowel; fwd=method`, `trowel; fwd=bypass; detail=<why>`.
 */
import { evaluateConditions } from '../core/etag.ts';
import { parseHttpDate } from '../core/http-date.ts';
import { fileRepresentation } from '../static/file-representation.ts';
import { respond } from '../static/respond.ts';
import type { StoredEntry } from './store.ts';

const FIELD = 'cache-status';
const NO_VALIDATORS = { etag: false, lastModified: false } as const;

/** The `Cache-Status` member of this cache, from its parameters. */
export function cacheStatus(...params: readonly string[]): string {
  return ['trowel', ...params].join('; ');
}

/**
 * `response` with this cache's `Cache-Status` member appended (RFC 9211 §2: the member of the
 * cache nearest the client comes last). A response whose fields cannot be changed (one from
 * `fetch()`) is copied first.
 */
export function tagged(response: Response, status: string): Response {
  const previous = response.headers.get(FIELD);
  const value = previous === null ? status : `${previous}, ${status}`;
  try {
    response.headers.set(FIELD, value);
    return response;
  } catch {
    const headers = new Headers(response.headers);
    headers.set(FIELD, value);
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  }
}

/**
 * Answers `request` (GET or HEAD) from `entry`, which it owns from here on (the file is closed
 * on every path).
 */
export async function answerFromEntry(
  request: Request,
  entry: StoredEntry,
  status: string,
  more?: readonly (readonly [string, string])[],
): Promise<Response> {
  const { meta, file, stats } = entry;
  const base = fileRepresentation(file, stats, meta.contentType, NO_VALIDATORS);
  const extra = new Headers(meta.extra as [string, string][]);
  if (more !== undefined) for (const [name, value] of more) extra.set(name, value);
  const response = await respond(
    request,
    {
      ...base,
      etag: meta.etag,
      lastModified: meta.lastModified,
      contentEncoding: meta.contentEncoding,
    },
    { cacheControl: meta.cacheControl, vary: meta.vary, extra },
  );
  return tagged(response, status);
}

const CONDITIONAL = ['if-none-match', 'if-modified-since', 'range', 'if-range'];

/** Whether `request` carries validators or a range that a miss's origin request drops. */
export function isConditional(request: Request): boolean {
  return CONDITIONAL.some((name) => request.headers.has(name));
}

/**
 * `request` without `If-None-Match`, `If-Modified-Since`, `Range` and `If-Range`: on a miss the
 * cache asks the origin for the whole representation, which it can store, and answers the
 * client's own conditions itself. The incoming request is never changed.
 */
export function unconditional(request: Request): Request {
  if (!isConditional(request)) return request;
  const headers = new Headers(request.headers);
  for (const name of CONDITIONAL) headers.delete(name);
  return new Request(request, { headers });
}

/** Fields a 304 carries from the 200 it stands for (RFC 9110 §15.4.5). */
const NOT_MODIFIED_FIELDS = [
  'etag',
  'last-modified',
  'cache-control',
  'vary',
  'expires',
  'content-location',
  'date',
];

/**
 * A 304 for `request` when its `If-None-Match` / `If-Modified-Since` match the origin's answer
 * (which the cache fetched unconditionally), or `undefined` when the full answer is due.
 */
export function notModified(request: Request, response: Response): Response | undefined {
  if (!request.headers.has('if-none-match') && !request.headers.has('if-modified-since')) {
    return undefined;
  }
  const etag = response.headers.get('etag');
  const lastModified = parseHttpDate(response.headers.get('last-modified'));
  const condition = evaluateConditions(request, {
    ...(etag === null ? {} : { etag }),
    ...(lastModified === undefined ? {} : { lastModified }),
  });
  if (condition !== 'not-modified') return undefined;
  const headers = new Headers();
  for (const name of NOT_MODIFIED_FIELDS) {
    const value = response.headers.get(name);
    if (value !== null) headers.set(name, value);
  }
  return new Response(null, { status: 304, headers });
}
