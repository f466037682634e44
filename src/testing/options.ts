/**
 * The options of the test client, and the context keys it sets for the application: what a
 * request, and a `TestApp`, can be told.
 */
import { createKey, type Context, type Key } from '../core/context.ts';
import type { LintOptions } from '../lint/index.ts';
import type { CookieJar } from './cookie-jar.ts';
import type { Params, UploadFile } from './request-body.ts';
import type { StatusExpectation } from './status.ts';

/**
 * Set to `true` in the context of every request the test client makes (Paste's `paste.testing`).
 *
 * @example
 * ```ts
 * import type { Handler } from 'trowel';
 * import { TESTING } from 'trowel/testing';
 * const app: Handler = (_req, ctx) => new Response(ctx.get(TESTING) === true ? 'under test' : 'live');
 * ```
 */
export const TESTING: Key<boolean> = createKey<boolean>('trowel.testing', false);

/**
 * A fresh map per request in which the application can leave values for the test to inspect as
 * `res.testingVariables` (Paste's `paste.testing_variables`).
 *
 * @example
 * ```ts
 * import { TestApp, TESTING_VARIABLES } from 'trowel/testing';
 * const app = new TestApp((_req, ctx) => {
 *   ctx.get(TESTING_VARIABLES)?.set('template', 'home.html');
 *   return new Response('home');
 * });
 * (await app.get('/')).testingVariables.get('template'); // 'home.html'
 * ```
 */
export const TESTING_VARIABLES: Key<Map<string, unknown>> = createKey<Map<string, unknown>>(
  'trowel.testing.variables',
);

/** Context fields a test may set; scheme and host come from the request URL. */
export interface ExtraContext {
  /** The mount prefix; the request path must start with it. @default '' */
  readonly scriptName?: string;
  /** @default '127.0.0.1' */
  readonly remoteAddr?: string;
  /** @default 0 */
  readonly remotePort?: number;
  /** @default never fires */
  readonly signal?: AbortSignal;
}

/** Options for one request. */
export interface RequestOptions {
  /** Query parameters for GET and HEAD, the body for other methods. @default none */
  readonly params?: Params;
  /** Extra request headers; these win over the app's defaults and the cookie jar. @default none */
  readonly headers?: HeadersInit;
  /** The status expected; anything else fails the call. @default 2xx or 3xx */
  readonly status?: StatusExpectation;
  /** Files to send as `multipart/form-data`. @default none */
  readonly uploadFiles?: readonly UploadFile[];
  /** The body's `Content-Type`; a `multipart/` type forces multipart encoding. @default by body */
  readonly contentType?: string;
  /** Adds `X-Requested-With: XMLHttpRequest`. @default false */
  readonly xhr?: boolean;
  /** Context fields for this request, over the app's. @default the app's */
  readonly extraContext?: ExtraContext;
  /** Called with each request's context after the app's own callback, to set typed keys. */
  readonly context?: (ctx: Context) => void;
}

/** Options for `new TestApp()`. */
export interface TestAppOptions {
  /**
   * Wrap the handler in `lint()`: `true` for strict mode (an error-severity finding fails the
   * request), `false` for none, or lint's own options. In-process only. @default true
   */
  readonly lint?: boolean | LintOptions;
  /** The origin (and path prefix, for a live server) that relative URLs resolve against. @default 'http://localhost' */
  readonly baseUrl?: string;
  /** Headers sent with every request. @default none */
  readonly headers?: HeadersInit;
  /** Context fields for every request. @default remoteAddr '127.0.0.1' */
  readonly extraContext?: ExtraContext;
  /** Called with every request's context, to set typed keys. @default none */
  readonly context?: (ctx: Context) => void;
  /** The directory that uploads without content are read from. @default process.cwd() */
  readonly relativeTo?: string;
  /** How many redirects `maybeFollow()` follows before calling the chain infinite. @default 20 */
  readonly maxRedirects?: number;
  /** The cookie jar to use (to share one between apps). @default a new jar */
  readonly cookieJar?: CookieJar;
}

/** `Authorization` credentials: `['Basic', user, password]` or `['Bearer', token]`. */
export type Credentials = readonly ['Basic', string, string] | readonly ['Bearer', string];
