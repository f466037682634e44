/**
 * One request through lint, from the checks of what the caller hands in to the checks of the
 * response's header fields, ending with a {@link BodyChecker} for the body. How the body is then
 * checked is up to whoever takes the response: `lint()` puts a pull-through stream around it, and
 * {@link lintForReader} hands the checker to an in-process consumer that reads the body to the
 * end itself (the testing fixture), which saves a stream hop per response.
 *
 * Internal to trowel: application code wants `lint()` from `trowel/lint`.
 */
import type { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import {
  BodyChecker,
  declaredLength,
  trackRequest,
  type BodyOwner,
  type Ending,
  type TrackedRequest,
} from './body.ts';
import type { Issue } from './catalogue.ts';
import {
  createReporter,
  type LintError,
  type LintOptions,
  type Reporter,
  type RequestInfo,
} from './report.ts';
import { describe, inspectContext, inspectRequest, isContext, isRequest } from './request-rules.ts';
import { inspectResponse, isResponse } from './response-rules.ts';
import { closeScope, enclosingScope, openScope, type Scope } from './scope.ts';

/**
 * What lint hands on for a response that passed its header checks: `body` is the checker of a
 * body still to be read, `undefined` when there is none to check (no body, or a finding in warn
 * mode that leaves the response unchecked).
 */
export type Deliver<R> = (response: Response, body: BodyChecker | undefined) => R;

/** Runs `next` for one request under lint and hands the response to `deliver`. */
export type RunExchange = <R>(
  next: Handler,
  request: Request,
  ctx: Context,
  deliver: Deliver<R>,
) => Promise<R>;

const ignore = (): void => undefined;

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

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * One request through one lint layer: the request its findings name, the request body it
 * watches, and the leak scope it opened when it is the outermost layer.
 */
class Exchange implements BodyOwner, RequestInfo {
  readonly method: string;
  readonly url: string;
  /** The scope of an enclosing lint layer, where this layer registers its response body. */
  outer: Scope | undefined;
  readonly #reporter: Reporter;
  /** The scope this layer opened as the outermost lint of the request, and the context it is in. */
  #own: Scope | undefined;
  #ctx: Context | undefined;
  #inbound: TrackedRequest | undefined;

  constructor(reporter: Reporter, request: unknown) {
    this.#reporter = reporter;
    if (isRequest(request)) {
      this.method = request.method;
      this.url = request.url;
    } else {
      this.method = '?';
      this.url = '?';
    }
  }

  /**
   * Starts the exchange once the request and context passed their checks: the outermost lint of
   * a request opens the scope nested layers register their bodies in, and the request body is
   * watched. Returns the request to hand the handler: `request`, or a copy whose body is watched.
   */
  start(request: Request, ctx: Context, watch: boolean): Request {
    // The handler may have been called with something else; then no scope is kept.
    if (isContext(ctx)) {
      this.outer = enclosingScope(ctx);
      if (!this.outer) {
        this.#ctx = ctx;
        this.#own = openScope(ctx);
      }
    }
    if (!watch) return request;
    this.#inbound = trackRequest(request, this);
    return this.#inbound ? this.#inbound.request : request;
  }

  report(issue: Issue, canThrow?: boolean): LintError | undefined {
    return this.#reporter.report(issue, this, canThrow);
  }

  raise(issues: readonly Issue[]): void {
    this.#reporter.raise(issues, this);
  }

  /**
   * The response is complete (or will never be). Returns the error of a leak found, to throw
   * where the caller can; a thrown error or a rejected promise travels on unchanged, so leaks
   * found on the way are reported, not thrown.
   */
  end(ending: Ending | 'failed'): LintError | undefined {
    this.#inbound?.settle();
    const own = this.#own;
    if (!own || !this.#ctx) return undefined;
    closeScope(this.#ctx);
    // A cancellation or stream error reaches piped inner bodies asynchronously: checking now
    // could call a body leaked that is about to be cancelled.
    if (ending === 'cancelled' || ending === 'errored') return undefined;
    return own.check(ending === 'done');
  }
}

/**
 * Checks `options` and returns the function that runs one request under lint.
 *
 * @throws {ConfigError} for a bad option (see `lint()`).
 */
export function createExchange(options: LintOptions): RunExchange {
  const reporter = createReporter(options);
  return async (next, request, ctx, deliver) => {
    const issues: Issue[] = [];
    const href = inspectRequest(request, issues);
    inspectContext(ctx, href, issues);
    const exchange = new Exchange(reporter, request);
    if (issues.length > 0) {
      exchange.raise(issues);
      // Only warnings: reported, and not to be reported again with the response's.
      issues.length = 0;
    }
    const inbound = exchange.start(request, ctx, href !== undefined);

    let result: unknown;
    try {
      result = next(inbound, ctx);
      // A handler that answers synchronously costs no extra turn of the microtask queue.
      if (isThenable(result)) result = await result;
    } catch (error) {
      exchange.end('failed');
      throw error;
    }

    const problem = resultIssue(result);
    if (problem) {
      exchange.end('failed');
      exchange.raise([problem]);
      return deliver(result as Response, undefined);
    }
    const response = result as Response;
    const body = response.body;
    const head = exchange.method === 'HEAD';
    let fields: ReturnType<typeof inspectResponse>;
    try {
      fields = inspectResponse(response, exchange.method, issues);
      exchange.raise(issues);
    } catch (error) {
      body?.cancel(error).catch(ignore);
      exchange.end('errored');
      throw error;
    }
    if (body === null) {
      const error = exchange.end('done');
      if (error) throw error;
      return deliver(response, undefined);
    }
    // A HEAD response's Content-Length describes the GET body (RFC 9110 §8.6), and its body is
    // never sent, so neither length nor type is held against it.
    const checker = head
      ? new BodyChecker(exchange, undefined, false)
      : new BodyChecker(exchange, declaredLength(fields.contentLength), !fields.hasType);
    exchange.outer?.add(checker);
    return deliver(response, checker);
  };
}

/** A response from {@link lintForReader}, with the checker its body must be read through. */
export interface LintedResponse {
  /** The handler's own response, not a copy. */
  readonly response: Response;
  /**
   * The checks for `response.body`: the reader passes every chunk it reads to `chunk()` (and
   * fails with the error it returns, cancelling the body with it), then calls `done()` at the end
   * (and fails with its error), `cancelled()` when it cancels, `errored()` when a read fails.
   * `undefined` when there is nothing to check.
   */
  readonly body: BodyChecker | undefined;
}

/**
 * `lint()` for a caller in the same process that reads every response body to the end itself:
 * instead of a stream around the body, it hands the caller the body's checker. The findings are
 * the same, at the same chunk, as through `lint()`.
 *
 * @throws {ConfigError} for a bad option (see `lint()`).
 * @example
 * ```ts
 * import { Context } from 'trowel';
 * import { lintForReader } from './exchange.ts';
 *
 * const hello = (): Response => new Response('hi', { headers: { 'content-type': 'text/plain' } });
 * const app = lintForReader({})(hello);
 * const request = new Request('http://localhost/');
 * const { response, body } = await app(request, new Context(request, { remoteAddr: '::1' }));
 * const reader = response.body?.getReader();
 * for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) {
 *   const error = body?.chunk(read.value);
 *   if (error) throw error;
 * }
 * const error = body?.done();
 * if (error) throw error;
 * ```
 */
export function lintForReader(
  options: LintOptions,
): (next: Handler) => (request: Request, ctx: Context) => Promise<LintedResponse> {
  const exchange = createExchange(options);
  const pair = (response: Response, body: BodyChecker | undefined): LintedResponse => ({
    response,
    body,
  });
  return (next) => (request, ctx) => exchange(next, request, ctx, pair);
}
