/**
 * The two exceptions of `recursive()`: {@link ForwardRequest}, thrown by an application to have
 * another path of the same application answer instead (Paste's `ForwardRequestException`), and
 * {@link RecursionLoop}, thrown when internal requests go round in a circle or too deep.
 */
import { InternalServerError } from '../core/http-error.ts';

const FORWARD = Symbol.for('trowel.recursive.forward-request');

/** Options of a forward. */
export interface ForwardOptions {
  /**
   * Answer with this status instead of the forwarded page's (Paste's `StatusKeeper`): show the
   * `/login` page with 401, say. 200–599, not one that forbids a body (204, 205, 304).
   * @default the forwarded page's status
   */
  readonly status?: number;
}

/**
 * Thrown by an application below `recursive()`: the answer is the one the same application gives
 * for `target` instead. A path becomes a GET (HEAD for a HEAD) with the client's header fields; a
 * `Request` is sent as it is (it must be for this server and inside the application).
 *
 * @example
 * ```ts
 * import type { Handler } from 'trowel';
 * import { ForwardRequest } from 'trowel/recursive';
 * const app: Handler = (request) => {
 *   if (!request.headers.has('cookie')) throw new ForwardRequest('/login', { status: 401 });
 *   return new Response('welcome back');
 * };
 * ```
 */
export class ForwardRequest extends Error {
  static {
    Object.defineProperty(this.prototype, FORWARD, { value: true });
  }

  override readonly name = 'ForwardRequest';
  /** The path (with query) inside the application, or the request to send. */
  readonly target: string | Request;
  /** The status to answer with, if not the forwarded page's. */
  readonly status: number | undefined;

  /** @throws {RangeError} for a status outside 200–599 or one that forbids a body. */
  constructor(target: string | Request, options: ForwardOptions = {}) {
    const path = typeof target === 'string' ? target : new URL(target.url).pathname;
    super(`forward to ${path} was not caught: put recursive() around the application`);
    this.target = target;
    this.status = checkStatus(options.status);
  }
}

/**
 * Whether `value` is a {@link ForwardRequest}, also one made by another copy of trowel.
 *
 * @example
 * ```ts
 * import { isForwardRequest } from 'trowel/recursive';
 * const isForward = (error: unknown): boolean => isForwardRequest(error);
 * ```
 */
export function isForwardRequest(value: unknown): value is ForwardRequest {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [FORWARD]?: unknown })[FORWARD] === true
  );
}

/**
 * Internal requests went round in a circle (the same request twice in one chain) or deeper than
 * `maxDepth`. An HTTP error with status 500: below `httpErrors()` it becomes a 500 response; the
 * message, for the log, shows the chain.
 *
 * @example
 * ```ts
 * import { RecursionLoop } from 'trowel/recursive';
 * const describe = (error: unknown): string =>
 *   error instanceof RecursionLoop ? error.chain.join(' -> ') : String(error);
 * ```
 */
export class RecursionLoop extends InternalServerError {
  /** The requests of the chain, `METHOD /path?query`, ending with the one refused. */
  readonly chain: readonly string[];

  constructor(chain: readonly string[], reason: string) {
    super(`internal request loop: ${chain.join(' -> ')} (${reason})`);
    this.chain = chain;
  }
}

/** Checks a forward status. */
export function checkStatus(status: number | undefined): number | undefined {
  if (status === undefined) return undefined;
  if (
    !Number.isInteger(status) ||
    status < 200 ||
    status > 599 ||
    [204, 205, 304].includes(status)
  ) {
    throw new RangeError(
      `a forward status must be an integer in 200-599 that allows a body, got ${String(status)}`,
    );
  }
  return status;
}
