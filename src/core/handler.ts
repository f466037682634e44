/**
 * The interface every trowel component speaks: a {@link Handler} turns a `Request` (plus its
 * {@link Context}) into a `Response`; a {@link Middleware} wraps a handler in another.
 */
import { Context } from './context.ts';

/**
 * An application: Paste's WSGI app, in Fetch terms. Any plain `(request) => Response` function —
 * Hono's `app.fetch`, an itty-router, a Remix handler — is a valid Handler.
 */
export type Handler = (request: Request, ctx: Context) => Response | Promise<Response>;

/** A filter: takes the next handler and returns one that runs around it. */
export type Middleware = (next: Handler) => Handler;

/**
 * Chains middleware: `compose(a, b)(app)` is `a(b(app))`, so `a` sees the request first and the
 * response last.
 *
 * @example
 * ```ts
 * import { compose, type Middleware } from 'trowel';
 * const tag = (name: string): Middleware => (next) => async (req, ctx) => {
 *   const res = await next(req, ctx);
 *   res.headers.append('x-order', name);
 *   return res;
 * };
 * const app = compose(tag('outer'), tag('inner'))(() => new Response('hi'));
 * ```
 */
export function compose(...middleware: readonly Middleware[]): Middleware {
  return (app) => middleware.reduceRight<Handler>((next, mw) => mw(next), app);
}

/**
 * Adapts a Handler to the plain Fetch signature `(request) => Promise<Response>` used by runtimes
 * and other frameworks, building a fresh root {@link Context} from the request URL.
 */
export function toFetch(handler: Handler): (request: Request) => Promise<Response> {
  return async (request) => handler(request, new Context(request, { signal: request.signal }));
}
