/**
 * Reading request bodies with a size limit: bytes, text, JSON, the query string, and HTML forms
 * (`application/x-www-form-urlencoded` and `multipart/form-data`), replacing Paste's
 * `parse_querystring` and `parse_formvars`.
 *
 * Every reader stops at a byte limit and throws `ContentTooLarge` (413) — up front when
 * `Content-Length` already says too much, otherwise as soon as the stream crosses the limit, which
 * it then cancels. Malformed input throws `BadRequest` (400); a form in a type this module does not
 * read throws `UnsupportedMediaType` (415). Put `httpErrors()` around the handler and these become
 * responses.
 *
 * A request body can be read only once, so the bytes are remembered per `Request`: a second call
 * (from another middleware, or `readForm` after `readText`) gets the same result instead of an error
 * — the limit of the first call governs. Multipart bodies are parsed by the platform's own parser
 * (`Response.formData()`), after the limit has been enforced; a streaming parser with per-file
 * limits belongs to an upload capability, not here.
 */
import { BadRequest, ContentTooLarge, UnsupportedMediaType } from './http-error.ts';

/** The default limit for {@link readBytes}, {@link readText}, {@link readJson}: 1 MiB. */
export const DEFAULT_BODY_LIMIT: number = 1024 * 1024;

/** Options of the body readers. */
export interface BodyOptions {
  /** The most bytes to accept. @default 1048576 (1 MiB) */
  readonly limit?: number;
}

/** Options of {@link readForm}. */
export interface FormOptions extends BodyOptions {
  /** The most fields (and files) to accept; more gives 413. @default 1000 */
  readonly maxFields?: number;
  /** Append the query string's parameters after the body's, as Paste's `parse_formvars` did. @default false */
  readonly includeQuery?: boolean;
}

const bodies = new WeakMap<Request, Promise<Uint8Array<ArrayBuffer>>>();

/**
 * The whole request body as bytes, at most `limit` of them.
 *
 * @throws {ContentTooLarge} when the body is larger than the limit.
 * @throws {BadRequest} when `Content-Length` is malformed or the stream fails.
 * @example
 * ```ts
 * import { readBytes } from 'trowel';
 * const bytes = await readBytes(new Request('http://x/', { method: 'POST', body: 'hi' }), { limit: 10 });
 * ```
 */
export function readBytes(
  request: Request,
  options: BodyOptions = {},
): Promise<Uint8Array<ArrayBuffer>> {
  let pending = bodies.get(request);
  if (!pending) {
    pending = collect(request, checkLimit(options.limit ?? DEFAULT_BODY_LIMIT));
    bodies.set(request, pending);
  }
  return pending;
}

/**
 * The request body decoded as text, in the charset its `Content-Type` names (UTF-8 by default).
 *
 * @throws {UnsupportedMediaType} for a charset the platform cannot decode.
 */
export async function readText(request: Request, options: BodyOptions = {}): Promise<string> {
  const charset = mediaTypeParam(request.headers.get('content-type') ?? '', 'charset') ?? 'utf-8';
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    throw new UnsupportedMediaType(`unsupported charset ${JSON.stringify(charset)}`);
  }
  return decoder.decode(await readBytes(request, options));
}

/**
 * The request body parsed as JSON.
 *
 * @throws {BadRequest} when the body is not valid JSON.
 */
export async function readJson(request: Request, options: BodyOptions = {}): Promise<unknown> {
  const text = await readText(request, options);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new BadRequest('the request body is not valid JSON', { cause: error });
  }
}

/** The query string's parameters, in order, blanks kept. */
export function queryParams(request: Request): URLSearchParams {
  const url = request.url;
  const q = url.indexOf('?');
  if (q === -1) return new URLSearchParams();
  const hash = url.indexOf('#', q);
  return new URLSearchParams(hash === -1 ? url.slice(q + 1) : url.slice(q + 1, hash));
}

/**
 * The submitted HTML form. A request without a body or `Content-Type` gives an empty form.
 *
 * @throws {UnsupportedMediaType} for a body that is neither urlencoded nor multipart.
 * @throws {BadRequest} for a malformed multipart body.
 * @throws {ContentTooLarge} past the byte limit or `maxFields`.
 * @example
 * ```ts
 * import { readForm } from 'trowel';
 * const form = await readForm(
 *   new Request('http://x/', { method: 'POST', body: new URLSearchParams({ name: 'Ada' }) }),
 * );
 * form.get('name'); // 'Ada'
 * ```
 */
export async function readForm(request: Request, options: FormOptions = {}): Promise<FormData> {
  const maxFields = options.maxFields ?? 1000;
  const contentType = request.headers.get('content-type') ?? '';
  const essence = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  let form: FormData;
  if (request.body === null || essence === '') {
    form = new FormData();
  } else if (essence === 'application/x-www-form-urlencoded') {
    form = new FormData();
    const text = new TextDecoder().decode(await readBytes(request, options));
    for (const [name, value] of new URLSearchParams(text)) form.append(name, value);
  } else if (essence === 'multipart/form-data') {
    if (mediaTypeParam(contentType, 'boundary') === undefined) {
      throw new BadRequest('multipart/form-data without a boundary');
    }
    const bytes = await readBytes(request, options);
    try {
      form = await new Response(bytes, { headers: { 'content-type': contentType } }).formData();
    } catch (error) {
      throw new BadRequest('malformed multipart/form-data body', { cause: error });
    }
  } else {
    throw new UnsupportedMediaType(`cannot read a form from ${essence}`);
  }
  if (options.includeQuery === true) {
    for (const [name, value] of queryParams(request)) form.append(name, value);
  }
  let fields = 0;
  form.forEach(() => {
    fields++;
  });
  if (fields > maxFields) throw new ContentTooLarge(`more than ${maxFields} form fields`);
  return form;
}

/** A parameter of a media type (`charset`, `boundary`), unquoted; `undefined` when absent. */
export function mediaTypeParam(contentType: string, name: string): string | undefined {
  // RFC 9110 §5.6.6: parameter names are case-insensitive; values may be quoted strings.
  const pattern = /;\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  for (const match of contentType.matchAll(pattern)) {
    if (match[1]?.toLowerCase() !== name) continue;
    const value = (match[2] ?? '').trim();
    return value.startsWith('"') ? value.slice(1, -1).replace(/\\(.)/g, '$1') : value;
  }
  return undefined;
}

function checkLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`a body limit must be a non-negative integer, got ${limit}`);
  }
  return limit;
}

async function collect(request: Request, limit: number): Promise<Uint8Array<ArrayBuffer>> {
  const declared = request.headers.get('content-length');
  if (declared !== null) {
    if (!/^\d+$/.test(declared)) throw new BadRequest('malformed Content-Length');
    if (Number(declared) > limit) {
      await request.body?.cancel().catch(() => undefined);
      throw new ContentTooLarge(`the body is larger than ${limit} bytes`);
    }
  }
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => undefined);
        throw new ContentTooLarge(`the body is larger than ${limit} bytes`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof ContentTooLarge) throw error;
    throw new BadRequest('the request body could not be read', { cause: error });
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
