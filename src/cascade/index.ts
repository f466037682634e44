/**
 * @module trowel/cascade
 *
 * Tries applications in order and answers with the first one that does not answer a "try the next
 * one" status (404 by default): static files in front of a dynamic application, a new application
 * in front of the legacy one it is replacing, a set of directories searched in turn. It replaces
 * `paste.cascade` (`Cascade`, and `egg:Paste#cascade` through `trowel/deploy`).
 *
 * - The last application's answer is returned whatever its status.
 * - An application may also *throw* an HTTP error with a caught status (`throw new NotFound()`).
 * - The body of every discarded answer is cancelled, so a file handle or upstream connection
 *   behind it is released at once.
 * - A request body is replayed to each application that is tried. Nothing is buffered unless an
 *   application reads the body and is then discarded, and then at most `bodyLimit` bytes; past that
 *   the next application cannot see the body, and the client gets 413.
 * - Each application gets its own child context, so values one sets are not seen by the next.
 *
 * When not to use it: to dispatch by path prefix or host, which `urlMap()` does without calling
 * applications that cannot answer; or when the first applications have side effects, since a
 * discarded application has still run (a POST may have been half-handled).
 */
import { ConfigError } from '../core/config-error.ts';
import { DEFAULT_BODY_LIMIT } from '../core/body.ts';
import type { Handler } from '../core/handler.ts';
import { ContentTooLarge, isHttpError } from '../core/http-error.ts';
import { BodyReplay } from './replay.ts';

/** Options of {@link cascade}. */
export interface CascadeOptions {
  /**
   * The statuses (200–599) that mean "not mine, try the next application". An application that
   * throws an HTTP error with one of these statuses is passed over too.
   * @default [404]
   */
  readonly catch?: readonly number[];
  /**
   * The most request-body bytes kept so that the next application can read the body again. Only
   * what a discarded application actually read counts. Past the limit the client gets 413.
   * @default 1048576 (1 MiB)
   */
  readonly bodyLimit?: number;
}

/**
 * Builds a handler that tries `apps` in order; see the module comment.
 *
 * @throws {ConfigError} `TROWEL_ERR_CASCADE_APPS` for an empty list or an entry that is not a
 * function, `TROWEL_ERR_CASCADE_CATCH` for a status outside 200–599, `TROWEL_ERR_CASCADE_BODY_LIMIT`
 * for a limit that is not a non-negative integer.
 * @example
 * ```ts
 * import { cascade } from 'trowel/cascade';
 * const files = () => new Response('not here', { status: 404 });
 * const app = () => new Response('from the app');
 * const site = cascade([files, app], { catch: [404, 403] });
 * ```
 */
export function cascade(apps: readonly Handler[], options: CascadeOptions = {}): Handler {
  const list: unknown[] = Array.isArray(apps) ? [...(apps as readonly unknown[])] : [];
  list.forEach((app, index) => {
    if (typeof app !== 'function') {
      throw new ConfigError(
        'TROWEL_ERR_CASCADE_APPS',
        `cascade(): application ${index + 1} is ${typeof app}, not a Handler`,
      );
    }
  });
  const handlers = list as Handler[];
  const last = handlers.at(-1);
  if (last === undefined) {
    throw new ConfigError('TROWEL_ERR_CASCADE_APPS', 'cascade() needs at least one application');
  }
  const caught = new Set(checkCatch(options.catch ?? [404]));
  const limit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new ConfigError(
      'TROWEL_ERR_CASCADE_BODY_LIMIT',
      `cascade(): bodyLimit must be a non-negative integer, got ${String(limit)}`,
    );
  }
  if (handlers.length === 1) return last;
  const first = handlers.slice(0, -1);

  return async (request, ctx) => {
    const replay = request.body === null ? undefined : new BodyReplay(request.body, limit);
    const attempt = (final: boolean): Request =>
      replay === undefined || (final && !replay.touched)
        ? // No body, or nobody has read it yet: the client's own request will do.
          request
        : new Request(request, { body: replay.stream(final), duplex: 'half' } as RequestInit);
    for (const app of first) {
      let response: Response | undefined;
      try {
        response = await app(attempt(false), ctx.derive({}));
      } catch (error) {
        if (!isHttpError(error) || !caught.has(error.status)) {
          replay?.cancel();
          throw error;
        }
      }
      if (response !== undefined) {
        if (!caught.has(response.status)) {
          replay?.settle();
          return response;
        }
        // The client is gone: calling more applications would be wasted work.
        if (ctx.signal.aborted) {
          replay?.cancel();
          return response;
        }
        response.body?.cancel().catch(() => undefined);
      }
      if (replay?.overflowed === true) {
        replay.cancel();
        return new ContentTooLarge(
          `the request body is larger than the ${limit} bytes this site can replay`,
        ).toResponse(request);
      }
    }
    return last(attempt(true), ctx);
  };
}

function checkCatch(statuses: unknown): number[] {
  if (!Array.isArray(statuses)) {
    throw new ConfigError(
      'TROWEL_ERR_CASCADE_CATCH',
      'cascade(): catch must be a list of statuses',
    );
  }
  return (statuses as unknown[]).map((status) => {
    if (typeof status !== 'number' || !Number.isInteger(status) || status < 200 || status > 599) {
      throw new ConfigError(
        'TROWEL_ERR_CASCADE_CATCH',
        `cascade(): a caught status must be an integer in 200-599, got ${String(status)}`,
      );
    }
    return status;
  });
}
