/**
 * `TestResponse`: a response as the test client received it, with its body already read, and the
 * helpers a test needs to look inside it (`text`, `json`, `html`, `forms`), to move on from it
 * (`follow()`, `click()`, `form.submit()`) and to assert on it (`mustContain()`).
 *
 * Parsed views are made on first use: a test that only checks the status never decodes the body
 * as text, never loads the HTML parser.
 */
import { AssertionError } from 'node:assert';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';
import type { CheerioAPI } from 'cheerio';
import { mediaTypeParam } from '../core/body.ts';
import { parseForms, type Form } from './forms.ts';
import { parseHtml } from './html.ts';
import {
  findButton,
  findLink,
  type ButtonQuery,
  type LinkQuery,
  type TextPattern,
} from './links.ts';
import {
  bodyExcerpt,
  describeExpectation,
  formatHeaders,
  reasonPhrase,
  type StatusExpectation,
} from './status.ts';
import type { RequestOptions } from './options.ts';
import type { TestApp } from './test-app.ts';

/** Options for {@link TestResponse.goto}: request options plus the method. */
export interface GotoOptions extends RequestOptions {
  /** @default 'GET' */
  readonly method?: string;
}

/**
 * One response received by {@link TestApp}.
 *
 * @example
 * ```ts
 * import { TestApp } from 'trowel/testing';
 * const html = '<a href="/next">Next page</a>';
 * const app = new TestApp(() => new Response(html, { headers: { 'content-type': 'text/html' } }));
 * const res = await app.get('/');
 * res.mustContain('Next page');
 * const next = await res.click('Next');
 * next.status; // 200
 * ```
 */
export class TestResponse {
  /** The client that made the request; `follow()` and `click()` go through it. */
  readonly app: TestApp;
  /** The request as sent (its body already consumed). */
  readonly request: Request;
  /** The request URL. */
  readonly url: string;
  readonly status: number;
  /** The reason phrase: the response's own, else the registered one. */
  readonly statusText: string;
  readonly headers: Headers;
  /** The body bytes as received, still content-coded. */
  readonly rawBody: Uint8Array;
  /** What the application left in the context's `TESTING_VARIABLES` map. */
  readonly testingVariables: ReadonlyMap<string, unknown>;

  readonly #options: RequestOptions;
  readonly #decoded: boolean;
  #body: Uint8Array | undefined;
  #text: string | undefined;
  #html: CheerioAPI | undefined;
  #forms: readonly Form[] | undefined;

  constructor(
    app: TestApp,
    request: Request,
    response: Response,
    rawBody: Uint8Array,
    options: RequestOptions,
    testingVariables: ReadonlyMap<string, unknown>,
  ) {
    this.app = app;
    this.request = request;
    this.url = request.url;
    this.status = response.status;
    this.statusText = reasonPhrase(response.status, response.statusText);
    this.headers = response.headers;
    this.rawBody = rawBody;
    this.testingVariables = testingVariables;
    this.#options = options;
    // fetch() has already undone the content coding of a live server's response.
    this.#decoded = app.live;
  }

  /** The `Content-Type` header, if any. */
  get contentType(): string | null {
    return this.headers.get('content-type');
  }

  /** The body bytes, with any `Content-Encoding` (gzip, deflate, br) undone. */
  get body(): Uint8Array {
    this.#body ??= this.#decoded
      ? this.rawBody
      : decodeContent(this.rawBody, this.headers.get('content-encoding'));
    return this.#body;
  }

  /** The body as text, in the charset the `Content-Type` names (UTF-8 by default). */
  get text(): string {
    this.#text ??= decodeText(this.body, this.contentType);
    return this.#text;
  }

  /**
   * The body parsed as JSON.
   *
   * @throws {TypeError} when the response is not `application/json` or `*+json`.
   */
  get json(): unknown {
    const type = this.contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
    if (!/^[a-z0-9!#$&^_.+-]+\/([a-z0-9!#$&^_.+-]*\+)?json$/.test(type)) {
      throw new TypeError(`response is ${this.contentType ?? 'untyped'}, not JSON`);
    }
    return JSON.parse(this.text) as unknown;
  }

  /**
   * The body parsed as HTML, as a cheerio document (`res.html('h1').text()`).
   *
   * @throws {TypeError} when the response is not HTML;
   * {@link ConfigError} `TROWEL_ERR_TESTING_NO_CHEERIO` when cheerio is not installed.
   */
  get html(): CheerioAPI {
    if (!/html/i.test(this.contentType ?? '')) {
      throw new TypeError(`response is ${this.contentType ?? 'untyped'}, not HTML`);
    }
    this.#html ??= parseHtml(this.text);
    return this.#html;
  }

  /** Every form on the page, in document order. */
  get forms(): readonly Form[] {
    this.#forms ??= parseForms(this.html, {
      baseUrl: this.#baseUrl(),
      goto: (href, options) => this.goto(href, options),
    });
    return this.#forms;
  }

  /**
   * The page's only form.
   *
   * @throws {TypeError} when the page has no form, or more than one (use {@link getForm}).
   */
  get form(): Form {
    const forms = this.forms;
    if (forms.length !== 1) {
      throw new TypeError(
        forms.length === 0
          ? 'the page has no form'
          : `the page has ${forms.length} forms: use getForm(index or id)`,
      );
    }
    return forms[0] as Form;
  }

  /**
   * The form at `index`, or the one whose `id` is the given string.
   *
   * @throws {Error} when there is no such form.
   */
  getForm(which: number | string): Form {
    const form =
      typeof which === 'number' ? this.forms[which] : this.forms.find((f) => f.id === which);
    if (!form) {
      const ids = this.forms.map((f, i) => f.id ?? String(i));
      throw new Error(
        `the page has no form ${JSON.stringify(which)}; forms: ${ids.join(', ') || '(none)'}`,
      );
    }
    return form;
  }

  /** The `Location` header resolved against the request URL, if any. */
  get location(): string | undefined {
    const location = this.headers.get('location');
    return location === null ? undefined : new URL(location, this.url).href;
  }

  /**
   * Follows this redirect: GET the `Location` (HEAD stays HEAD); a 307 or 308 repeats the method
   * and body. Cookies set by this response are already in the jar.
   *
   * @throws {AssertionError} when this is not a 3xx response with a `Location`.
   */
  follow(options: RequestOptions = {}): Promise<TestResponse> {
    const location = this.location;
    if (!this.#isRedirect() || location === undefined) {
      throw new AssertionError({
        message: `can only follow a redirect with a Location, not ${this.status} ${this.statusText} from ${this.url}`,
      });
    }
    const method = this.request.method;
    // RFC 9110 §15.4.8–9: 307 and 308 keep the method and body; the others become GET.
    if (this.status === 307 || this.status === 308) {
      const { params, uploadFiles, contentType } = this.#options;
      return this.app.request(method, location, {
        ...(params !== undefined && { params }),
        ...(uploadFiles !== undefined && { uploadFiles }),
        ...(contentType !== undefined && { contentType }),
        ...options,
      });
    }
    return this.app.request(method === 'HEAD' ? 'HEAD' : 'GET', location, options);
  }

  /**
   * Follows redirects until a response that is not one.
   *
   * @throws {AssertionError} after `app.maxRedirects` redirects: the chain looks infinite.
   */
  maybeFollow(options: RequestOptions = {}): Promise<TestResponse> {
    return this.#maybeFollow(options, 0);
  }

  async #maybeFollow(options: RequestOptions, count: number): Promise<TestResponse> {
    if (!this.#isRedirect()) return this;
    if (count >= this.app.maxRedirects) {
      throw new AssertionError({
        message: `redirect chain looks infinite: more than ${this.app.maxRedirects} redirects, last to ${String(this.location)}`,
      });
    }
    const next = await this.follow(options);
    return next.#maybeFollow(options, count + 1);
  }

  #isRedirect(): boolean {
    return this.status >= 300 && this.status < 400 && this.headers.has('location');
  }

  /**
   * Clicks the link that matches: its text (a string, RegExp or predicate), or a
   * {@link LinkQuery}. Sends a GET with this page as `Referer`.
   *
   * @throws {Error} when no link or several match (the message lists the page's links).
   */
  click(query: TextPattern | LinkQuery, options?: RequestOptions): Promise<TestResponse> {
    const q: LinkQuery = isQuery(query) ? query : { description: query };
    return this.goto(new URL(findLink(this.html, q), this.#baseUrl()).href, options);
  }

  /** Clicks the button whose `onclick` sets `location` to a URL; see {@link click}. */
  clickbutton(query: TextPattern | ButtonQuery, options?: RequestOptions): Promise<TestResponse> {
    const q: ButtonQuery = isQuery(query) ? query : { description: query };
    return this.goto(new URL(findButton(this.html, q), this.#baseUrl()).href, options);
  }

  /** Requests `href` (relative to this response's URL) with this page as `Referer`. */
  goto(href: string, options: GotoOptions = {}): Promise<TestResponse> {
    const { method = 'GET', ...rest } = options;
    const headers = new Headers(rest.headers);
    // The request URL has no fragment and no userinfo, as RFC 9110 §10.1.3 wants of a Referer.
    if (!headers.has('referer')) headers.set('referer', this.url);
    return this.app.request(method, new URL(href, this.url), { ...rest, headers });
  }

  /** True when the body contains `s`, as written or with whitespace collapsed. */
  contains(s: string | RegExp): boolean {
    const text = this.text;
    if (s instanceof RegExp) return text.search(s) !== -1;
    return text.includes(s) || text.replace(/\s+/g, ' ').includes(s.replace(/\s+/g, ' '));
  }

  /**
   * Asserts that the body contains every one of `strings`. Returns the response, for chaining.
   *
   * @throws {AssertionError} naming the strings that are missing, with a body excerpt.
   */
  mustContain(...strings: readonly (string | RegExp)[]): this {
    const missing = strings.filter((s) => !this.contains(s));
    if (missing.length > 0) {
      throw new AssertionError({
        message: `body of ${this.url} does not contain ${missing
          .map(String)
          .map((s) => JSON.stringify(s))
          .join(', ')}\n\n${this.#excerpt()}`,
      });
    }
    return this;
  }

  /**
   * Asserts that the body contains none of `strings`.
   *
   * @throws {AssertionError} naming the strings that are present.
   */
  mustNotContain(...strings: readonly (string | RegExp)[]): this {
    const present = strings.filter((s) => this.contains(s));
    if (present.length > 0) {
      throw new AssertionError({
        message: `body of ${this.url} contains ${present
          .map(String)
          .map((s) => JSON.stringify(s))
          .join(', ')}\n\n${this.#excerpt()}`,
      });
    }
    return this;
  }

  /** The message of a failed status expectation: request, status line, headers, body excerpt. */
  failureMessage(expected: StatusExpectation | undefined): string {
    return `Bad response: ${this.status} ${this.statusText} (expected ${describeExpectation(expected)}) for ${this.request.method} ${this.url}\n${formatHeaders(this.headers)}\n\n${this.#excerpt()}`;
  }

  /** `Response: 200 OK`, the headers (sorted, without Content-Length), then the body's non-blank lines. */
  toString(): string {
    const headers = [...this.headers]
      .filter(([name]) => name !== 'content-length')
      .map(([name, value]) => `${name.replace(/(^|-)[a-z]/g, (c) => c.toUpperCase())}: ${value}`)
      .sort();
    const body = this.text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .join('\n');
    return [`Response: ${this.status} ${this.statusText}`, ...headers, '', body].join('\n');
  }

  #excerpt(): string {
    return bodyExcerpt(this.body, this.contentType);
  }

  #baseUrl(): string {
    const base = this.html('base[href]').attr('href');
    return base === undefined ? this.url : new URL(base, this.url).href;
  }
}

function isQuery<Q extends object>(query: TextPattern | Q): query is Q {
  return typeof query === 'object' && !(query instanceof RegExp);
}

/** Undoes `Content-Encoding` codings, last applied first; an unknown coding leaves the bytes. */
export function decodeContent(bytes: Uint8Array, encoding: string | null): Uint8Array {
  if (encoding === null || bytes.length === 0) return bytes;
  let out = bytes;
  const codings = encoding
    .toLowerCase()
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '' && c !== 'identity');
  for (const coding of codings.reverse()) {
    if (coding === 'gzip' || coding === 'x-gzip') out = gunzipSync(out);
    else if (coding === 'br') out = brotliDecompressSync(out);
    else if (coding === 'deflate') {
      // RFC 9110 §8.4.1.2: "deflate" is the zlib format, but some servers send raw deflate.
      try {
        out = inflateSync(out);
      } catch {
        out = inflateRawSync(out);
      }
    } else return bytes;
  }
  return out;
}

// Decoders by Content-Type value. A suite sees few distinct values, and parsing the media type and
// building a decoder cost more than decoding a typical body; decode() without `stream` keeps no
// state from one call to the next, so a decoder can be shared.
const UTF8 = new TextDecoder('utf-8');
const decoders = new Map<string, TextDecoder>();

function decodeText(bytes: Uint8Array, contentType: string | null): string {
  if (contentType === null) return UTF8.decode(bytes);
  let decoder = decoders.get(contentType);
  if (decoder === undefined) {
    const charset = mediaTypeParam(contentType, 'charset');
    try {
      decoder = charset === undefined ? UTF8 : new TextDecoder(charset);
    } catch {
      // An unknown charset label: read it as UTF-8 rather than fail the test on a header typo.
      decoder = UTF8;
    }
    if (decoders.size >= 64) decoders.clear();
    decoders.set(contentType, decoder);
  }
  return decoder.decode(bytes);
}
