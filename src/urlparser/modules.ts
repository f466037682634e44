/**
 * Loading the modules `urlParser()` dispatches to: each is imported once, on the first request
 * that reaches it, and the result — the handler, or the failure — is kept for the parser's life.
 *
 * A module serves a request with the first of its `default`, `handler` and `app` exports that is a
 * handler: a function `(request, ctx) => Response`, or an object with a `fetch(request)` method
 * (a Hono app, for instance), which is handed the request with the mount prefix removed, as
 * Hono's own `mount()` would.
 */
import { pathToFileURL } from 'node:url';
import type { Handler, Middleware } from '../core/handler.ts';
import { prefixStripped } from '../core/mount.ts';

/** What a directory's `__init__` module may export, beside a handler for the whole directory. */
export interface DirectoryHooks {
  /** Serves the whole directory instead of the files in it (Paste's `application`). */
  readonly handler: Handler | undefined;
  /** Wraps every answer from the directory and below (Paste's `urlparser_wrap`). */
  readonly wrap: Middleware | undefined;
  /** Answers what is not found in the directory and below (Paste's `not_found_hook`). */
  readonly notFound: Handler | undefined;
}

/**
 * A module that loaded but exports nothing a request can be handed to; `urlParser()` reports it
 * through `onError` and answers 500.
 *
 * @example
 * ```ts
 * import { NotAHandlerError, urlParser } from 'trowel/urlparser';
 * const site = urlParser({
 *   root: './site',
 *   onError: (error) => {
 *     if (error instanceof NotAHandlerError) console.error(`fix this module: ${error.message}`);
 *   },
 * });
 * ```
 */
export class NotAHandlerError extends TypeError {
  override readonly name = 'NotAHandlerError';
}

const EXPORTS = ['default', 'handler', 'app'] as const;

/** The handler `value` stands for, if any. */
export function asHandler(value: unknown): Handler | undefined {
  if (typeof value === 'function') return value as Handler;
  if (typeof value === 'object' && value !== null && 'fetch' in value) {
    const { fetch } = value;
    if (typeof fetch === 'function') {
      return prefixStripped((request) => (fetch as (r: Request) => Response).call(value, request));
    }
  }
  return undefined;
}

function handlerOf(namespace: Readonly<Record<string, unknown>>): Handler | undefined {
  for (const name of EXPORTS) {
    const handler = asHandler(namespace[name]);
    if (handler !== undefined) return handler;
  }
  return undefined;
}

/** Imports modules by path, once each. */
export class ModuleCache {
  readonly #namespaces = new Map<string, Promise<Readonly<Record<string, unknown>>>>();

  #load(path: string): Promise<Readonly<Record<string, unknown>>> {
    let loading = this.#namespaces.get(path);
    if (loading === undefined) {
      loading = import(pathToFileURL(path).href) as Promise<Readonly<Record<string, unknown>>>;
      this.#namespaces.set(path, loading);
    }
    return loading;
  }

  /**
   * The handler module `path` exports.
   *
   * @throws what the import threw, or {@link NotAHandlerError}.
   */
  async handler(path: string): Promise<Handler> {
    const handler = handlerOf(await this.#load(path));
    if (handler === undefined) {
      throw new NotAHandlerError(
        `${path} exports no handler: export a function (request, ctx) => Response, or an object with fetch(), as default, handler or app`,
      );
    }
    return handler;
  }

  /**
   * The hooks of a directory module.
   *
   * @throws what the import threw, or {@link NotAHandlerError} for a `wrap` or `notFound` export
   * of the wrong kind.
   */
  async hooks(path: string): Promise<DirectoryHooks> {
    const namespace = await this.#load(path);
    const { wrap, notFound } = namespace;
    if (wrap !== undefined && typeof wrap !== 'function') {
      throw new NotAHandlerError(`${path}: "wrap" must be a middleware, (next) => handler`);
    }
    const notFoundHandler = notFound === undefined ? undefined : asHandler(notFound);
    if (notFound !== undefined && notFoundHandler === undefined) {
      throw new NotAHandlerError(`${path}: "notFound" must be a handler`);
    }
    return {
      handler: handlerOf(namespace),
      wrap: wrap as Middleware | undefined,
      notFound: notFoundHandler,
    };
  }
}
