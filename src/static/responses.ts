/**
 * One file, or bytes in memory, answered with full HTTP semantics: `fileResponse()` (Paste's
 * `FileApp`) and `dataResponse()` (Paste's `DataApp`). Both honour HEAD, the preconditions
 * (304/412), `Range` and `If-Range` (206, multipart/byteranges, 416), and answer 405 to methods
 * other than GET and HEAD.
 *
 * Use them inside a handler that decides which file or bytes to send (a download behind a
 * permission check, a generated report); to serve a whole directory, use `staticFiles()`.
 */
import { createHash } from 'node:crypto';
import { parse, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../core/config-error.ts';
import { formatETag } from '../core/etag.ts';
import { Forbidden } from '../core/http-error.ts';
import { contentTypes, DEFAULT_TYPE } from './content-type.ts';
import { fileRepresentation } from './file-representation.ts';
import { openInside } from './open-file.ts';
import { cacheControlOf, validatorsOf, type CachingOptions } from './options.ts';
import { methodNotAllowed, respond } from './respond.ts';
import { notFound } from './static-files.ts';

/** Options of {@link fileResponse}. */
export interface FileResponseOptions extends CachingOptions {
  /** The `Content-Type`. @default from the file name's extension */
  readonly contentType?: string;
  /** More header fields for a 200 or 206 answer, such as `Content-Disposition`. @default none */
  readonly headers?: HeadersInit;
}

/** Options of {@link dataResponse}. */
export interface DataResponseOptions {
  /** The `Content-Type`. @default `text/plain; charset=utf-8` for a string, else `application/octet-stream` */
  readonly contentType?: string;
  /**
   * The entity tag: `true` computes a strong one from a SHA-256 of the bytes, a string is used as
   * the opaque tag (quoted for you), `false` sends none.
   * @default true
   */
  readonly etag?: boolean | string;
  /** Sent as `Last-Modified` and used for the date conditions. @default none */
  readonly modifiedAt?: Date | number;
  /** As in {@link CachingOptions}. @default none */
  readonly cacheMaxAge?: number;
  /** As in {@link CachingOptions}. @default false */
  readonly immutable?: boolean;
  /** More header fields for a 200 or 206 answer. @default none */
  readonly headers?: HeadersInit;
}

const typeOf = contentTypes();

function checkContentType(what: string, type: unknown): string | undefined {
  if (type === undefined) return undefined;
  if (typeof type !== 'string' || type === '' || /[\r\n\0]/.test(type)) {
    throw new ConfigError(
      'TROWEL_ERR_STATIC_INVALID_OPTION',
      `${what}: contentType must be a media type, got ${JSON.stringify(type)}`,
    );
  }
  return type;
}

/**
 * Answers `request` with the file at `path` (absolute, a `file:` URL, or relative to the working
 * directory): 404 when it is missing or not a regular file, 403 when it cannot be read. Symlinks
 * are followed: the caller chose the path.
 *
 * @throws {ConfigError} `TROWEL_ERR_STATIC_INVALID_OPTION` for invalid options.
 * @example
 * ```ts
 * import type { Handler } from 'trowel';
 * import { fileResponse } from 'trowel/static';
 * const report: Handler = (request) =>
 *   fileResponse('/var/reports/latest.pdf', request, {
 *     headers: { 'content-disposition': 'attachment; filename="report.pdf"' },
 *   });
 * ```
 */
export async function fileResponse(
  path: string | URL,
  request: Request,
  options: FileResponseOptions = {},
): Promise<Response> {
  const what = 'fileResponse()';
  const contentType = checkContentType(what, options.contentType);
  const cacheControl = cacheControlOf(what, options);
  const validators = validatorsOf(what, options);
  const extra = options.headers === undefined ? undefined : new Headers(options.headers);
  if (request.method !== 'GET' && request.method !== 'HEAD') return methodNotAllowed(request);
  const file = typeof path === 'string' ? resolve(path) : fileURLToPath(path);
  const opened = await openInside(parse(file).root, file, true);
  if (opened === 'missing') return notFound(request);
  if (opened === 'forbidden') return new Forbidden().toResponse(request);
  if (!opened.stats.isFile()) {
    opened.file.close();
    return notFound(request);
  }
  const rep = fileRepresentation(
    opened.file,
    opened.stats,
    contentType ?? typeOf(opened.path),
    validators,
  );
  return respond(request, rep, { cacheControl, vary: undefined, extra });
}

function concat(parts: readonly Uint8Array<ArrayBuffer>[]): Uint8Array<ArrayBuffer> {
  const [only] = parts;
  return parts.length === 1 && only !== undefined ? only : Buffer.concat(parts);
}

function toBytes(data: Uint8Array | ArrayBuffer | string): Uint8Array<ArrayBuffer> {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  // A view of a SharedArrayBuffer could change under the response: copy it.
  return data.buffer instanceof ArrayBuffer
    ? (data as Uint8Array<ArrayBuffer>)
    : new Uint8Array(data);
}

/**
 * Answers `request` with `data` (a string is sent as UTF-8).
 *
 * @throws {ConfigError} `TROWEL_ERR_STATIC_INVALID_OPTION` for invalid options.
 * @example
 * ```ts
 * import type { Handler } from 'trowel';
 * import { dataResponse } from 'trowel/static';
 * const logo = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
 * const app: Handler = (request) => dataResponse(logo, request, { contentType: 'image/png', cacheMaxAge: 86400 });
 * ```
 */
export async function dataResponse(
  data: Uint8Array | ArrayBuffer | string,
  request: Request,
  options: DataResponseOptions = {},
): Promise<Response> {
  const what = 'dataResponse()';
  const bytes = toBytes(data);
  const contentType =
    checkContentType(what, options.contentType) ??
    (typeof data === 'string' ? 'text/plain; charset=utf-8' : DEFAULT_TYPE);
  const cacheControl = cacheControlOf(what, {
    ...(options.cacheMaxAge === undefined ? {} : { cacheMaxAge: options.cacheMaxAge }),
    ...(options.immutable === undefined ? {} : { immutable: options.immutable }),
  });
  const { etag = true, modifiedAt } = options;
  let tag: string | undefined;
  if (typeof etag === 'string') {
    try {
      tag = formatETag(etag);
    } catch (error) {
      throw new ConfigError(
        'TROWEL_ERR_STATIC_INVALID_OPTION',
        `${what}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  } else if (etag) {
    tag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 32)}"`;
  }
  const modified = modifiedAt === undefined ? undefined : new Date(modifiedAt).getTime();
  if (modified !== undefined && !Number.isFinite(modified)) {
    throw new ConfigError('TROWEL_ERR_STATIC_INVALID_OPTION', `${what}: modifiedAt is not a date`);
  }
  const extra = options.headers === undefined ? undefined : new Headers(options.headers);
  return respond(
    request,
    {
      size: bytes.byteLength,
      contentType,
      etag: tag,
      lastModified: modified,
      body: (pieces) =>
        concat(
          pieces.map((p) => (p instanceof Uint8Array ? p : bytes.subarray(p.start, p.end + 1))),
        ),
      release: () => undefined,
    },
    { cacheControl, vary: undefined, extra },
  );
}
