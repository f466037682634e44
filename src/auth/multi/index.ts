/**
 * Several authentication schemes on one site, chosen per request — Paste's `paste.auth.multi`
 * (`MultiHandler`). Browsers get a login form, scripts get HTTP Basic; `/api` takes tickets, the
 * rest takes cookies.
 *
 * `multiAuth(rules, { default })` tries each rule's predicate in order; the first that is true
 * picks its middleware, which then handles the request alone. When none matches, the `default`
 * middleware runs, or — with no default — the application itself, with no user. Each middleware
 * is wrapped around the application once, when the stack is built, not per request.
 *
 * Predicates see what the client sends, so the client chooses among the schemes: offer only
 * schemes that are each strong enough on their own, and put authorization (who may see what) in
 * the application or a later middleware, never in the choice of scheme. Paste's query-argument
 * predicate matched a substring (`x*authmeth=digestX` chose digest); {@link queryParam} compares
 * the decoded value exactly, and {@link pathStartsWith} matches whole path segments.
 *
 * When not to use it: for one scheme (use that middleware directly), or to try one scheme and
 * fall back to another when it fails — that is a chain of middleware, each of which lets a
 * request with `REMOTE_USER` already set pass.
 *
 * @module trowel/auth/multi
 */
import { ConfigError } from '../../core/config-error.ts';
import type { Handler, Middleware } from '../../core/handler.ts';
import type { AuthPredicate } from './predicates.ts';

export {
  acceptsHtml,
  hasHeader,
  pathStartsWith,
  queryParam,
  type AuthPredicate,
} from './predicates.ts';

/** One choice of {@link multiAuth}: when `predicate` is true, `middleware` handles the request. */
export type AuthRule = readonly [predicate: AuthPredicate, middleware: Middleware];

/** Options of {@link multiAuth}. */
export interface MultiAuthOptions {
  /** Handles requests no rule matched. @default none: the application runs without a user */
  readonly default?: Middleware;
}

function fail(message: string): never {
  throw new ConfigError('TROWEL_ERR_AUTH_MULTI_OPTIONS', `multiAuth(): ${message}`);
}

/**
 * Chooses an authentication middleware per request: the first rule whose predicate is true wins.
 *
 * @throws {ConfigError} `TROWEL_ERR_AUTH_MULTI_OPTIONS` when `rules` is not an array of
 * `[predicate, middleware]` pairs of functions, or `default` is not a function.
 * @example
 * ```ts
 * import { REMOTE_USER, type Handler, type Middleware } from 'trowel';
 * import { acceptsHtml, multiAuth, pathStartsWith } from 'trowel/auth/multi';
 *
 * declare const loginForm: Middleware;
 * declare const basic: Middleware;
 * declare const bearer: Middleware;
 * const app: Handler = (_request, ctx) => new Response(ctx.get(REMOTE_USER) ?? 'anonymous');
 * const site = multiAuth([[pathStartsWith('/api'), bearer], [acceptsHtml, loginForm]], {
 *   default: basic,
 * })(app);
 * ```
 */
export function multiAuth(rules: readonly AuthRule[], options: MultiAuthOptions = {}): Middleware {
  if (!Array.isArray(rules)) fail('rules must be an array of [predicate, middleware] pairs');
  const checked = rules.map((rule: unknown, index): AuthRule => {
    if (
      !Array.isArray(rule) ||
      rule.length !== 2 ||
      typeof rule[0] !== 'function' ||
      typeof rule[1] !== 'function'
    ) {
      fail(`rule ${String(index)} must be a [predicate, middleware] pair of functions`);
    }
    return [rule[0] as AuthPredicate, rule[1] as Middleware];
  });
  const fallback = (options as MultiAuthOptions | undefined)?.default;
  if (fallback !== undefined && typeof fallback !== 'function') {
    fail('default must be a middleware function');
  }
  return (next: Handler): Handler => {
    const handlers = checked.map(
      ([predicate, middleware]) => [predicate, middleware(next)] as const,
    );
    const otherwise = fallback === undefined ? next : fallback(next);
    return async (request, ctx) => {
      for (const [predicate, handler] of handlers) {
        if (await predicate(request, ctx)) return handler(request, ctx);
      }
      return otherwise(request, ctx);
    };
  };
}
