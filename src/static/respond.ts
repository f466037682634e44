/**
 * The HTTP semantics shared by every static answer — files from a tree, one named file, bytes in
 * memory: methods, preconditions (RFC 9110 §13), ranges (§14) and the header fields that go with
 * them. What is served is a {@link Representation}; where its bytes come from is its own business.
 *
 * The order is RFC 9110 §13.2.2's: the method, then preconditions (304 or 412), then `If-Range`
 * and `Range` (206 or 416), then the whole representation (200). A response that carries no body
 * (HEAD, 304, 412, 416) releases the representation, so an open file is closed on every path.
 */
import { randomBytes } from 'node:crypto';
import { evaluateConditions, ifRangeMatches, type CurrentValidators } from '../core/etag.ts';
import { MethodNotAllowed, PreconditionFailed, RangeNotSatisfiable } from '../core/http-error.ts';
import { formatHttpDate } from '../core/http-date.ts';
import { parseRange } from '../core/range.ts';
import { lengthOf, multipartPieces, type Piece } from './body.ts';

/** What is served: its metadata, and how to make its bytes. */
export interface Representation {
  /** Its length in bytes. */
  readonly size: number;
  /** Its `Content-Type`. */
  readonly contentType: string;
  /** Its `ETag` header value, or `undefined` to send none. */
  readonly etag: string | undefined;
  /** When it last changed (ms since the epoch), or `undefined` to send no `Last-Modified`. */
  readonly lastModified: number | undefined;
  /** Its `Content-Encoding` (a precompressed variant), if any. */
  readonly contentEncoding?: string | undefined;
  /** Makes the body of these pieces; called at most once, and then `release` is not called. */
  readonly body: (pieces: readonly Piece[]) => Promise<BodyInit> | BodyInit;
  /** Frees what the representation holds when no body is made. */
  readonly release: () => Promise<void> | void;
}

/** Header fields every answer about the representation carries, 304 included. */
export interface CommonFields {
  /** `Cache-Control`, if any. */
  readonly cacheControl: string | undefined;
  /** `Vary`, if any. */
  readonly vary: string | undefined;
  /** More fields for 200 and 206 (e.g. `Content-Disposition`). */
  readonly extra?: Headers | undefined;
}

/** The methods a static resource allows. */
export const ALLOWED_METHODS: readonly string[] = Object.freeze(['GET', 'HEAD']);

/** 405 with `Allow: GET, HEAD`, for a method a static resource does not support. */
export function methodNotAllowed(request: Request): Response {
  return new MethodNotAllowed(ALLOWED_METHODS).toResponse(request);
}

/**
 * The fields of a 304 (RFC 9110 §15.4.5): validators, `Cache-Control`, `Vary`.
 *
 * @example
 * ```ts
 * validatorFields({ etag: '"v1"', lastModified: undefined }, { cacheControl: undefined, vary: undefined });
 * // [['etag', '"v1"']]
 * ```
 */
export function validatorFields(
  rep: Pick<Representation, 'etag' | 'lastModified'>,
  common: CommonFields,
): [string, string][] {
  const fields: [string, string][] = [];
  if (rep.etag !== undefined) fields.push(['etag', rep.etag]);
  if (rep.lastModified !== undefined)
    fields.push(['last-modified', formatHttpDate(rep.lastModified)]);
  if (common.cacheControl !== undefined) fields.push(['cache-control', common.cacheControl]);
  if (common.vary !== undefined) fields.push(['vary', common.vary]);
  return fields;
}

/**
 * Answers `request` with `rep`: 405, 304, 412, 416, 206 (one range, or multipart/byteranges) or
 * 200, with HEAD answered like GET minus the body.
 *
 * @example
 * ```ts
 * const bytes = new TextEncoder().encode('hello');
 * const response = await respond(request, {
 *   size: bytes.byteLength, contentType: 'text/plain', etag: '"v1"', lastModified: undefined,
 *   body: (pieces) => new Blob(pieces.map((p) => (p instanceof Uint8Array ? p : bytes.subarray(p.start, p.end + 1)))),
 *   release: () => undefined,
 * }, { cacheControl: undefined, vary: undefined });
 * ```
 */
export async function respond(
  request: Request,
  rep: Representation,
  common: CommonFields,
): Promise<Response> {
  const { method } = request;
  if (method !== 'GET' && method !== 'HEAD') {
    await rep.release();
    return methodNotAllowed(request);
  }
  const validators: CurrentValidators = {
    ...(rep.etag === undefined ? {} : { etag: rep.etag }),
    ...(rep.lastModified === undefined ? {} : { lastModified: rep.lastModified }),
  };
  const condition = evaluateConditions(request, validators);
  if (condition === 'not-modified') {
    await rep.release();
    // RFC 9110 §15.4.5: a 304 carries the fields a 200 would have that let caches update.
    return new Response(null, { status: 304, headers: validatorFields(rep, common) });
  }
  if (condition === 'precondition-failed') {
    await rep.release();
    return new PreconditionFailed().toResponse(request);
  }

  const { size } = rep;
  let status = 200;
  let contentType = rep.contentType;
  let contentRange: string | undefined;
  let pieces: Piece[] = size === 0 ? [] : [{ start: 0, end: size - 1 }];
  // RFC 9110 §14.2: only GET has range semantics, and a server may ignore Range. An empty
  // representation has no byte a Content-Range could name, so it is sent whole (as nginx and
  // Apache do). If-Range failing means "send it all".
  const rangeHeader = method === 'GET' && size > 0 ? request.headers.get('range') : null;
  if (rangeHeader !== null && ifRangeMatches(request, validators)) {
    const result = parseRange(rangeHeader, size);
    if (result.kind === 'unsatisfiable') {
      await rep.release();
      return new RangeNotSatisfiable(undefined, { completeLength: size }).toResponse(request);
    }
    if (result.kind === 'ranges') {
      status = 206;
      const [first] = result.ranges;
      if (result.ranges.length === 1 && first !== undefined) {
        pieces = [first];
        contentRange = `bytes ${first.start}-${first.end}/${size}`;
      } else {
        const boundary = randomBytes(12).toString('hex');
        pieces = multipartPieces(result.ranges, size, contentType, boundary);
        contentType = `multipart/byteranges; boundary=${boundary}`;
      }
    }
  }

  const length = lengthOf(pieces);
  const headers = new Headers([
    ['content-type', contentType],
    ['content-length', String(length)],
    ['accept-ranges', 'bytes'],
    ...validatorFields(rep, common),
    ['x-content-type-options', 'nosniff'],
  ]);
  if (contentRange !== undefined) headers.set('content-range', contentRange);
  if (rep.contentEncoding !== undefined) headers.set('content-encoding', rep.contentEncoding);
  if (common.extra !== undefined)
    for (const [name, value] of common.extra) headers.set(name, value);
  if (method === 'HEAD' || length === 0) {
    await rep.release();
    return new Response(null, { status, headers });
  }
  return new Response(await rep.body(pieces), { status, headers });
}
