/**
 * The 4xx classes: the request is at fault (RFC 9110 §15.5, with the codes of RFC 4918, 6585,
 * 7725 and 8470). The detail of a client error is shown to the client by default.
 *
 * Where the RFC makes a header field mandatory, its value is the first constructor argument:
 * `Unauthorized` (WWW-Authenticate), `MethodNotAllowed` (Allow), `ProxyAuthenticationRequired`
 * (Proxy-Authenticate) and `UpgradeRequired` (Upgrade).
 */
import { HttpError, type HttpErrorNote, type HttpErrorOptions } from './http-error-base.ts';
import {
  checkFieldList,
  checkProtocol,
  checkToken,
  checkUriReference,
  formatRetryAfter,
} from './http-error-fields.ts';

/** Options of the errors that can say when to come back (429, 503). */
export interface RetryAfterOptions extends HttpErrorOptions {
  /** Sets `Retry-After` (RFC 9110 §10.2.3): seconds from now, or a date. @default none */
  readonly retryAfter?: number | Date;
}

/** Options of {@link RangeNotSatisfiable}. */
export interface RangeNotSatisfiableOptions extends HttpErrorOptions {
  /** The representation's length in bytes, sent as the unsatisfied-range form of `Content-Range` (RFC 9110 §14.4). @default none */
  readonly completeLength?: number;
}

/** Options of {@link UnavailableForLegalReasons}. */
export interface LegalReasonsOptions extends HttpErrorOptions {
  /** Who imposes the block, sent as `Link: <uri>; rel="blocked-by"` (RFC 7725 §4). @default none */
  readonly blockedBy?: string | URL;
}

/**
 * Any 4xx error. `instanceof HttpClientError` tells a client error from a server error.
 *
 * @example
 * ```ts
 * import { HttpClientError } from 'trowel';
 * class EnhanceYourCalm extends HttpClientError {
 *   static override readonly status = 420;
 *   static override readonly title = 'Enhance Your Calm';
 * }
 * ```
 */
export abstract class HttpClientError extends HttpError {}

/**
 * 400: the request is malformed or invalid (RFC 9110 §15.5.1).
 * @example throw new BadRequest('"limit" must be a number');
 */
export class BadRequest extends HttpClientError {
  static override readonly status = 400;
  static override readonly title = 'Bad Request';
}

/**
 * 401: credentials missing or wrong; the challenge(s) become `WWW-Authenticate` (RFC 9110 §15.5.2,
 * §11.6.1).
 * @example throw new Unauthorized('Basic realm="admin", charset="UTF-8"');
 * @throws {TypeError} for an empty challenge list or a challenge with control characters.
 */
export class Unauthorized extends HttpClientError {
  static override readonly status = 401;
  static override readonly title = 'Unauthorized';

  constructor(challenge: string | readonly string[], detail?: string, options?: HttpErrorOptions) {
    super(detail, options);
    this.headers.delete('www-authenticate');
    for (const value of checkFieldList('WWW-Authenticate', challenge)) {
      this.headers.append('www-authenticate', value);
    }
  }
}

/**
 * 402: reserved for future use (RFC 9110 §15.5.3).
 * @example throw new PaymentRequired();
 */
export class PaymentRequired extends HttpClientError {
  static override readonly status = 402;
  static override readonly title = 'Payment Required';
}

/**
 * 403: understood, but refused; credentials would not help (RFC 9110 §15.5.4).
 * @example throw new Forbidden('only the owner may delete this');
 */
export class Forbidden extends HttpClientError {
  static override readonly status = 403;
  static override readonly title = 'Forbidden';
}

/**
 * 404: no current representation for the target resource (RFC 9110 §15.5.5).
 * @example throw new NotFound(`no user ${JSON.stringify(name)}`);
 */
export class NotFound extends HttpClientError {
  static override readonly status = 404;
  static override readonly title = 'Not Found';
}

/**
 * 405: the resource does not support the method; `allow` becomes `Allow` and is listed in the body
 * (RFC 9110 §15.5.6, §10.2.1). An empty list means no method is allowed at the moment.
 * @example throw new MethodNotAllowed(['GET', 'HEAD']);
 * @throws {TypeError} for a method that is not an HTTP token.
 */
export class MethodNotAllowed extends HttpClientError {
  static override readonly status = 405;
  static override readonly title = 'Method Not Allowed';
  /** The methods the resource allows. */
  readonly allow: readonly string[];

  constructor(allow: readonly string[], detail?: string, options?: HttpErrorOptions) {
    super(detail, options);
    this.allow = Object.freeze(allow.map((method) => checkToken('an allowed method', method)));
    this.headers.set('allow', this.allow.join(', '));
  }

  protected override note(): HttpErrorNote {
    return {
      text:
        this.allow.length === 0
          ? 'No method is allowed.'
          : `Allowed methods: ${this.allow.join(', ')}.`,
    };
  }
}

/**
 * 406: no representation matches the proactive negotiation fields (RFC 9110 §15.5.7).
 * @example throw new NotAcceptable('only text/csv is available');
 */
export class NotAcceptable extends HttpClientError {
  static override readonly status = 406;
  static override readonly title = 'Not Acceptable';
}

/**
 * 407: the proxy wants credentials; the challenge(s) become `Proxy-Authenticate` (RFC 9110 §15.5.8).
 * @example throw new ProxyAuthenticationRequired('Basic realm="proxy"');
 * @throws {TypeError} for an empty challenge list or a challenge with control characters.
 */
export class ProxyAuthenticationRequired extends HttpClientError {
  static override readonly status = 407;
  static override readonly title = 'Proxy Authentication Required';

  constructor(challenge: string | readonly string[], detail?: string, options?: HttpErrorOptions) {
    super(detail, options);
    this.headers.delete('proxy-authenticate');
    for (const value of checkFieldList('Proxy-Authenticate', challenge)) {
      this.headers.append('proxy-authenticate', value);
    }
  }
}

/**
 * 408: the request did not arrive in time (RFC 9110 §15.5.9).
 * @example throw new RequestTimeout();
 */
export class RequestTimeout extends HttpClientError {
  static override readonly status = 408;
  static override readonly title = 'Request Timeout';
}

/**
 * 409: the request conflicts with the current state of the resource (RFC 9110 §15.5.10).
 * @example throw new Conflict('the name is taken');
 */
export class Conflict extends HttpClientError {
  static override readonly status = 409;
  static override readonly title = 'Conflict';
}

/**
 * 410: the resource is gone for good (RFC 9110 §15.5.11).
 * @example throw new Gone('this album was deleted');
 */
export class Gone extends HttpClientError {
  static override readonly status = 410;
  static override readonly title = 'Gone';
}

/**
 * 411: a `Content-Length` is required (RFC 9110 §15.5.12).
 * @example throw new LengthRequired();
 */
export class LengthRequired extends HttpClientError {
  static override readonly status = 411;
  static override readonly title = 'Length Required';
}

/**
 * 412: a condition in the request header fields is false (RFC 9110 §15.5.13).
 * @example throw new PreconditionFailed('the ETag changed');
 */
export class PreconditionFailed extends HttpClientError {
  static override readonly status = 412;
  static override readonly title = 'Precondition Failed';
}

/**
 * 413: the request content is larger than the server will take (RFC 9110 §15.5.14).
 * @example throw new ContentTooLarge('at most 1 MiB');
 */
export class ContentTooLarge extends HttpClientError {
  static override readonly status = 413;
  static override readonly title = 'Content Too Large';
}

/**
 * 414: the target URI is longer than the server will read (RFC 9110 §15.5.15).
 * @example throw new UriTooLong();
 */
export class UriTooLong extends HttpClientError {
  static override readonly status = 414;
  static override readonly title = 'URI Too Long';
}

/**
 * 415: the content is in a format or coding the resource does not take (RFC 9110 §15.5.16).
 * @example throw new UnsupportedMediaType('send application/json');
 */
export class UnsupportedMediaType extends HttpClientError {
  static override readonly status = 415;
  static override readonly title = 'Unsupported Media Type';
}

/**
 * 416: no requested range overlaps the representation; `completeLength` sets the
 * unsatisfied-range `Content-Range` that RFC 9110 §15.5.17 asks for.
 * @example throw new RangeNotSatisfiable(undefined, { completeLength: 1024 });
 * @throws {RangeError} for a length that is not a whole number >= 0.
 */
export class RangeNotSatisfiable extends HttpClientError {
  static override readonly status = 416;
  static override readonly title = 'Range Not Satisfiable';

  constructor(detail?: string, options: RangeNotSatisfiableOptions = {}) {
    super(detail, options);
    const length = options.completeLength;
    if (length === undefined) return;
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RangeError(`completeLength must be a whole number >= 0, got ${length}`);
    }
    this.headers.set('content-range', `bytes */${length}`);
  }
}

/**
 * 417: the `Expect` field cannot be met (RFC 9110 §15.5.18).
 * @example throw new ExpectationFailed();
 */
export class ExpectationFailed extends HttpClientError {
  static override readonly status = 417;
  static override readonly title = 'Expectation Failed';
}

/**
 * 418: from RFC 2324 and 7168; reserved by RFC 9110 §15.5.19, never sent by trowel itself.
 * @example throw new ImATeapot();
 */
export class ImATeapot extends HttpClientError {
  static override readonly status = 418;
  static override readonly title = "I'm a teapot";
}

/**
 * 421: this server does not serve that origin on this connection (RFC 9110 §15.5.20).
 * @example throw new MisdirectedRequest();
 */
export class MisdirectedRequest extends HttpClientError {
  static override readonly status = 421;
  static override readonly title = 'Misdirected Request';
}

/**
 * 422: well-formed, but the instructions cannot be processed (RFC 9110 §15.5.21).
 * @example throw new UnprocessableContent('"email" is not an address');
 */
export class UnprocessableContent extends HttpClientError {
  static override readonly status = 422;
  static override readonly title = 'Unprocessable Content';
}

/**
 * 423: the resource is locked (RFC 4918 §11.3).
 * @example throw new Locked();
 */
export class Locked extends HttpClientError {
  static override readonly status = 423;
  static override readonly title = 'Locked';
}

/**
 * 424: an action this one depended on failed (RFC 4918 §11.4).
 * @example throw new FailedDependency();
 */
export class FailedDependency extends HttpClientError {
  static override readonly status = 424;
  static override readonly title = 'Failed Dependency';
}

/**
 * 425: the server will not risk processing replayable early data (RFC 8470 §5.2).
 * @example throw new TooEarly();
 */
export class TooEarly extends HttpClientError {
  static override readonly status = 425;
  static override readonly title = 'Too Early';
}

/**
 * 426: switch protocols first; sets `Upgrade` and `Connection: upgrade` (RFC 9110 §15.5.22, §7.8).
 * HTTP/1.1 only: HTTP/2 forbids both fields (RFC 9113 §8.2.2).
 * @example throw new UpgradeRequired('websocket');
 * @throws {TypeError} for an empty list or a protocol that is not `token[/token]`.
 */
export class UpgradeRequired extends HttpClientError {
  static override readonly status = 426;
  static override readonly title = 'Upgrade Required';

  constructor(upgrade: string | readonly string[], detail?: string, options?: HttpErrorOptions) {
    super(detail, options);
    const protocols = checkFieldList('Upgrade', upgrade).map(checkProtocol);
    this.headers.set('upgrade', protocols.join(', '));
    this.headers.set('connection', 'upgrade');
  }
}

/**
 * 428: the request must be conditional, e.g. carry `If-Match` (RFC 6585 §3).
 * @example throw new PreconditionRequired('send If-Match');
 */
export class PreconditionRequired extends HttpClientError {
  static override readonly status = 428;
  static override readonly title = 'Precondition Required';
}

/**
 * 429: rate limited; `retryAfter` sets `Retry-After` (RFC 6585 §4).
 * @example throw new TooManyRequests('60 requests a minute', { retryAfter: 30 });
 * @throws {RangeError} for a bad `retryAfter`.
 */
export class TooManyRequests extends HttpClientError {
  static override readonly status = 429;
  static override readonly title = 'Too Many Requests';

  constructor(detail?: string, options: RetryAfterOptions = {}) {
    super(detail, options);
    if (options.retryAfter !== undefined) {
      this.headers.set('retry-after', formatRetryAfter(options.retryAfter));
    }
  }
}

/**
 * 431: the header fields are too large (RFC 6585 §5).
 * @example throw new RequestHeaderFieldsTooLarge();
 */
export class RequestHeaderFieldsTooLarge extends HttpClientError {
  static override readonly status = 431;
  static override readonly title = 'Request Header Fields Too Large';
}

/**
 * 451: blocked for legal reasons; `blockedBy` names who imposes it (RFC 7725 §3, §4).
 * @example throw new UnavailableForLegalReasons('court order 123', { blockedBy: 'https://authority.example/' });
 * @throws {TypeError} for a `blockedBy` that is not a URI reference.
 */
export class UnavailableForLegalReasons extends HttpClientError {
  static override readonly status = 451;
  static override readonly title = 'Unavailable For Legal Reasons';

  constructor(detail?: string, options: LegalReasonsOptions = {}) {
    super(detail, options);
    if (options.blockedBy !== undefined) {
      const uri = checkUriReference('blockedBy', options.blockedBy);
      this.headers.append('link', `<${uri}>; rel="blocked-by"`);
    }
  }
}
