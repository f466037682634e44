/**
 * The per-request record that lets nested `lint()` layers find leaked response bodies
 * deterministically, without a garbage-collection hook (the analogue of paste.lint's "iterator
 * never closed" check).
 *
 * The outermost `lint()` of a request puts a {@link Scope} in the context under a private key;
 * every `lint()` nested inside it registers the response bodies it hands out. When the outermost
 * response is complete — its body read to the end, or returned without one — every registered body
 * that is neither read to the end nor cancelled has leaked: the middleware in between dropped it
 * (with `fetch()`, such a body holds its connection until garbage collection). A body that outlives
 * its request cannot be consumed by anyone any more, so the check has no false alarm to wait for.
 */
import type { Context } from '../core/context.ts';
import { createKey } from '../core/context.ts';
import type { LintError } from './report.ts';

/** One response body a nested lint handed out. */
export interface Tracked {
  /** True while the body is neither read to the end, cancelled nor errored. */
  isOpen(): boolean;
  /** Reports the leak; returns the error strict mode asks to throw. */
  leak(canThrow: boolean): LintError | undefined;
}

/** The bodies nested lint layers handed out during one request. */
export class Scope {
  readonly #bodies: Tracked[] = [];

  /** Registers a body handed out inside this request. */
  add(body: Tracked): void {
    this.#bodies.push(body);
  }

  /**
   * Reports every registered body that is still open. Returns the first error strict mode asks
   * to throw; with `canThrow: false` nothing is to be thrown and findings are only reported.
   */
  check(canThrow: boolean): LintError | undefined {
    let first: LintError | undefined;
    for (const body of this.#bodies) {
      if (body.isOpen()) first ??= body.leak(canThrow);
    }
    this.#bodies.length = 0;
    return first;
  }
}

const SCOPE = createKey<Scope>('trowel.lint.scope');

/** The scope an enclosing lint opened for this request, if any. */
export function enclosingScope(ctx: Context): Scope | undefined {
  return ctx.get(SCOPE);
}

/** Opens a scope on `ctx` for this request. */
export function openScope(ctx: Context): Scope {
  const scope = new Scope();
  ctx.set(SCOPE, scope);
  return scope;
}

/** Takes the scope {@link openScope} put on `ctx` off again. */
export function closeScope(ctx: Context): void {
  ctx.delete(SCOPE);
}
