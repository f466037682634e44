/**
 * `errors()`: the middleware that turns an unexpected error into a 500 page and a report (log,
 * mail), before the response exists and while its body streams.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Context } from '../core/context.ts';
import type { Handler, Middleware } from '../core/handler.ts';
import { isHttpError } from '../core/http-error-base.ts';
import { negotiateMediaType } from '../core/negotiation.ts';
import { watchBody, type BodyHooks } from './body.ts';
import { debugPage, PAGE_HEADERS, productionPage, productionText, streamMarker } from './html.ts';
import { logToStream } from './log.ts';
import { createMailer } from './mail.ts';
import { resolveOptions, type ErrorsOptions, type ReportLogger } from './options.ts';
import { safeString } from './redact.ts';
import { collectReport, identify, type ErrorReport } from './report.ts';
import { formatText } from './text.ts';

/**
 * What a response body that failed half-way is errored with, after the failure was reported: the
 * server then cuts the connection (the status went out long ago), and its own error log gets this
 * one line instead of a second copy of the report.
 *
 * @example
 * ```ts
 * import { serve } from 'trowel/server';
 * import { BodyStreamError } from 'trowel/errors';
 * await serve(() => new Response('ok'), {
 *   onError: (error) => {
 *     if (!(error instanceof BodyStreamError)) console.error(error);
 *   },
 * });
 * ```
 */
export class BodyStreamError extends Error {
  override readonly name = 'BodyStreamError';
  /** The code of the report that was made. */
  readonly identificationCode: string;

  constructor(identificationCode: string) {
    super(
      `the response body failed after the status was sent; reported as ${identificationCode} by errors()`,
    );
    this.identificationCode = identificationCode;
  }
}

const LOOPBACK_V6 = new BlockList();
LOOPBACK_V6.addAddress('::1', 'ipv6');

/**
 * True for a loopback address: 127.0.0.0/8 or ::1 (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3), also
 * IPv4-mapped (`::ffff:127.0.0.1`). The debug page is shown only to these clients.
 *
 * @example
 * ```ts
 * import { isLoopback } from 'trowel/errors';
 * isLoopback('127.0.0.1'); // true
 * isLoopback('203.0.113.9'); // false
 * ```
 */
export function isLoopback(address: string): boolean {
  const plain = /^::ffff:\d/i.test(address) ? address.slice(7) : address;
  if (isIPv4(plain)) return plain.startsWith('127.');
  return isIPv6(plain) && LOOPBACK_V6.check(plain, 'ipv6');
}

function isResponse(value: unknown): value is Response {
  // A Response made by another copy of undici is not an instance of this realm's Response.
  return value instanceof Response || Object.prototype.toString.call(value) === '[object Response]';
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as { constructor?: { name?: unknown } }).constructor?.name === 'Promise'
    ? 'a Promise'
    : 'an object';
}

/** The client left and the error is what that did to the handler: nothing to report. */
function abandoned(ctx: Context, error: unknown): boolean {
  if (!ctx.signal.aborted) return false;
  return (
    error === ctx.signal.reason ||
    (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))
  );
}

function wantsHtml(request: Request): boolean {
  // RFC 9110 §12.5.1: a browser asks for text/html; curl's `*/*` and API clients get text.
  return negotiateMediaType(request, ['text/plain', 'text/html']) === 'text/html';
}

function reply(body: string, type: 'text/html' | 'text/plain'): Response {
  const headers: Record<string, string> = {
    ...PAGE_HEADERS,
    'content-type': `${type}; charset=utf-8`,
  };
  if (type === 'text/plain') delete headers['content-security-policy'];
  return new Response(body, { status: 500, statusText: 'Internal Server Error', headers });
}

function warn(message: string, error: unknown): void {
  try {
    process.stderr.write(`trowel errors(): ${message}: ${safeString(error)}\n`);
  } catch {
    // stderr itself is gone: there is nowhere left to say it.
  }
}

/**
 * Catches what the handler it wraps throws — before its response exists, and while the response
 * body streams — and answers with a 500 page, logs the report and mails it.
 *
 * - Before the response: a production page (the message and the identification code) for
 *   everyone, or the debug page when `debug` is on *and* the client is on loopback; HTML for
 *   clients that ask for it, plain text for the rest.
 * - While the body streams: the report is made and the body is errored, so the server cuts the
 *   connection and the client sees a truncated response, never a 200 that looks complete. A
 *   loopback client in debug mode gets a one-line marker first when the body is uncompressed HTML
 *   without a Content-Length.
 * - `HttpError`s (`isHttpError()`) are outcomes the application meant: they pass through
 *   untouched, for `httpErrors()` to answer, and are never reported.
 * - An `AbortError` thrown after the client went away is passed on unreported.
 *
 * @throws {ConfigError} `TROWEL_ERR_ERRORS_*` for a bad option; `TROWEL_ERR_ERRORS_MAIL_PACKAGE`
 * when `mail` is set and nodemailer is not installed.
 * @example
 * ```ts
 * import { compose, httpErrors, NotFound } from 'trowel';
 * import { errors } from 'trowel/errors';
 * const app = compose(
 *   errors({ debug: process.env['NODE_ENV'] === 'development' }),
 *   httpErrors(),
 * )((request) => {
 *   if (new URL(request.url).pathname !== '/') throw new NotFound();
 *   throw new Error('not written yet');
 * });
 * ```
 */
export function errors(options: ErrorsOptions = {}): Middleware {
  const settings = resolveOptions(options);
  const loggers: readonly ReportLogger[] = settings.loggers ?? [logToStream()];
  const onMailError =
    settings.onMailError ??
    ((error: unknown, report: ErrorReport): void => {
      warn(`the mail for ${report.identificationCode} was not sent`, error);
    });
  const mailer = settings.mail && createMailer(settings.mail, onMailError);

  const record = (report: ErrorReport): void => {
    for (const logger of loggers) {
      try {
        const result = logger(report);
        if (result instanceof Promise) {
          result.catch((error: unknown) => {
            warn(`a log function failed for ${report.identificationCode}`, error);
          });
        }
      } catch (error) {
        warn(`a log function failed for ${report.identificationCode}`, error);
      }
    }
    mailer?.send(report);
  };

  const collect = (
    error: unknown,
    request: Request,
    ctx: Context,
    phase: 'handler' | 'body',
  ): Promise<ErrorReport> =>
    collectReport(error, {
      request,
      ctx,
      phase,
      context: settings.context,
      librarySource: settings.librarySource,
      isSecret: settings.isSecret,
    });

  const report = (error: unknown, request: Request, ctx: Context, phase: 'handler' | 'body') => {
    const made = collect(error, request, ctx, phase);
    made.then(record, (failure: unknown) => {
      warn(`no report could be made of ${codeOf(error)}`, failure);
    });
    return made;
  };

  const answer = async (error: unknown, request: Request, ctx: Context): Promise<Response> => {
    const html = wantsHtml(request);
    if (settings.debug && isLoopback(ctx.remoteAddr)) {
      try {
        const made = await report(error, request, ctx, 'handler');
        if (settings.format === 'text' || !html) return reply(formatText(made), 'text/plain');
        return reply(debugPage(made, settings.format), 'text/html');
      } catch (failure) {
        warn('the debug page could not be made', failure);
      }
    } else {
      // The production page needs only the code: the report is made after the response is sent.
      void report(error, request, ctx, 'handler').catch(() => undefined);
    }
    const code = codeOf(error);
    return html
      ? reply(productionPage(settings.errorMessage, code), 'text/html')
      : reply(productionText(settings.errorMessage, code), 'text/plain');
  };

  const hooks = (request: Request, ctx: Context): BodyHooks => ({
    early: async (error) => {
      // Nothing was sent yet: the same as an error before the response existed.
      if (passesThrough(ctx, error)) throw error;
      return answer(error, request, ctx);
    },
    late: (error, markable) => {
      if (passesThrough(ctx, error)) return { error, marker: undefined };
      const code = codeOf(error);
      void report(error, request, ctx, 'body').catch(() => undefined);
      const marker =
        markable && settings.debug && isLoopback(ctx.remoteAddr)
          ? new TextEncoder().encode(streamMarker(code))
          : undefined;
      return { error: new BodyStreamError(code), marker };
    },
  });

  return (next: Handler): Handler =>
    async (request, ctx) => {
      let response: unknown;
      try {
        response = await next(request, ctx);
        if (!isResponse(response)) {
          throw new TypeError(`the handler returned ${describe(response)}, not a Response`);
        }
      } catch (error) {
        if (passesThrough(ctx, error)) throw error;
        return answer(error, request, ctx);
      }
      return watchBody(response, hooks(request, ctx));
    };
}

/**
 * True for what errors() leaves to others: an HttpError (a response for httpErrors() to render)
 * and the abort of a client that left. A thrown value whose properties cannot even be read (a
 * Proxy whose traps throw) is an error like any other, never a crash of the catcher.
 */
function passesThrough(ctx: Context, error: unknown): boolean {
  try {
    return isHttpError(error) || abandoned(ctx, error);
  } catch {
    return false;
  }
}

/** The identification code of `error`, even for a value whose properties cannot be read. */
function codeOf(error: unknown): string {
  try {
    return identify(error);
  } catch {
    return identify('an error whose properties cannot be read');
  }
}
