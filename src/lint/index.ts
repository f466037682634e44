/**
 * @module trowel/lint
 *
 * The interface validator: `lint()` wraps any handler and checks both directions of the
 * {@link Handler} contract — what callers hand in (the `Request` and the `Context`) and what the
 * handler gives back (a `Response` with sound status, header fields and body). It replaces
 * `paste.lint` (and covers what `wsgiref.validate` and Werkzeug's `LintMiddleware` check), in Fetch
 * terms: the checks the platform already makes are left to it, and the ones it does not make are
 * here, each a named rule with a severity (see {@link rules} and `README.md`).
 *
 * Findings are data ({@link LintFinding}). In strict mode (the default) an error-severity finding
 * throws a {@link LintError}: the handler's promise rejects, or, for what is found while the body
 * streams, the body stream errors so its reader sees it. Warn mode only reports.
 *
 * Put it around an application in tests (the testing fixture does), or between two middleware to
 * check the one outside: nested `lint()` layers also find response bodies a middleware dropped
 * without reading or cancelling them. It costs a stream hop per body, so it is not meant for
 * production traffic, and it passes every byte, status and header field through unchanged. (The
 * testing fixture reads every body itself and runs the same body checks from its read loop, with
 * no stream in between.)
 */
import type { Handler, Middleware } from '../core/handler.ts';
import { trackResponse, type BodyChecker } from './body.ts';
import { createExchange } from './exchange.ts';
import type { LintOptions } from './report.ts';

export { rules, type LintFinding, type LintRule, type Severity } from './catalogue.ts';
export { LintError, isLintError, type LintOptions } from './report.ts';

/** What lint hands its caller: the same response, or a copy whose body is checked as it streams. */
function wrap(response: Response, checker: BodyChecker | undefined): Response {
  // Without a checker the value is returned as it came, whatever it is (warn mode).
  if (checker === undefined) return response;
  const { body, status, statusText, headers } = response;
  if (body === null) return response;
  return new Response(trackResponse(body, checker), { status, statusText, headers });
}

/**
 * Wraps a handler in the interface validator.
 *
 * @throws {ConfigError} `TROWEL_ERR_LINT_MODE`, `TROWEL_ERR_LINT_ON_FINDING` or
 * `TROWEL_ERR_LINT_RULES` for a bad option, when built.
 * @example
 * ```ts
 * import { Context } from 'trowel';
 * import { lint, type LintFinding } from 'trowel/lint';
 *
 * const findings: LintFinding[] = [];
 * const app = lint({ mode: 'warn', onFinding: (f) => findings.push(f) })(
 *   () => new Response('hi', { headers: { etag: 'v1' } }),
 * );
 * const request = new Request('http://localhost/');
 * await (await app(request, new Context(request, { remoteAddr: '127.0.0.1' }))).text();
 * findings.map((f) => f.rule); // ['response-etag']
 * ```
 */
export function lint(options: LintOptions = {}): Middleware {
  const exchange = createExchange(options);
  return (next: Handler): Handler =>
    (request, ctx) =>
      exchange(next, request, ctx, wrap);
}
