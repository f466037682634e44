/**
 * The 5xx classes: the server is at fault (RFC 9110 §15.6, with the codes of RFC 2295, 2774,
 * 4918, 5842 and 6585). The detail of a server error is kept for logs and hidden from the client
 * unless the error is built with `expose: true`, since it tends to name files, hosts and queries.
 */
import { HttpError } from './http-error-base.ts';
import type { RetryAfterOptions } from './http-error-4xx.ts';
import { formatRetryAfter } from './http-error-fields.ts';

/**
 * Any 5xx error. `instanceof HttpServerError` tells a server error from a client error.
 *
 * @example
 * ```ts
 * import { HttpServerError, isHttpError } from 'trowel';
 * const ourFault = (error: unknown): boolean => isHttpError(error) && error instanceof HttpServerError;
 * ```
 */
export abstract class HttpServerError extends HttpError {}

/**
 * 500: an unexpected condition (RFC 9110 §15.6.1).
 * @example throw new InternalServerError('the price table is empty', { cause: error });
 */
export class InternalServerError extends HttpServerError {
  static override readonly status = 500;
  static override readonly title = 'Internal Server Error';
}

/**
 * 501: the server does not support the method or a required feature (RFC 9110 §15.6.2).
 * @example throw new NotImplemented();
 */
export class NotImplemented extends HttpServerError {
  static override readonly status = 501;
  static override readonly title = 'Not Implemented';
}

/**
 * 502: a gateway or proxy got an invalid response upstream (RFC 9110 §15.6.3).
 * @example throw new BadGateway('upstream closed the connection', { cause: error });
 */
export class BadGateway extends HttpServerError {
  static override readonly status = 502;
  static override readonly title = 'Bad Gateway';
}

/**
 * 503: overloaded or down for maintenance; `retryAfter` sets `Retry-After` (RFC 9110 §15.6.4).
 * @example throw new ServiceUnavailable('back at noon', { retryAfter: new Date('2030-01-01T12:00:00Z'), expose: true });
 * @throws {RangeError} for a bad `retryAfter`.
 */
export class ServiceUnavailable extends HttpServerError {
  static override readonly status = 503;
  static override readonly title = 'Service Unavailable';

  constructor(detail?: string, options: RetryAfterOptions = {}) {
    super(detail, options);
    if (options.retryAfter !== undefined) {
      this.headers.set('retry-after', formatRetryAfter(options.retryAfter));
    }
  }
}

/**
 * 504: a gateway or proxy timed out waiting upstream (RFC 9110 §15.6.5).
 * @example throw new GatewayTimeout();
 */
export class GatewayTimeout extends HttpServerError {
  static override readonly status = 504;
  static override readonly title = 'Gateway Timeout';
}

/**
 * 505: the server does not support the request's major HTTP version (RFC 9110 §15.6.6).
 * @example throw new HttpVersionNotSupported();
 */
export class HttpVersionNotSupported extends HttpServerError {
  static override readonly status = 505;
  static override readonly title = 'HTTP Version Not Supported';
}

/**
 * 506: transparent negotiation found a circular reference (RFC 2295 §8.1).
 * @example throw new VariantAlsoNegotiates();
 */
export class VariantAlsoNegotiates extends HttpServerError {
  static override readonly status = 506;
  static override readonly title = 'Variant Also Negotiates';
}

/**
 * 507: no room to store what the request needs (RFC 4918 §11.5).
 * @example throw new InsufficientStorage();
 */
export class InsufficientStorage extends HttpServerError {
  static override readonly status = 507;
  static override readonly title = 'Insufficient Storage';
}

/**
 * 508: an infinite loop was found while processing (RFC 5842 §7.2).
 * @example throw new LoopDetected();
 */
export class LoopDetected extends HttpServerError {
  static override readonly status = 508;
  static override readonly title = 'Loop Detected';
}

/**
 * 510: a required extension was not declared (RFC 2774 §7, historic).
 * @example throw new NotExtended();
 */
export class NotExtended extends HttpServerError {
  static override readonly status = 510;
  static override readonly title = 'Not Extended';
}

/**
 * 511: the client must log in to the network first, as captive portals say (RFC 6585 §6).
 * @example throw new NetworkAuthenticationRequired();
 */
export class NetworkAuthenticationRequired extends HttpServerError {
  static override readonly status = 511;
  static override readonly title = 'Network Authentication Required';
}
