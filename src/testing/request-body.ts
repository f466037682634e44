/**
 * How the test client turns `params` and `uploadFiles` into a query string or a request body:
 * urlencoded pairs (lists expand to repeated names, where Paste sent their Python repr), raw text
 * or bytes, or `multipart/form-data` built by the platform's own `FormData` encoder whenever a file
 * is involved.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/**
 * A file to upload: a form field value that makes the request `multipart/form-data`. Without
 * `content`, the file is read from disk (relative to the app's `relativeTo` directory) when the
 * request is sent.
 *
 * @example
 * ```ts
 * import { TestApp, Upload } from 'trowel/testing';
 * const app = new TestApp(() => new Response('ok'));
 * await app.post('/upload', { params: { doc: new Upload('notes.txt', 'hello', 'text/plain') } });
 * ```
 */
export class Upload {
  /** The file name sent in the part's `Content-Disposition`; `''` for an empty file field. */
  readonly filename: string;
  /** The bytes to send; `undefined` means "read `filename` from disk". */
  readonly content: string | Uint8Array | Blob | undefined;
  /** The part's `Content-Type`. @default 'application/octet-stream' */
  readonly contentType: string | undefined;

  constructor(filename: string, content?: string | Uint8Array | Blob, contentType?: string) {
    this.filename = filename;
    this.content = content;
    this.contentType = contentType;
  }

  /** The bytes to send, reading the file from disk when no content was given. */
  async bytes(relativeTo: string): Promise<Uint8Array> {
    if (this.content === undefined) {
      if (this.filename === '') return new Uint8Array(0);
      return readFile(resolve(relativeTo, this.filename));
    }
    if (typeof this.content === 'string') return new TextEncoder().encode(this.content);
    if (this.content instanceof Blob) return new Uint8Array(await this.content.arrayBuffer());
    return this.content;
  }
}

/** One value of a form field. */
export type ParamValue = string | number | boolean | Upload;

/**
 * Request parameters: a query string for GET and HEAD, a body for the other methods. A string or
 * bytes is sent as is; pairs, a record (list values repeat the name), `URLSearchParams` or
 * `FormData` are form-encoded.
 */
export type Params =
  | string
  | Uint8Array
  | URLSearchParams
  | FormData
  | Readonly<Record<string, ParamValue | readonly ParamValue[] | null | undefined>>
  | readonly (readonly [string, ParamValue])[];

/** A file for {@link RequestOptions.uploadFiles}: WebTest's `(field, filename, content, type)`. */
export interface UploadFile {
  /** The form field name. */
  readonly field: string;
  readonly filename: string;
  /** The bytes; read from disk (relative to `relativeTo`) when absent. @default read from disk */
  readonly content?: string | Uint8Array;
  /** @default 'application/octet-stream' */
  readonly contentType?: string;
}

/** Flattens params to name/value pairs, checking value types (for callers without a type check). */
export function toPairs(params: Exclude<Params, string | Uint8Array>): [string, ParamValue][] {
  const pairs: [string, ParamValue][] = [];
  const add = (name: string, value: unknown): void => {
    if (
      typeof value === 'string' ||
      typeof value === 'number' ||
      typeof value === 'boolean' ||
      value instanceof Upload
    ) {
      pairs.push([name, value]);
    } else if (value instanceof File) {
      pairs.push([name, new Upload(value.name, value, value.type || undefined)]);
    } else {
      throw new TypeError(
        `parameter ${JSON.stringify(name)} has a value of type ${typeof value}: use a string, number, boolean or Upload`,
      );
    }
  };
  if (params instanceof URLSearchParams || params instanceof FormData || Array.isArray(params)) {
    for (const [name, value] of params as Iterable<readonly [string, unknown]>) add(name, value);
    return pairs;
  }
  for (const [name, value] of Object.entries(params)) {
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) for (const item of value as unknown[]) add(name, item);
    else add(name, value);
  }
  return pairs;
}

/** Appends params to a URL's query, after what is already there. */
export function appendQuery(url: URL, params: Params): void {
  if (params instanceof Uint8Array) throw new TypeError('bytes cannot be sent as a query string');
  const extra =
    typeof params === 'string'
      ? params.replace(/^\?/, '')
      : new URLSearchParams(
          toPairs(params).map(([name, value]) => {
            if (value instanceof Upload) {
              throw new TypeError(`file parameter ${JSON.stringify(name)} needs a request body`);
            }
            return [name, String(value)];
          }),
        ).toString();
  if (extra === '') return;
  url.search = url.search.length > 1 ? `${url.search}&${extra}` : `?${extra}`;
}

/** A body and the `Content-Type` it needs (`undefined`: the platform sets it, as for FormData). */
export interface EncodedBody {
  readonly body: string | Uint8Array | FormData | undefined;
  readonly contentType: string | undefined;
}

/**
 * Encodes params and uploads as a request body. Multipart when there is a file or the content type
 * asks for it; otherwise urlencoded, or sent as is for a string or bytes.
 */
export async function encodeBody(
  params: Params | undefined,
  uploadFiles: readonly UploadFile[] | undefined,
  contentType: string | undefined,
  relativeTo: string,
): Promise<EncodedBody> {
  if (typeof params === 'string' || params instanceof Uint8Array) {
    if (uploadFiles?.length) throw new TypeError('uploadFiles cannot be combined with a raw body');
    const empty = params.length === 0;
    return {
      body: empty ? undefined : params,
      // WebTest's default for a non-empty body without a declared type.
      contentType: contentType ?? (empty ? undefined : 'application/x-www-form-urlencoded'),
    };
  }
  const pairs = params === undefined ? [] : toPairs(params);
  for (const file of uploadFiles ?? []) {
    pairs.push([file.field, new Upload(file.filename, file.content, file.contentType)]);
  }
  const multipart =
    contentType?.toLowerCase().startsWith('multipart/') === true ||
    params instanceof FormData ||
    pairs.some(([, value]) => value instanceof Upload);
  if (multipart) {
    const form = new FormData();
    for (const [name, value] of pairs) {
      if (value instanceof Upload) form.append(name, await toFile(value, relativeTo));
      else form.append(name, String(value));
    }
    // The encoder chooses the boundary, so a declared multipart type without one is replaced.
    const declared = contentType && /;\s*boundary=/i.test(contentType) ? contentType : undefined;
    return { body: form, contentType: declared };
  }
  if (pairs.length === 0) return { body: undefined, contentType };
  // No Upload is left here: one would have made the body multipart.
  const encoded = new URLSearchParams(
    pairs.map(([name, value]) => [name, value instanceof Upload ? value.filename : String(value)]),
  );
  return {
    body: encoded.toString(),
    contentType: contentType ?? 'application/x-www-form-urlencoded',
  };
}

async function toFile(upload: Upload, relativeTo: string): Promise<File> {
  const type = upload.contentType ?? 'application/octet-stream';
  if (upload.content instanceof Blob) return new File([upload.content], upload.filename, { type });
  const bytes = await upload.bytes(relativeTo);
  return new File([bytes as Uint8Array<ArrayBuffer>], upload.filename, { type });
}
