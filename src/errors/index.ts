/**
 * @module trowel/errors
 *
 * Error pages and error reports, replacing Paste's `paste.exceptions.errormiddleware`
 * (`egg:Paste#error_catcher`), `paste.cgitb_catcher` (`egg:Paste#cgitb`) and, without its
 * console, `paste.evalexception` (`egg:Paste#evalerror`).
 *
 * {@link errors} catches what the application throws, before its response exists and while the
 * response body streams. Everyone gets a plain 500 page with an identification code (`E-CY2DR`);
 * the full report — the error and its causes, each stack frame mapped through source maps with
 * the source lines around it, the request and the context, secrets masked — goes to the log and,
 * rate-limited and off the request path, to an error mail. With `debug: true`, clients on the
 * loopback interface get that report as the page instead: HTML for browsers (in trowel's layout
 * or cgitb's), plain text for curl.
 *
 * When not to use it: for outcomes you mean (404, 403, a redirect) throw an `HttpError` and let
 * `httpErrors()` answer — `errors()` lets those pass. It is not an interactive debugger: there is
 * no console that evaluates code in a frame (see the README for why). Behind a proxy, the debug
 * page follows `ctx.remoteAddr`: put `forwarded()` outside `errors()` only with proxies you trust.
 */
export { BodyStreamError, errors, isLoopback } from './middleware.ts';
export type {
  ErrorMail,
  ErrorMailOptions,
  ErrorPageFormat,
  ErrorsOptions,
  MailRateLimit,
  MailSender,
  MailTransportOptions,
  ReportLogger,
} from './options.ts';
export {
  collectReport,
  type CollectOptions,
  type ErrorEntry,
  type ErrorReport,
  type ReportedContext,
  type ReportedRequest,
  type ReportFrame,
} from './report.ts';
export { formatLine, formatText } from './text.ts';
export { debugPage } from './html.ts';
export { logToDirectory, logToFile, logToStream, type StreamLogOptions } from './log.ts';
export { parseStack, type StackFrame } from './stack.ts';
export type { SourceExcerpt } from './source.ts';
export {
  hashIdentifier,
  IDENTIFIER_ALPHABET,
  makeIdentifier,
  type HashIdentifierOptions,
} from './identify.ts';
