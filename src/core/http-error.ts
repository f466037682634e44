/**
 * HTTP errors as exceptions, replacing `paste.httpexceptions`: throw `new NotFound()` (or any of
 * the one-class-per-status errors) from a handler, and the {@link httpErrors} middleware turns it
 * into the response it stands for, negotiated as plain text, HTML or JSON and with every
 * interpolated value escaped.
 *
 * ```ts
 * import { MethodNotAllowed, NotFound, httpErrors, type Handler } from 'trowel';
 * const app: Handler = (request) => {
 *   if (request.method !== 'GET') throw new MethodNotAllowed(['GET', 'HEAD']);
 *   throw new NotFound();
 * };
 * export default httpErrors()(app);
 * ```
 *
 * What changed from Paste: the charset is `utf-8`; a 304 has no body and no `Content-Type`; there
 * are no HTML comments to leak debug data; 308, 421, 422, 425, 426, 428, 431, 451 and 511 exist;
 * the 405 body lists the allowed methods; `Retry-After` has a helper; `Accept` is parsed with its
 * q-values instead of searched for "html"; and server error details stay private by default.
 *
 * When not to use it: for an unexpected exception (a bug), let it propagate to the error page
 * middleware, which logs it and answers 500. An HttpError is for an outcome you meant.
 */
import { ConfigError } from './config-error.ts';
import type { Middleware } from './handler.ts';
import {
  Found,
  HttpRedirect,
  MovedPermanently,
  MultipleChoices,
  NotModified,
  PermanentRedirect,
  SeeOther,
  TemporaryRedirect,
  UseProxy,
} from './http-error-3xx.ts';
import {
  BadRequest,
  Conflict,
  ContentTooLarge,
  ExpectationFailed,
  FailedDependency,
  Forbidden,
  Gone,
  HttpClientError,
  ImATeapot,
  LengthRequired,
  Locked,
  MethodNotAllowed,
  MisdirectedRequest,
  NotAcceptable,
  NotFound,
  PaymentRequired,
  PreconditionFailed,
  PreconditionRequired,
  ProxyAuthenticationRequired,
  RangeNotSatisfiable,
  RequestHeaderFieldsTooLarge,
  RequestTimeout,
  TooEarly,
  TooManyRequests,
  Unauthorized,
  UnavailableForLegalReasons,
  UnprocessableContent,
  UnsupportedMediaType,
  UpgradeRequired,
  UriTooLong,
} from './http-error-4xx.ts';
import {
  BadGateway,
  GatewayTimeout,
  HttpServerError,
  HttpVersionNotSupported,
  InsufficientStorage,
  InternalServerError,
  LoopDetected,
  NetworkAuthenticationRequired,
  NotExtended,
  NotImplemented,
  ServiceUnavailable,
  VariantAlsoNegotiates,
} from './http-error-5xx.ts';
import {
  HttpError,
  isHttpError,
  type HttpErrorClass,
  type HttpErrorOptions,
} from './http-error-base.ts';

export * from './http-error-3xx.ts';
export * from './http-error-4xx.ts';
export * from './http-error-5xx.ts';
export * from './http-error-base.ts';

/** A class whose constructor is `(detail?, options?)`. */
type PlainClass = (new (detail?: string, options?: HttpErrorOptions) => HttpError) & {
  readonly status: number;
  readonly title: string;
};

// The classes whose first constructor argument is a required header value are built in httpError().
const PLAIN: readonly PlainClass[] = [
  MultipleChoices,
  NotModified,
  BadRequest,
  PaymentRequired,
  Forbidden,
  NotFound,
  NotAcceptable,
  RequestTimeout,
  Conflict,
  Gone,
  LengthRequired,
  PreconditionFailed,
  ContentTooLarge,
  UriTooLong,
  UnsupportedMediaType,
  RangeNotSatisfiable,
  ExpectationFailed,
  ImATeapot,
  MisdirectedRequest,
  UnprocessableContent,
  Locked,
  FailedDependency,
  TooEarly,
  PreconditionRequired,
  TooManyRequests,
  RequestHeaderFieldsTooLarge,
  UnavailableForLegalReasons,
  InternalServerError,
  NotImplemented,
  BadGateway,
  ServiceUnavailable,
  GatewayTimeout,
  HttpVersionNotSupported,
  VariantAlsoNegotiates,
  InsufficientStorage,
  LoopDetected,
  NotExtended,
  NetworkAuthenticationRequired,
];
const WITH_ARGUMENT: readonly HttpErrorClass[] = [
  MovedPermanently,
  Found,
  SeeOther,
  UseProxy,
  TemporaryRedirect,
  PermanentRedirect,
  Unauthorized,
  MethodNotAllowed,
  ProxyAuthenticationRequired,
  UpgradeRequired,
];

const NAMED = new Map<number, HttpErrorClass>(
  [...PLAIN, ...WITH_ARGUMENT].map((Class) => [Class.status, Class]),
);
const PLAIN_BY_STATUS = new Map<number, PlainClass>(PLAIN.map((Class) => [Class.status, Class]));
const GENERIC = new Map<number, PlainClass>();

type GroupClass = (abstract new (detail?: string, options?: HttpErrorOptions) => HttpError) & {
  readonly status: number;
  readonly title: string;
};

function checkStatus(status: number): void {
  if (!Number.isInteger(status) || status < 300 || status > 599) {
    throw new RangeError(`an HTTP error status must be an integer in 300-599, got ${status}`);
  }
}

/** A class for a status trowel has no name for, titled by its class (RFC 9110 §15). */
function genericClass(status: number): PlainClass {
  let Class = GENERIC.get(status);
  if (Class === undefined) {
    const [Group, title]: readonly [GroupClass, string] =
      status < 400
        ? [HttpRedirect, 'Redirection']
        : status < 500
          ? [HttpClientError, 'Client Error']
          : [HttpServerError, 'Server Error'];
    Class = class extends Group {
      static override readonly status = status;
      static override readonly title = title;
    };
    Object.defineProperty(Class, 'name', { value: 'HttpError' });
    GENERIC.set(status, Class);
  }
  return Class;
}

/**
 * The error class for a status: the named one (`errorClassFor(404) === NotFound`), or for an
 * unnamed status in 300–599 a generic class, the same one on every call, titled `Redirection`,
 * `Client Error` or `Server Error`.
 *
 * @throws {RangeError} for a status outside 300–599.
 * @example
 * ```ts
 * import { errorClassFor } from 'trowel';
 * const isNotFound = (error: unknown): boolean => error instanceof errorClassFor(404);
 * ```
 */
export function errorClassFor(status: number): HttpErrorClass {
  checkStatus(status);
  return NAMED.get(status) ?? genericClass(status);
}

/**
 * Builds the error for a status, e.g. one received from upstream. A status whose class takes a
 * required header value reads it from `options.headers`: `Location` for 301, 302, 303, 305, 307,
 * 308; `WWW-Authenticate` for 401; `Allow` for 405; `Proxy-Authenticate` for 407; `Upgrade` for 426.
 *
 * @throws {RangeError} for a status outside 300–599.
 * @throws {TypeError} when that required header field is missing or invalid.
 * @example
 * ```ts
 * import { httpError } from 'trowel';
 * throw httpError(405, undefined, { headers: { allow: 'GET, HEAD' } });
 * ```
 */
export function httpError(
  status: number,
  detail?: string,
  options: HttpErrorOptions = {},
): HttpError {
  checkStatus(status);
  const headers = new Headers(options.headers);
  const field = (name: string): string => {
    const value = headers.get(name);
    if (value === null) {
      throw new TypeError(`httpError(${status}) needs a ${name} header field in options.headers`);
    }
    return value;
  };
  const list = (name: string): string[] =>
    field(name)
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  switch (status) {
    case 301:
      return new MovedPermanently(field('location'), detail, options);
    case 302:
      return new Found(field('location'), detail, options);
    case 303:
      return new SeeOther(field('location'), detail, options);
    case 305:
      return new UseProxy(field('location'), detail, options);
    case 307:
      return new TemporaryRedirect(field('location'), detail, options);
    case 308:
      return new PermanentRedirect(field('location'), detail, options);
    case 401:
      // Challenges carry commas of their own, so the field value is kept whole.
      return new Unauthorized(field('www-authenticate'), detail, options);
    case 405:
      return new MethodNotAllowed(list('allow'), detail, options);
    case 407:
      return new ProxyAuthenticationRequired(field('proxy-authenticate'), detail, options);
    case 426:
      return new UpgradeRequired(list('upgrade'), detail, options);
    default: {
      const Class = PLAIN_BY_STATUS.get(status) ?? genericClass(status);
      return new Class(detail, options);
    }
  }
}

/** Options of {@link httpErrors}. */
export interface HttpErrorsOptions {
  /**
   * Called with each HttpError before it becomes a response, e.g. to log it; awaited. What it
   * throws propagates instead of the response. @default none
   */
  readonly onError?: (error: HttpError, request: Request) => void | Promise<void>;
}

/**
 * Middleware that answers an {@link HttpError} thrown (or rejected) by the handler it wraps with
 * `error.toResponse(request)`; anything else propagates unchanged. Errors from another copy of
 * trowel are recognised too ({@link isHttpError}).
 *
 * It only sees errors raised before the handler returns its `Response`. An HttpError raised while
 * the response body streams comes after the status and header fields were sent: it cannot become
 * an error response, and the server aborts the connection so the client sees a truncated body
 * rather than a complete-looking one.
 *
 * @throws {ConfigError} `TROWEL_ERR_HTTP_ERRORS_ON_ERROR` when `onError` is not a function.
 * @example
 * ```ts
 * import { NotFound, compose, httpErrors } from 'trowel';
 * const app = compose(httpErrors({ onError: (error) => console.warn(error.message) }))(() => {
 *   throw new NotFound();
 * });
 * ```
 */
export function httpErrors(options: HttpErrorsOptions = {}): Middleware {
  const { onError } = options;
  if (onError !== undefined && typeof onError !== 'function') {
    throw new ConfigError(
      'TROWEL_ERR_HTTP_ERRORS_ON_ERROR',
      `httpErrors(): onError must be a function, got ${typeof onError}`,
    );
  }
  return (next) => async (request, ctx) => {
    try {
      return await next(request, ctx);
    } catch (error) {
      if (!isHttpError(error)) throw error;
      await onError?.(error, request);
      return error.toResponse(request);
    }
  };
}
