/**
 * The bodies, checked while they stream: lint hands the handler a request whose body counts the
 * bytes it gives out and notices late reads, and checks the response body chunk by chunk with a
 * {@link BodyChecker} — which counts, checks each chunk and records whether the body was read to
 * the end or cancelled.
 *
 * `lint()` runs the checker from a pull-through stream around the response body. An in-process
 * reader that reads every body to the end itself (the testing fixture) runs it from its own read
 * loop instead, and so spares the stream hop; the findings are the same, at the same chunk.
 *
 * Both wrappers are pull-through streams with a high-water mark of 0: they read from the original
 * only when their own reader asks, so backpressure, timing and cancellation reach the original as
 * they would without lint, and the bytes pass unchanged.
 */
import type { Issue } from './catalogue.ts';
import type { LintError } from './report.ts';
import { isContentLength } from './request-rules.ts';
import type { Tracked } from './scope.ts';

/** How a response body ended, as far as lint could see. */
export type Ending = 'done' | 'cancelled' | 'errored';

/** The exchange the bodies belong to: where their findings go, and who hears that one ended. */
export interface BodyOwner {
  /** Reports an issue; returns the error strict mode asks for. */
  report(issue: Issue, canThrow?: boolean): LintError | undefined;
  /** The response body ended; an error it returns errors the body instead of closing it. */
  end(ending: Ending): LintError | undefined;
}

/** The request the handler gets, and the switch that marks its response complete. */
export interface TrackedRequest {
  readonly request: Request;
  /** Marks the response as complete: a read of the request body from now on is a finding. */
  settle(): void;
}

const ignore = (): void => undefined;

/** A `Content-Length` value as a number, or `undefined` when absent or malformed. */
export function declaredLength(value: string | null | undefined): number | undefined {
  return value !== null && value !== undefined && isContentLength(value)
    ? Number(value)
    : undefined;
}

function lengthIssue(
  rule: 'request-content-length-mismatch' | 'response-content-length-mismatch',
  declared: number,
  count: number,
): Issue {
  const what = rule.startsWith('request') ? 'request' : 'response';
  return {
    rule,
    message:
      count > declared
        ? `the ${what} body has more than the ${declared} bytes its Content-Length declares`
        : `the ${what} body ended after ${count} of the ${declared} bytes its Content-Length declares`,
  };
}

/**
 * Gives the handler a copy of `request` whose body is watched, or `undefined` for a request to pass
 * on as it is: one without a body, or whose body someone already read or locked.
 */
export function trackRequest(request: Request, owner: BodyOwner): TrackedRequest | undefined {
  const source = request.body;
  if (source === null || request.bodyUsed || source.locked) return undefined;
  const declared = declaredLength(request.headers.get('content-length'));
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let settled = false;
  let cancelled = false;
  let lateReported = false;
  let lengthReported = false;
  let count = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (settled && !lateReported) {
          lateReported = true;
          const error = owner.report({
            rule: 'request-body-read-after-response',
            message:
              'the request body was read after the response was complete: the server may already have drained or discarded it',
          });
          if (error) {
            controller.error(error);
            return;
          }
        }
        reader ??= source.getReader();
        const result = await reader.read();
        // Cancelled while the read was pending: the stream is closed and its length unknowable.
        if (cancelled) return;
        if (result.done) {
          const error =
            declared !== undefined && count < declared
              ? owner.report(lengthIssue('request-content-length-mismatch', declared, count))
              : undefined;
          if (error) controller.error(error);
          else controller.close();
          return;
        }
        count += result.value.byteLength;
        if (declared !== undefined && count > declared && !lengthReported) {
          lengthReported = true;
          const error = owner.report(
            lengthIssue('request-content-length-mismatch', declared, count),
          );
          if (error) {
            controller.error(error);
            reader.cancel(error).catch(ignore);
            return;
          }
        }
        controller.enqueue(result.value);
      },
      cancel(reason) {
        cancelled = true;
        return (reader ?? source).cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  // `duplex: 'half'` is required for a stream body (Fetch), but not yet in TypeScript's DOM types.
  const init: RequestInit & { duplex: 'half' } = { body: stream, duplex: 'half' };
  return {
    request: new Request(request, init),
    settle() {
      settled = true;
    },
  };
}

/**
 * The checks of one response body, chunk by chunk, and whether it is still open. Whoever reads
 * the body drives it: lint's own pull-through stream ({@link trackResponse}), or an in-process
 * consumer that reads the body to the end itself and so needs no stream in between (the testing
 * fixture, through `lintForReader()`). Either way the same findings come at the same chunk.
 */
export class BodyChecker implements Tracked {
  readonly #owner: BodyOwner;
  /** The declared `Content-Length` to hold the body to; `undefined` to skip the check. */
  readonly #length: number | undefined;
  /** Report `response-content-type-missing` at the first byte. */
  #needsType: boolean;
  #lengthReported = false;
  #count = 0;
  #ending: Ending | undefined;

  constructor(owner: BodyOwner, length: number | undefined, needsType: boolean) {
    this.#owner = owner;
    this.#length = length;
    this.#needsType = needsType;
  }

  /** True while the body is neither read to the end, cancelled nor errored. */
  isOpen(): boolean {
    return this.#ending === undefined;
  }

  /**
   * Checks the next chunk read from the body. Returns the error strict mode asks for: the body
   * has then ended, and the reader errors with it and cancels the source with it. Otherwise the
   * chunk is to be passed on as it is (in warn mode even one that is not a `Uint8Array`, so the
   * caller fails as it would without lint).
   */
  chunk(value: unknown): LintError | undefined {
    if (!(value instanceof Uint8Array)) {
      return this.#fail({
        rule: 'response-body-chunk',
        message: `a response body chunk is ${describeChunk(value)}, not a Uint8Array: encode text with TextEncoder`,
      });
    }
    const size = value.byteLength;
    this.#count += size;
    if (this.#needsType && size > 0) {
      this.#needsType = false;
      const error = this.#fail({
        rule: 'response-content-type-missing',
        message: 'the response has content but no Content-Type, so the client has to guess',
      });
      if (error) return error;
    }
    const length = this.#length;
    if (length !== undefined && this.#count > length && !this.#lengthReported) {
      this.#lengthReported = true;
      return this.#fail(lengthIssue('response-content-length-mismatch', length, this.#count));
    }
    return undefined;
  }

  /** The source is done: checks the length and ends the body. Returns the error to end it with. */
  done(): LintError | undefined {
    const length = this.#length;
    const mismatch =
      length !== undefined && this.#count < length
        ? this.#owner.report(lengthIssue('response-content-length-mismatch', length, this.#count))
        : undefined;
    const leak = this.#end('done');
    return mismatch ?? leak;
  }

  /** The reader cancelled the body. */
  cancelled(): void {
    this.#end('cancelled');
  }

  /** Reading the source failed. */
  errored(): void {
    this.#end('errored');
  }

  /** Reports this body as dropped by the middleware it was handed to. */
  leak(canThrow: boolean): LintError | undefined {
    return this.#owner.report(
      {
        rule: 'response-body-unconsumed',
        message:
          'this response body was neither read to the end nor cancelled by the time the outer response completed: the middleware that received it dropped it (cancel it with response.body?.cancel())',
      },
      canThrow,
    );
  }

  #fail(issue: Issue): LintError | undefined {
    const error = this.#owner.report(issue);
    if (error) this.#end('errored');
    return error;
  }

  #end(how: Ending): LintError | undefined {
    this.#ending = how;
    return this.#owner.end(how);
  }
}

/**
 * Wraps a response body in a pull-through stream that runs `checker` on every chunk and errors
 * with what strict mode finds.
 */
export function trackResponse(
  source: ReadableStream,
  checker: BodyChecker,
): ReadableStream<Uint8Array> {
  const reader = source.getReader() as ReadableStreamDefaultReader<unknown>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        let result: ReadableStreamReadResult<unknown>;
        try {
          result = await reader.read();
        } catch (error) {
          checker.errored();
          throw error;
        }
        // Cancelled while the read was pending: the stream is closed and its length unknowable.
        if (!checker.isOpen()) return;
        if (result.done) {
          const error = checker.done();
          if (error) controller.error(error);
          else controller.close();
          return;
        }
        const error = checker.chunk(result.value);
        if (error) {
          controller.error(error);
          reader.cancel(error).catch(ignore);
          return;
        }
        controller.enqueue(result.value as Uint8Array);
      },
      cancel(reason) {
        checker.cancelled();
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function describeChunk(chunk: unknown): string {
  if (chunk === null) return 'null';
  if (typeof chunk !== 'object') return `of type ${typeof chunk}`;
  return `an object of type ${Object.prototype.toString.call(chunk).slice(8, -1)}`;
}
