/**
 * `TestApp`: WebTest's test client for any {@link Handler}, in process and with no socket, or
 * against a live server at a base URL with the same test code.
 *
 * Each request is a real Fetch `Request` handed to the handler with a fresh {@link Context}
 * (`remoteAddr` 127.0.0.1, scheme and host from the URL), wrapped in `lint()` unless turned off.
 * The response body is read in full, cookies go into an RFC 6265 jar that the next request (and
 * every redirect) sends back, and a status other than 2xx/3xx fails the call with an
 * {@link AppError} that shows the response, unless the call said what status it expects.
 */
import { Context } from '../core/context.ts';
import { ConfigError } from '../core/config-error.ts';
import type { Handler } from '../core/handler.ts';
import type { BodyChecker } from '../lint/body.ts';
import { lintForReader, type LintedResponse } from '../lint/exchange.ts';
import { CookieJar, type SetCookieOptions } from './cookie-jar.ts';
import {
  TESTING,
  TESTING_VARIABLES,
  type Credentials,
  type RequestOptions,
  type TestAppOptions,
} from './options.ts';
import { appendQuery, encodeBody, type EncodedBody } from './request-body.ts';
import { AppError, statusMatches, validateExpectation } from './status.ts';
import { TestResponse } from './test-response.ts';

const EMPTY = new Uint8Array(0);
const NO_VARIABLES: ReadonlyMap<string, unknown> = new Map();

/**
 * A test client for a handler (in process) or a base URL (over HTTP).
 *
 * @example
 * ```ts
 * import { TestApp } from 'trowel/testing';
 * const app = new TestApp((req) => Response.json({ path: new URL(req.url).pathname }));
 * const res = await app.get('/hello', { params: { q: 'x' } });
 * res.json; // { path: '/hello' }
 * await app.get('/missing', { status: 404 }).catch(() => 'fails: the handler answered 200');
 * ```
 */
export class TestApp {
  /** The cookie jar, shared by every request of this app. */
  readonly cookieJar: CookieJar;
  /** The origin relative URLs resolve against. */
  readonly baseUrl: URL;
  /** How many redirects `maybeFollow()` follows. */
  readonly maxRedirects: number;

  readonly #handler: Handler | undefined;
  /** The handler under lint; this client reads each response body through lint's checks. */
  readonly #linted: ((request: Request, ctx: Context) => Promise<LintedResponse>) | undefined;
  readonly #live: boolean;
  readonly #options: TestAppOptions;
  readonly #relativeTo: string;
  #authorization: string | undefined;
  readonly #resolved = new Map<string, string>();
  #resolvedBase = '';

  /**
   * @param app a handler, or the `http(s)://` URL of a running server.
   * @throws {ConfigError} `TROWEL_ERR_TESTING_APP` for anything else, `TROWEL_ERR_TESTING_OPTIONS`
   * for a bad option.
   */
  constructor(app: Handler | string | URL, options: TestAppOptions = {}) {
    this.#options = options;
    this.cookieJar = options.cookieJar ?? new CookieJar();
    this.#relativeTo = options.relativeTo ?? process.cwd();
    this.maxRedirects = options.maxRedirects ?? 20;
    if (!Number.isSafeInteger(this.maxRedirects) || this.maxRedirects < 0) {
      throw new ConfigError(
        'TROWEL_ERR_TESTING_OPTIONS',
        'TestApp: maxRedirects must be a non-negative integer',
      );
    }
    if (typeof app === 'function') {
      this.#live = false;
      this.baseUrl = httpUrl(options.baseUrl ?? 'http://localhost', 'baseUrl');
      const lint = options.lint ?? true;
      this.#handler = app;
      // This client reads every body to the end, so lint need not put a stream around it.
      this.#linted = lint === false ? undefined : lintForReader(lint === true ? {} : lint)(app);
    } else if (typeof (app as unknown) === 'string' || (app as unknown) instanceof URL) {
      this.#live = true;
      this.baseUrl = httpUrl(String(app), 'the app URL');
      this.#handler = undefined;
      this.#linted = undefined;
      if (options.context || options.extraContext) {
        throw new ConfigError(
          'TROWEL_ERR_TESTING_OPTIONS',
          'TestApp: context and extraContext cannot reach a live server; they apply to in-process handlers',
        );
      }
    } else {
      throw new ConfigError(
        'TROWEL_ERR_TESTING_APP',
        `TestApp: expected a handler or an http(s) URL, got ${typeof app}`,
      );
    }
    const problem = scriptNameProblem(options.extraContext?.scriptName);
    if (problem) throw new ConfigError('TROWEL_ERR_TESTING_OPTIONS', `TestApp: ${problem}`);
  }

  /** True when requests go over HTTP to a running server. */
  get live(): boolean {
    return this.#live;
  }

  /**
   * Sets (or with `undefined`, removes) the `Authorization` header sent with every request.
   *
   * @throws {TypeError} for a Basic user name with a colon, or an unknown scheme.
   */
  setAuthorization(credentials: Credentials | undefined): void {
    const scheme: string | undefined = credentials?.[0];
    if (credentials === undefined) {
      this.#authorization = undefined;
    } else if (credentials[0] === 'Basic') {
      const [, user, password] = credentials;
      // RFC 7617 §2: the user-id cannot contain a colon; UTF-8 is the only charset allowed.
      if (user.includes(':'))
        throw new TypeError('Basic credentials: the user name cannot contain ":"');
      this.#authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
    } else if (scheme === 'Bearer') {
      this.#authorization = `Bearer ${credentials[1]}`;
    } else {
      throw new TypeError(`unsupported authorization scheme ${JSON.stringify(scheme)}`);
    }
  }

  /** The `Authorization` header value sent with every request, if any. */
  get authorization(): string | undefined {
    return this.#authorization;
  }

  /** Sends a GET; `params` go in the query. */
  get(url: string | URL, options?: RequestOptions): Promise<TestResponse> {
    return this.request('GET', url, options);
  }

  /** Sends a HEAD; `params` go in the query. */
  head(url: string | URL, options?: RequestOptions): Promise<TestResponse> {
    return this.request('HEAD', url, options);
  }

  /** Sends an OPTIONS request. */
  options(url: string | URL, options?: RequestOptions): Promise<TestResponse> {
    return this.request('OPTIONS', url, options);
  }

  /** Sends a POST; `params` and `uploadFiles` make the body. */
  post(url: string | URL, options?: RequestOptions): Promise<TestResponse> {
    return this.request('POST', url, options);
  }

  /** Sends a PUT. */
  put(url: string | URL, options?: RequestOptions): Promise<TestResponse> {
    return this.request('PUT', url, options);
  }

  /** Sends a PATCH. */
  patch(url: string | URL, options?: RequestOptions): Promise<TestResponse> {
    return this.request('PATCH', url, options);
  }

  /** Sends a DELETE; `params` make the body. */
  delete(url: string | URL, options?: RequestOptions): Promise<TestResponse> {
    return this.request('DELETE', url, options);
  }

  /** POSTs `value` as JSON (`Content-Type: application/json` unless `contentType` says otherwise). */
  postJson(
    url: string | URL,
    value: unknown,
    options?: Omit<RequestOptions, 'params'>,
  ): Promise<TestResponse> {
    return this.#json('POST', url, value, options);
  }

  /** PUTs `value` as JSON. */
  putJson(
    url: string | URL,
    value: unknown,
    options?: Omit<RequestOptions, 'params'>,
  ): Promise<TestResponse> {
    return this.#json('PUT', url, value, options);
  }

  /** PATCHes `value` as JSON. */
  patchJson(
    url: string | URL,
    value: unknown,
    options?: Omit<RequestOptions, 'params'>,
  ): Promise<TestResponse> {
    return this.#json('PATCH', url, value, options);
  }

  /** DELETEs with `value` as a JSON body. */
  deleteJson(
    url: string | URL,
    value: unknown,
    options?: Omit<RequestOptions, 'params'>,
  ): Promise<TestResponse> {
    return this.#json('DELETE', url, value, options);
  }

  async #json(
    method: string,
    url: string | URL,
    value: unknown,
    options: Omit<RequestOptions, 'params'> = {},
  ): Promise<TestResponse> {
    // JSON.stringify gives undefined for undefined, a function or a symbol.
    const params = JSON.stringify(value) as string | undefined;
    if (params === undefined) throw new TypeError(`cannot send ${typeof value} as JSON`);
    return this.request(method, url, { contentType: 'application/json', ...options, params });
  }

  /** Stores a cookie as if the server at `url` (default: the base URL) had set it. */
  setCookie(
    name: string,
    value: string,
    options: SetCookieOptions & { readonly url?: string } = {},
  ): void {
    this.cookieJar.set(this.#resolve(options.url ?? '/'), name, value, options);
  }

  /** The value of cookie `name` that a request to `url` (default: the base URL) would send. */
  getCookie(name: string, url?: string): string | undefined {
    return this.cookieJar.get(this.#resolve(url ?? '/'), name);
  }

  /** Every unexpired cookie in the jar, name → value (the last stored wins for a repeated name). */
  get cookies(): ReadonlyMap<string, string> {
    return new Map(this.cookieJar.all().map((c) => [c.name, c.value]));
  }

  /** Empties the cookie jar. */
  resetCookies(): void {
    this.cookieJar.clear();
  }

  /**
   * Sends a request with any method and checks its status.
   *
   * @throws {AppError} when the status does not meet `options.status` (default: 2xx or 3xx).
   */
  async request(
    method: string,
    target: string | URL,
    options: RequestOptions = {},
  ): Promise<TestResponse> {
    if (options.status !== undefined) validateExpectation(options.status);
    const verb = method.toUpperCase();
    const url = this.#resolve(target);
    let body: EncodedBody | undefined;
    if (verb === 'GET' || verb === 'HEAD') {
      if (options.params !== undefined) appendQuery(url, options.params);
      if (options.uploadFiles?.length) throw new TypeError(`${verb} cannot carry uploadFiles`);
    } else if (
      options.params !== undefined ||
      options.uploadFiles !== undefined ||
      options.contentType !== undefined
    ) {
      body = await encodeBody(
        options.params,
        options.uploadFiles,
        options.contentType,
        this.#relativeTo,
      );
    }
    const init: RequestInit = { method: verb };
    const headers = this.#headers(url, options, body);
    if (headers) init.headers = headers;
    // A caller's Uint8Array may view a SharedArrayBuffer in its type only; fetch copies it anyway.
    if (body?.body !== undefined) init.body = body.body as BodyInit;
    let response: unknown;
    let request: Request;
    let variables: ReadonlyMap<string, unknown> = NO_VARIABLES;
    let checker: BodyChecker | undefined;
    if (this.#live) {
      init.redirect = 'manual';
      request = new Request(url, init);
      response = await fetch(request);
    } else {
      // Converting a RequestInit costs a fifth of building the Request: a bare GET goes without.
      request =
        verb === 'GET' && init.headers === undefined ? new Request(url) : new Request(url, init);
      const ctx = this.#context(request, url, options);
      variables = ctx.require(TESTING_VARIABLES);
      if (this.#linted) {
        const linted = await this.#linted(request, ctx);
        response = linted.response;
        checker = linted.body;
      } else {
        response = await (this.#handler as Handler)(request, ctx);
      }
      if (!(response instanceof Response)) {
        throw new AppError(
          `${verb} ${url.href}: the handler returned ${describeValue(response)}, not a Response`,
        );
      }
    }
    const res = response as Response;
    const bytes = res.body === null ? EMPTY : await readAll(res.body, url, checker);
    const setCookies = res.headers.getSetCookie();
    if (setCookies.length > 0) this.cookieJar.store(url, setCookies);
    const result = new TestResponse(this, request, res, bytes, options, variables);
    if (!statusMatches(options.status, res.status, res.statusText)) {
      throw new AppError(result.failureMessage(options.status), res.status);
    }
    return result;
  }

  #resolve(target: string | URL): URL {
    if (target instanceof URL) return withoutFragment(new URL(target));
    // Resolving a relative reference costs three times parsing an absolute URL, and a suite
    // sends the same few paths over and over: remember what each resolved to, for this base.
    const base = this.baseUrl.href;
    if (base !== this.#resolvedBase) {
      this.#resolved.clear();
      this.#resolvedBase = base;
    }
    const href = this.#resolved.get(target);
    if (href !== undefined) return new URL(href);
    let url: URL;
    if (
      this.#live &&
      target.startsWith('/') &&
      !target.startsWith('//') &&
      this.baseUrl.pathname !== '/'
    ) {
      // A live server mounted under a path: '/x' means '<prefix>/x'.
      url = new URL(this.baseUrl.pathname.replace(/\/$/, '') + target, this.baseUrl);
    } else {
      url = new URL(target, this.baseUrl);
    }
    withoutFragment(url);
    if (this.#resolved.size >= 256) this.#resolved.clear();
    this.#resolved.set(target, url.href);
    return url;
  }

  #headers(url: URL, options: RequestOptions, body: EncodedBody | undefined): Headers | undefined {
    const cookie = this.cookieJar.header(url);
    const defaults = this.#options.headers;
    if (
      !defaults &&
      !options.headers &&
      !cookie &&
      !body?.contentType &&
      !options.xhr &&
      !this.#authorization
    ) {
      return undefined;
    }
    const headers = new Headers(defaults);
    if (this.#authorization !== undefined) headers.set('authorization', this.#authorization);
    if (options.headers) {
      new Headers(options.headers).forEach((value, name) => {
        headers.set(name, value);
      });
    }
    // A Cookie header given by the test is sent as is; the jar does not add to it (as in WebTest).
    if (cookie !== undefined && !headers.has('cookie')) headers.set('cookie', cookie);
    if (body?.contentType !== undefined && !headers.has('content-type'))
      headers.set('content-type', body.contentType);
    if (options.xhr === true) headers.set('x-requested-with', 'XMLHttpRequest');
    return headers;
  }

  #context(request: Request, url: URL, options: RequestOptions): Context {
    const extra = options.extraContext ?? this.#options.extraContext;
    const base = this.#options.extraContext;
    const scriptName = extra?.scriptName ?? base?.scriptName ?? '';
    const problem = scriptNameProblem(options.extraContext?.scriptName);
    if (problem) throw new TypeError(problem);
    const path = url.pathname;
    if (scriptName !== '' && !(path === scriptName || path.startsWith(`${scriptName}/`))) {
      throw new TypeError(`request path ${path} is not under the scriptName ${scriptName}`);
    }
    const remotePort = extra?.remotePort ?? base?.remotePort;
    const signal = extra?.signal ?? base?.signal;
    const ctx = new Context(request, {
      scriptName,
      pathInfo: path.slice(scriptName.length),
      remoteAddr: extra?.remoteAddr ?? base?.remoteAddr ?? '127.0.0.1',
      scheme: url.protocol.slice(0, -1),
      host: url.host,
      ...(remotePort !== undefined && { remotePort }),
      ...(signal !== undefined && { signal }),
    });
    ctx.set(TESTING, true).set(TESTING_VARIABLES, new Map());
    this.#options.context?.(ctx);
    options.context?.(ctx);
    return ctx;
  }
}

const ignore = (): void => undefined;

// A reader loop is cheaper than arrayBuffer(), and returns a lone chunk without copying it. Under
// lint every chunk goes through lint's body checks, in the order lint's own stream would run them.
async function readAll(
  body: ReadableStream<unknown>,
  url: URL,
  checker: BodyChecker | undefined,
): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    let read: ReadableStreamReadResult<unknown>;
    try {
      read = await reader.read();
    } catch (error) {
      checker?.errored();
      throw error;
    }
    if (read.done) {
      const error = checker?.done();
      if (error) throw error;
      break;
    }
    const value = read.value;
    const error = checker?.chunk(value);
    if (error) {
      reader.cancel(error).catch(ignore);
      throw error;
    }
    if (!(value instanceof Uint8Array)) {
      checker?.cancelled();
      await reader.cancel();
      throw new AppError(
        `${url.href}: the response body yielded ${describeValue(value)}, not bytes`,
      );
    }
    chunks.push(value);
    length += value.byteLength;
  }
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Drops the fragment, which never reaches the server (RFC 9110 §4.2.4). */
function withoutFragment(url: URL): URL {
  if (url.hash !== '') url.hash = '';
  return url;
}

function httpUrl(value: string, what: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'http:' && url?.protocol !== 'https:') {
    throw new ConfigError(
      'TROWEL_ERR_TESTING_APP',
      `TestApp: ${what} must be an absolute http(s) URL, got ${JSON.stringify(value)}`,
    );
  }
  return url;
}

function scriptNameProblem(scriptName: string | undefined): string | undefined {
  if (scriptName === undefined || scriptName === '') return undefined;
  if (scriptName.startsWith('/') && !scriptName.endsWith('/')) return undefined;
  return `scriptName must be '' or start with "/" and not end with one, got ${JSON.stringify(scriptName)}`;
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an object (${value.constructor.name})`;
  return typeof value;
}
