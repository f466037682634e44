/**
 * The 3xx classes: redirects as throwable errors (RFC 9110 §15.4).
 *
 * A redirect that moves the client (301, 302, 303, 305, 307, 308) takes its target as the first
 * argument and sets `Location`; the target may be relative (RFC 9110 §10.2.2) and is checked when
 * the error is built, so a value with CR/LF, spaces or a `javascript:` scheme never reaches a
 * response. 300 takes an optional preferred `location`; 304 has no body at all.
 */
import { HttpError, type HttpErrorNote, type HttpErrorOptions } from './http-error-base.ts';
import { checkUriReference } from './http-error-fields.ts';

/** Options of a 3xx error whose `Location` is optional (300, 304, and 3xx codes trowel has no class for). */
export interface RedirectOptions extends HttpErrorOptions {
  /** The URI reference to send as `Location`, absolute or relative. @default none */
  readonly location?: string | URL;
}

/**
 * Any 3xx error. `instanceof HttpRedirect` tells a redirect from a client or server error.
 *
 * @example
 * ```ts
 * import { HttpRedirect, isHttpError } from 'trowel';
 * const isRedirect = (error: unknown): boolean => isHttpError(error) && error instanceof HttpRedirect;
 * ```
 */
export abstract class HttpRedirect extends HttpError {
  /** The checked `Location` value, if any. */
  readonly location: string | undefined;

  /** @throws {TypeError} for a `location` that is not a URI reference (see `checkUriReference`). */
  constructor(detail?: string, options: RedirectOptions = {}) {
    super(detail, options);
    this.location =
      options.location === undefined ? undefined : checkUriReference('location', options.location);
    if (this.location !== undefined) this.headers.set('location', this.location);
  }

  protected override note(): HttpErrorNote | undefined {
    return this.location === undefined ? undefined : { text: 'See', href: this.location };
  }
}

/**
 * A 3xx error that sends the client elsewhere: `location` is required.
 *
 * @example
 * ```ts
 * import { HttpMove, SeeOther } from 'trowel';
 * const target = (error: HttpMove): string => error.location;
 * target(new SeeOther('/orders/42'));
 * ```
 */
export abstract class HttpMove extends HttpRedirect {
  /** The checked `Location` value. */
  declare readonly location: string;

  /** @throws {TypeError} for a `location` that is not a URI reference (CR/LF, spaces, `javascript:`). */
  constructor(location: string | URL, detail?: string, options: HttpErrorOptions = {}) {
    super(detail, { ...options, location });
  }

  protected override note(): HttpErrorNote {
    return { text: 'Redirecting to', href: this.location };
  }
}

/**
 * 300: several representations; `location` may name the preferred one (RFC 9110 §15.4.1).
 * @example throw new MultipleChoices(undefined, { location: '/report.html' });
 */
export class MultipleChoices extends HttpRedirect {
  static override readonly status = 300;
  static override readonly title = 'Multiple Choices';
}

/**
 * 301: moved for good; clients may change POST to GET, use 308 to forbid that (RFC 9110 §15.4.2).
 * @example throw new MovedPermanently('https://example.com/new-home');
 */
export class MovedPermanently extends HttpMove {
  static override readonly status = 301;
  static override readonly title = 'Moved Permanently';
}

/**
 * 302: temporarily elsewhere; clients may change POST to GET, use 307 to forbid that (RFC 9110 §15.4.3).
 * @example throw new Found('/login?next=%2Faccount');
 */
export class Found extends HttpMove {
  static override readonly status = 302;
  static override readonly title = 'Found';
}

/**
 * 303: the answer is at another URI, fetch it with GET, e.g. after a form POST (RFC 9110 §15.4.4).
 * @example throw new SeeOther('/orders/42');
 */
export class SeeOther extends HttpMove {
  static override readonly status = 303;
  static override readonly title = 'See Other';
}

/**
 * 304: the client's cached copy is still good; no body, and pass the validators (`ETag`,
 * `Cache-Control`, …) in `headers` (RFC 9110 §15.4.5).
 * @example throw new NotModified(undefined, { headers: { etag: '"v7"' } });
 */
export class NotModified extends HttpRedirect {
  static override readonly status = 304;
  static override readonly title = 'Not Modified';
}

/**
 * 305: deprecated by RFC 9110 §15.4.6 and ignored by clients; kept for Paste parity.
 * @example throw new UseProxy('http://proxy.example:3128/');
 */
export class UseProxy extends HttpMove {
  static override readonly status = 305;
  static override readonly title = 'Use Proxy';
}

/**
 * 307: temporarily elsewhere; repeat the same method and body there (RFC 9110 §15.4.8).
 * @example throw new TemporaryRedirect('/maintenance');
 */
export class TemporaryRedirect extends HttpMove {
  static override readonly status = 307;
  static override readonly title = 'Temporary Redirect';
}

/**
 * 308: moved for good; repeat the same method and body there (RFC 9110 §15.4.9).
 * @example throw new PermanentRedirect('/api/v2/items');
 */
export class PermanentRedirect extends HttpMove {
  static override readonly status = 308;
  static override readonly title = 'Permanent Redirect';
}
