/**
 * The bodies, checked while they stream: lint hands the handler a request whose body counts the
 * bytes it gives out and notices late reads, and hands its caller a response whose body counts,
 * checks each chunk and records whether it was read to the end or cancelled.
 *
 * Both wrappers are pull-through streams with a high-water mark of 0: they read from the original
 * only when their own reader asks, so backpressure, timing and cancellation reach the original as
 * they would without lint, and the bytes pass unchanged.
 */
import type { Issue } from './catalogue.ts';
import type { LintError } from './report.ts';
import { isContentLength } from './request-rules.ts';

/** Reports an issue; returns the error strict mode asks for. */
export type Report = (issue: Issue, canThrow?: boolean) => LintError | undefined;

/** The request the handler gets, and the switch that marks its response complete. */
export interface TrackedRequest {
  readonly request: Request;
  /** Marks the response as complete: a read of the request body from now on is a finding. */
  settle(): void;
}

const ignore = (): void => undefined;

/** The `Content-Length` of `headers` as a number, or `undefined` when absent or malformed. */
export function declaredLength(headers: Headers): number | undefined {
  const value = headers.get('content-length');
  return value !== null && isContentLength(value) ? Number(value) : undefined;
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
 * Gives the handler a copy of `request` whose body is watched. A request without a body, or whose
 * body someone already read or locked, is passed on as it is.
 */
export function trackRequest(request: Request, report: Report): TrackedRequest {
  const source = request.body;
  if (source === null || request.bodyUsed || source.locked) return { request, settle: ignore };
  const declared = declaredLength(request.headers);
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
          const error = report({
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
              ? report(lengthIssue('request-content-length-mismatch', declared, count))
              : undefined;
          if (error) controller.error(error);
          else controller.close();
          return;
        }
        count += result.value.byteLength;
        if (declared !== undefined && count > declared && !lengthReported) {
          lengthReported = true;
          const error = report(lengthIssue('request-content-length-mismatch', declared, count));
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

/** How a response body ended, as far as lint could see. */
export type Ending = 'done' | 'cancelled' | 'errored';

/** What {@link trackResponse} checks, and whom it tells. */
export interface ResponseChecks {
  /** The declared `Content-Length` to hold the body to; `undefined` to skip the check. */
  readonly length: number | undefined;
  /** Report `response-content-type-missing` at the first byte. */
  readonly needsType: boolean;
  readonly report: Report;
  /** Called once when the body ends; an error it returns errors the body instead of closing it. */
  readonly onEnd: (ending: Ending) => LintError | undefined;
}

/** A response body handed out by lint, and whether it is still open. */
export interface TrackedBody {
  readonly stream: ReadableStream<Uint8Array>;
  isOpen(): boolean;
}

/** Wraps a response body so that it is checked while it streams. */
export function trackResponse(source: ReadableStream, checks: ResponseChecks): TrackedBody {
  const { length, report, onEnd } = checks;
  const reader = source.getReader() as ReadableStreamDefaultReader<unknown>;
  let ending: Ending | undefined;
  let needsType = checks.needsType;
  let lengthReported = false;
  let count = 0;
  const end = (how: Ending): LintError | undefined => {
    ending = how;
    return onEnd(how);
  };
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const fail = (error: LintError): void => {
          controller.error(error);
          reader.cancel(error).catch(ignore);
          end('errored');
        };
        let result: ReadableStreamReadResult<unknown>;
        try {
          result = await reader.read();
        } catch (error) {
          end('errored');
          throw error;
        }
        // Cancelled while the read was pending: the stream is closed and its length unknowable.
        if (ending !== undefined) return;
        if (result.done) {
          const mismatch =
            length !== undefined && count < length
              ? report(lengthIssue('response-content-length-mismatch', length, count))
              : undefined;
          const leak = end('done');
          const error = mismatch ?? leak;
          if (error) controller.error(error);
          else controller.close();
          return;
        }
        const chunk = result.value;
        if (!(chunk instanceof Uint8Array)) {
          const error = report({
            rule: 'response-body-chunk',
            message: `a response body chunk is ${describeChunk(chunk)}, not a Uint8Array: encode text with TextEncoder`,
          });
          if (error) fail(error);
          // Warn mode passes it on: the caller then fails as it would without lint.
          else controller.enqueue(chunk as Uint8Array);
          return;
        }
        count += chunk.byteLength;
        if (needsType && chunk.byteLength > 0) {
          needsType = false;
          const error = report({
            rule: 'response-content-type-missing',
            message: 'the response has content but no Content-Type, so the client has to guess',
          });
          if (error) {
            fail(error);
            return;
          }
        }
        if (length !== undefined && count > length && !lengthReported) {
          lengthReported = true;
          const error = report(lengthIssue('response-content-length-mismatch', length, count));
          if (error) {
            fail(error);
            return;
          }
        }
        controller.enqueue(chunk);
      },
      cancel(reason) {
        end('cancelled');
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, isOpen: () => ending === undefined };
}

function describeChunk(chunk: unknown): string {
  if (chunk === null) return 'null';
  if (typeof chunk !== 'object') return `of type ${typeof chunk}`;
  return `an object of type ${Object.prototype.toString.call(chunk).slice(8, -1)}`;
}
