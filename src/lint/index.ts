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
 * production traffic, and it passes every byte, status and header field through unchanged.
 */
import type { Handler, Middleware } from '../core/handler.ts';
import {
  declaredLength,
  trackRequest,
  trackResponse,
  type Ending,
  type Report,
  type TrackedRequest,
} from './body.ts';
import type { Issue } from './catalogue.ts';
import { createReporter, type LintError, type LintOptions, type RequestInfo } from './report.ts';
import { checkContext, checkRequest, describe, isContext, isRequest } from './request-rules.ts';
import { checkResponse, isResponse } from './response-rules.ts';
import { enclosingScope, openScope, type Scope } from './scope.ts';

export { rules, type LintFinding, type LintRule, type Severity } from './catalogue.ts';
export { LintError, isLintError, type LintOptions } from './report.ts';

const ignore = (): void => undefined;

function requestInfo(request: unknown): RequestInfo {
  return isRequest(request)
    ? { method: request.method, url: request.url }
    : { method: '?', url: '?' };
}

/** What a returned value must be before its header fields are worth checking. */
function resultIssue(result: unknown): Issue | undefined {
  if (!isResponse(result)) {
    return {
      rule: 'response-type',
      message: `the handler returned ${describe(result)}, not a Response`,
    };
  }
  if (result.type === 'error') {
    return {
      rule: 'response-network-error',
      message: 'the handler returned Response.error(), a network error no server can send',
    };
  }
  if (result.body !== null && (result.bodyUsed || result.body.locked)) {
    return {
      rule: 'response-body-reused',
      message:
        'the response body was already read or locked: was this Response (or its body stream) returned before?',
    };
  }
  return undefined;
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
  const reporter = createReporter(options);
  return (next: Handler): Handler =>
    async (request, ctx) => {
      const info = requestInfo(request);
      const report: Report = (issue, canThrow) => reporter.report(issue, info, canThrow);
      reporter.raise([...checkRequest(request), ...checkContext(ctx, request)], info);

      // The outermost lint of a request opens the scope nested layers register their bodies in.
      const context = isContext(ctx) ? ctx : undefined;
      const outer = context && enclosingScope(context);
      const own = context && !outer ? openScope(context) : undefined;
      const inbound: TrackedRequest = isRequest(request)
        ? trackRequest(request, report)
        : { request, settle: ignore };

      // Called once the response is complete (or will never be). A thrown error or a rejected
      // promise travels on unchanged, so leaks found on the way are reported, not thrown.
      const finish = (ending: Ending | 'failed'): LintError | undefined => {
        inbound.settle();
        if (!own) return undefined;
        own.close();
        // A cancellation or stream error reaches piped inner bodies asynchronously: checking now
        // could call a body leaked that is about to be cancelled.
        if (ending === 'cancelled' || ending === 'errored') return undefined;
        return own.scope.check(ending === 'done');
      };

      let result: unknown;
      try {
        result = await next(inbound.request, ctx);
      } catch (error) {
        finish('failed');
        throw error;
      }

      const problem = resultIssue(result);
      if (problem) {
        finish('failed');
        reporter.raise([problem], info);
        return result as Response;
      }
      const response = result as Response;
      const body = response.body;
      try {
        reporter.raise(checkResponse(response, info.method), info);
      } catch (error) {
        body?.cancel(error).catch(ignore);
        finish('errored');
        throw error;
      }
      if (body === null) {
        const error = finish('done');
        if (error) throw error;
        return response;
      }
      return wrap(response, body, info.method === 'HEAD', report, finish, outer);
    };
}

function wrap(
  response: Response,
  body: ReadableStream,
  head: boolean,
  report: Report,
  finish: (ending: Ending) => LintError | undefined,
  outer: Scope | undefined,
): Response {
  const tracked = trackResponse(body, {
    // A HEAD response's Content-Length describes the GET body (RFC 9110 §8.6), and its body is
    // never sent, so neither length nor type is held against it.
    length: head ? undefined : declaredLength(response.headers),
    needsType: !head && !response.headers.has('content-type'),
    report,
    onEnd: finish,
  });
  outer?.add({
    isOpen: () => tracked.isOpen(),
    leak: (canThrow) =>
      report(
        {
          rule: 'response-body-unconsumed',
          message:
            'this response body was neither read to the end nor cancelled by the time the outer response completed: the middleware that received it dropped it (cancel it with response.body?.cancel())',
        },
        canThrow,
      ),
  });
  const { status, statusText, headers } = response;
  return new Response(tracked.stream, { status, statusText, headers });
}
