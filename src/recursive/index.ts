/**
 * @module trowel/recursive
 *
 * Internal requests into the same application: `recursive()` gives the application below it, under
 * the {@link RECURSIVE} context key, `forward(path)` (answer with what another path answers) and
 * `include(path)` (fetch another path's response to embed it), and turns a thrown
 * {@link ForwardRequest} into a forward. It replaces `paste.recursive` (`RecursiveMiddleware`,
 * `ForwardRequestException`, `Includer`, and `egg:Paste#recursive` through `trowel/deploy`).
 *
 * - An internal request goes to the application below `recursive()`, with the client's header
 *   fields and context values set above it; a path is relative to where `recursive()` is mounted
 *   and may carry a query. A path target is a GET (a forward of a HEAD is a HEAD) with no body; to
 *   send another method or a body, pass a `Request`.
 * - Loops are refused: the same request twice in one chain, or more than `maxDepth` internal
 *   requests deep, throws a {@link RecursionLoop} (an HTTP 500 error whose message shows the
 *   chain) before the request is made.
 *
 * When not to use it: to send the client elsewhere (answer a redirect, 303 or 307, instead: the
 * browser's URL then matches the page); to call another server (use a proxy); to show error pages,
 * which `errorDocument()` does on its own.
 */
import { createKey, type Context, type Key } from '../core/context.ts';
import { ConfigError } from '../core/config-error.ts';
import type { Middleware } from '../core/handler.ts';
import { RecursionLoop, checkStatus, isForwardRequest, type ForwardOptions } from './errors.ts';
import { pathSubrequest, requestSubrequest, type Subrequest } from './subrequest.ts';

export { ForwardRequest, RecursionLoop, isForwardRequest, type ForwardOptions } from './errors.ts';

/** What `recursive()` hands the application, under {@link RECURSIVE}. */
export interface Recursion {
  /** 0 in the client's request, 1 in a request it forwarded or included, and so on. */
  readonly depth: number;
  /** The client's request. */
  readonly original: Request;
  /**
   * The response the application gives for `target`, to return instead of this one: a path (a GET,
   * or a HEAD when this request is a HEAD) or a `Request`.
   *
   * @throws {RecursionLoop} when the target is already in the chain, or the chain is too deep.
   * @throws {TypeError} for a target that is not a path of this application.
   */
  forward(target: string | Request, options?: ForwardOptions): Promise<Response>;
  /**
   * The response the application gives for `target`, to embed in this one: a path (always a GET)
   * or a `Request`. Read or cancel its body.
   *
   * @throws {RecursionLoop} when the target is already in the chain, or the chain is too deep.
   * @throws {TypeError} for a target that is not a path of this application.
   */
  include(target: string | Request): Promise<Response>;
}

/**
 * The internal-request functions, for the application below `recursive()`.
 *
 * @example
 * ```ts
 * import type { Handler } from 'trowel';
 * import { RECURSIVE } from 'trowel/recursive';
 * const page: Handler = async (_request, ctx) => {
 *   const menu = await ctx.require(RECURSIVE).include('/fragments/menu');
 *   return new Response(`<nav>${await menu.text()}</nav><main>…</main>`, {
 *     headers: { 'content-type': 'text/html; charset=utf-8' },
 *   });
 * };
 * ```
 */
export const RECURSIVE: Key<Recursion> = createKey<Recursion>('trowel.recursive');

/** Options of {@link recursive}. */
export interface RecursiveOptions {
  /** The most internal requests one client request may lead to, in a chain (1–1000). @default 10 */
  readonly maxDepth?: number;
}

/**
 * The middleware; see the module comment.
 *
 * @throws {ConfigError} `TROWEL_ERR_RECURSIVE_MAX_DEPTH` for a `maxDepth` outside 1–1000.
 * @example
 * ```ts
 * import { recursive, ForwardRequest } from 'trowel/recursive';
 * const app = recursive()((request) => {
 *   const { pathname } = new URL(request.url);
 *   if (pathname === '/old') throw new ForwardRequest('/new');
 *   return new Response(`page ${pathname}`);
 * });
 * ```
 */
export function recursive(options: RecursiveOptions = {}): Middleware {
  const maxDepth = options.maxDepth ?? 10;
  if (!Number.isInteger(maxDepth) || maxDepth < 1 || maxDepth > 1000) {
    throw new ConfigError(
      'TROWEL_ERR_RECURSIVE_MAX_DEPTH',
      `recursive(): maxDepth must be an integer from 1 to 1000, got ${String(maxDepth)}`,
    );
  }
  return (next) => (client, base) => {
    const run = async (
      request: Request,
      ctx: Context,
      chain: readonly string[],
    ): Promise<Response> => {
      const go = async (
        target: string | Request,
        method: 'GET' | 'HEAD',
        status?: number,
      ): Promise<Response> => {
        const checked = checkStatus(status);
        const sub: Subrequest =
          typeof target === 'string'
            ? pathSubrequest(client, base, target, method)
            : requestSubrequest(client, base, target);
        const id = describe(sub.request);
        if (chain.includes(id)) throw new RecursionLoop([...chain, id], 'visited twice');
        if (chain.length > maxDepth) {
          throw new RecursionLoop([...chain, id], `deeper than ${maxDepth}`);
        }
        const response = await run(sub.request, sub.ctx, [...chain, id]);
        if (checked === undefined) return response;
        const { body, headers } = response;
        return new Response(body, { status: checked, headers });
      };
      const recursion: Recursion = {
        depth: chain.length - 1,
        original: client,
        forward: (target, forwardOptions) =>
          go(target, request.method === 'HEAD' ? 'HEAD' : 'GET', forwardOptions?.status),
        include: (target) => go(target, 'GET'),
      };
      try {
        return await next(request, ctx.set(RECURSIVE, recursion));
      } catch (error) {
        if (!isForwardRequest(error)) throw error;
        return recursion.forward(
          error.target,
          error.status === undefined ? {} : { status: error.status },
        );
      }
    };
    return run(client, base.derive({}), [describe(client)]);
  };
}

function describe(request: Request): string {
  const url = new URL(request.url);
  return `${request.method} ${url.pathname}${url.search}`;
}
