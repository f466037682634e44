/**
 * The base class of trowel's HTTP errors and the guard that recognises them.
 *
 * An {@link HttpError} is an `Error` that knows the HTTP response it stands for: throw one anywhere
 * below `httpErrors()` and the client gets its status, its header fields and a small body in the
 * format it asked for (see {@link HttpError.toResponse}). Each status is a subclass that sets
 * `static status` and `static title`; the named classes live beside this file and are exported from
 * `trowel`, and a user-defined status is one more subclass.
 *
 * Use {@link isHttpError} rather than `instanceof` where the error may come from another copy of
 * trowel (two versions in one `node_modules` tree): the guard checks a `Symbol.for` brand that every
 * copy shares.
 */
import { renderHttpError } from './http-error-render.ts';

const BRAND: unique symbol = Symbol.for('trowel.http-error');

/** What every HTTP error class accepts after `detail`. */
export interface HttpErrorOptions {
  /** Header fields to send with the response; copied, never kept or changed. @default none */
  readonly headers?: HeadersInit;
  /** What led to this error, kept as `error.cause` for logs; never sent to the client. @default none */
  readonly cause?: unknown;
  /** Whether the client sees `detail`. @default true for 3xx and 4xx, false for 5xx */
  readonly expose?: boolean;
}

/** A sentence a subclass adds to the body, optionally ending in a link (a redirect's target). */
export interface HttpErrorNote {
  /** Plain text, escaped when rendered as HTML. */
  readonly text: string;
  /** A URI reference shown after the text; a link in HTML. */
  readonly href?: string;
}

/**
 * Any HTTP error class: what {@link errorClassFor} returns. Use it with `instanceof`, or read its
 * `status` and `title`.
 */
export type HttpErrorClass = (abstract new (...args: never[]) => HttpError) & {
  readonly status: number;
  readonly title: string;
};

/**
 * An error that stands for an HTTP response (3xx, 4xx or 5xx). Abstract: throw one of the named
 * subclasses (`NotFound`, `MethodNotAllowed`, `Found`, …), call `httpError(status)`, or subclass it
 * for a status of your own.
 *
 * @example
 * ```ts
 * import { HttpClientError, NotFound } from 'trowel';
 * const missing = (page: string): NotFound => new NotFound(`no page called ${JSON.stringify(page)}`);
 *
 * class EnhanceYourCalm extends HttpClientError {
 *   static override readonly status = 420;
 *   static override readonly title = 'Enhance Your Calm';
 * }
 * ```
 */
export abstract class HttpError extends Error {
  /** The status code; every concrete subclass sets it. */
  static readonly status: number = 0;
  /** The reason phrase (RFC 9110 §15); every concrete subclass sets it. */
  static readonly title: string = '';

  static {
    Object.defineProperty(this.prototype, BRAND, { value: true });
  }

  /** The class name, e.g. `NotFound`. */
  override name: string;
  /** The response status code (300–599). */
  readonly status: number;
  /** The reason phrase, e.g. `Not Found`. */
  readonly title: string;
  /** What went wrong in this case, for the client when {@link expose} is true and for logs. */
  readonly detail: string | undefined;
  /** Header fields the response carries; set by the subclass and from `options.headers`. */
  readonly headers: Headers;
  /** Whether the response shows {@link detail} to the client. */
  readonly expose: boolean;

  /**
   * @throws {RangeError} when the subclass sets no status in 300–599.
   * @throws {TypeError} when `detail` is not a string or a header field is invalid.
   */
  constructor(detail?: string, options: HttpErrorOptions = {}) {
    const { status, title } = new.target;
    if (!Number.isInteger(status) || status < 300 || status > 599) {
      throw new RangeError(`an HTTP error status must be an integer in 300-599, got ${status}`);
    }
    if (detail !== undefined && typeof detail !== 'string') {
      throw new TypeError(`an HTTP error detail must be a string, got ${typeof detail}`);
    }
    const summary = `${status} ${title}`;
    super(
      detail === undefined ? summary : `${summary}: ${detail}`,
      'cause' in options ? { cause: options.cause } : undefined,
    );
    this.name = new.target.name;
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.headers = new Headers(options.headers);
    this.expose = options.expose ?? status < 500;
  }

  /**
   * Renders the error as a `Response`, in the format the request's `Accept` field prefers: plain
   * text, HTML or JSON (`application/problem+json` when asked for by name, RFC 9457). Everything
   * interpolated into HTML is escaped; `detail` is left out unless {@link expose} is true. A HEAD
   * request gets the header fields without a body, and 304 has neither body nor `Content-Type`.
   * Each call builds a fresh response, so one error can be rendered any number of times.
   *
   * @see RFC 9110 §12.5.1 (Accept), §15 (status codes)
   * @example
   * ```ts
   * import { NotFound, type Handler } from 'trowel';
   * const app: Handler = (request) => new NotFound('nothing here').toResponse(request);
   * ```
   */
  toResponse(request?: Request): Response {
    return renderHttpError(
      {
        status: this.status,
        title: this.title,
        detail: this.expose ? this.detail : undefined,
        headers: this.headers,
        note: this.note(),
      },
      request,
    );
  }

  /** A sentence for the body beyond title and detail; subclasses override it. */
  protected note(): HttpErrorNote | undefined {
    return undefined;
  }
}

/**
 * Whether a value is an {@link HttpError}, from this copy of trowel or any other.
 *
 * @example
 * ```ts
 * import { isHttpError } from 'trowel';
 * const statusOf = (error: unknown): number => (isHttpError(error) ? error.status : 500);
 * ```
 */
export function isHttpError(value: unknown): value is HttpError {
  return (
    typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true
  );
}
