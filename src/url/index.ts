/**
 * @module trowel/url
 *
 * `Url`: an immutable URL builder for links an application writes — join path segments, add, set
 * and remove query parameters — with helpers that render it as an escaped `<a>`, `<img>` or
 * one-button `<form>`. It replaces `paste.url` (`URL`, `Image`, `Button`; `JSPopup` is a link with
 * `target: '_blank'`).
 *
 * - Every method returns a new `Url`; the one it was called on never changes.
 * - `join()` takes segment *text* and encodes it, so `join(userName)` cannot add a query, a
 *   fragment or a `..` to the URL; `.` and `..` themselves are refused.
 * - Absolute (`https://x/a`), network-path (`//x/a`), absolute-path (`/a`) and relative-path (`a/b`)
 *   URLs stay what they are: `href` gives back the same kind.
 * - The HTML helpers escape every attribute value and text, refuse `javascript:`-style URLs (only
 *   http, https — and mailto and tel for links — or a relative URL) and event-handler attributes.
 *
 * When not to use it: to parse or resolve URLs in general, which the platform's `URL` does; for
 * HTML beyond a single element, which a template engine that escapes by default does.
 */
import type { Context } from '../core/context.ts';
import { requestUrl, type RequestUrlOptions } from '../core/url.ts';
import { anchor, buttonForm, img, type Attributes } from './html.ts';

export type { AttributeValue, Attributes } from './html.ts';

/** A query value: text, a number or a boolean; a list repeats the name; `null`/`undefined` none. */
export type QueryValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | readonly (string | number | bigint | boolean)[];

/** Query parameters: a record, a `URLSearchParams`, or `[name, value]` pairs. */
export type QueryParams =
  Readonly<Record<string, QueryValue>> | URLSearchParams | Iterable<readonly [string, string]>;

/** Options of {@link Url.button}. */
export interface ButtonOptions {
  /** The form's method. @default 'get' */
  readonly method?: 'get' | 'post';
}

type Kind = 'absolute' | 'network' | 'path' | 'relative';

const PLACEHOLDER = 'http://relative.invalid';
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * An immutable URL; see the module comment.
 *
 * @example
 * ```ts
 * import { Url } from 'trowel/url';
 * const next = new Url('https://example.com/search').join('books').withQuery({ q: 'tea', page: 2 });
 * next.href; // 'https://example.com/search/books?q=tea&page=2'
 * next.link('Next page', { class: 'pager' });
 * // '<a href="https://example.com/search/books?q=tea&amp;page=2" class="pager">Next page</a>'
 * ```
 */
export class Url {
  readonly #url: URL;
  readonly #kind: Kind;

  /** @throws {TypeError} for text that is no URL, or a relative path with `.` or `..` segments. */
  constructor(url: string | URL | Url) {
    const input: unknown = url instanceof Url || url instanceof URL ? url.href : url;
    if (typeof input !== 'string') throw new TypeError('a Url is made from a string or a URL');
    const text = input;
    if (SCHEME.test(text)) {
      this.#kind = 'absolute';
      this.#url = new URL(text);
    } else if (text.startsWith('//')) {
      this.#kind = 'network';
      this.#url = new URL(`http:${text}`);
    } else if (text.startsWith('/')) {
      this.#kind = 'path';
      this.#url = new URL(text, PLACEHOLDER);
    } else {
      const path = text.split(/[?#]/, 1)[0] ?? '';
      if (path.split('/').some((s) => s === '.' || s === '..' || /^%2e(%2e)?$/i.test(s))) {
        throw new TypeError(`a relative Url has no "." or ".." segments: ${JSON.stringify(text)}`);
      }
      this.#kind = 'relative';
      this.#url = new URL(text, `${PLACEHOLDER}/`);
    }
    Object.freeze(this);
  }

  /**
   * The URL of the current request (Paste's `URL.from_environ`), rebuilt from the context.
   *
   * @example
   * ```ts
   * import { Context } from 'trowel';
   * import { Url } from 'trowel/url';
   * const request = new Request('http://example.com/app/page?x=1');
   * const root = Url.fromRequest(request, new Context(request, { scriptName: '/app', pathInfo: '/page' }), {
   *   withPathInfo: false,
   *   withQuery: false,
   * }); // http://example.com/app
   * ```
   */
  static fromRequest(request: Request, ctx: Context, options: RequestUrlOptions = {}): Url {
    return new Url(requestUrl(request, ctx, options));
  }

  /** The URL as text, of the same kind it was made from. */
  get href(): string {
    const url = this.#url;
    switch (this.#kind) {
      case 'absolute':
        return url.href;
      case 'network':
        return url.href.slice('http:'.length);
      case 'path':
        return url.pathname + url.search + url.hash;
      case 'relative':
        return url.pathname.slice(1) + url.search + url.hash;
    }
  }

  /** The path, URL-encoded. */
  get pathname(): string {
    return this.#kind === 'relative' ? this.#url.pathname.slice(1) : this.#url.pathname;
  }

  /** The query string with its `?`, or `''`. */
  get search(): string {
    return this.#url.search;
  }

  /** A copy of the query parameters. */
  get searchParams(): URLSearchParams {
    return new URLSearchParams(this.#url.search);
  }

  /** The fragment with its `#`, or `''`. */
  get hash(): string {
    return this.#url.hash;
  }

  /**
   * This URL with path segments added (Paste's `url / 'path'`). Each argument is text, split on
   * `/`; empty segments are dropped, a trailing `/` on the last argument is kept.
   *
   * @throws {TypeError} for a `.` or `..` segment.
   */
  join(...parts: readonly string[]): Url {
    const segments = parts.flatMap((part) => part.split('/')).filter((s) => s !== '');
    for (const segment of segments) {
      if (segment === '.' || segment === '..') {
        throw new TypeError(`join() takes path segments, not ${JSON.stringify(segment)}`);
      }
    }
    if (segments.length === 0) return this;
    const trailing = parts.at(-1)?.endsWith('/') === true ? '/' : '';
    const base = this.pathname.replace(/\/+$/, '');
    const joined = segments.map(encodeSegment).join('/');
    const path = base === '' && this.#kind === 'relative' ? joined : `${base}/${joined}`;
    return this.#with({ path: path + trailing });
  }

  /** This URL with each named parameter set to the given value(s); `null`/`undefined` removes it. */
  withQuery(params: QueryParams): Url {
    const query = this.searchParams;
    for (const name of new Set(pairsOf(params).map(([n]) => n))) query.delete(name);
    for (const [name, value] of pairsOf(params)) if (value !== undefined) query.append(name, value);
    return this.#with({ query });
  }

  /** This URL with the parameters appended after those it has (Paste's `var()`). */
  addQuery(params: QueryParams): Url {
    const query = this.searchParams;
    for (const [name, value] of pairsOf(params)) if (value !== undefined) query.append(name, value);
    return this.#with({ query });
  }

  /** This URL without the named parameters; without names, without any query. */
  removeQuery(...names: readonly string[]): Url {
    const query = this.searchParams;
    if (names.length === 0) return this.#with({ query: new URLSearchParams() });
    for (const name of names) query.delete(name);
    return this.#with({ query });
  }

  /** This URL with another fragment (`''` for none); the text is encoded as needed. */
  withHash(fragment: string): Url {
    const url = new URL(this.#url.href);
    url.hash = fragment;
    return this.#rebuilt(url);
  }

  /**
   * `<a href="…">text</a>`, with `text` and every attribute escaped.
   *
   * @throws {TypeError} for a URL whose scheme is not http, https, mailto or tel, or a refused
   * attribute (see `html.ts`).
   */
  link(text: string, attributes: Attributes = {}): string {
    this.#assertScheme(['http:', 'https:', 'mailto:', 'tel:']);
    return anchor(this.href, text, attributes);
  }

  /**
   * `<img src="…" alt="…">`; `alt` is required, as the image's text for those who cannot see it.
   *
   * @throws {TypeError} for a URL whose scheme is not http or https, or a refused attribute.
   */
  image(alt: string, attributes: Attributes = {}): string {
    this.#assertScheme(['http:', 'https:']);
    return img(this.href, alt, attributes);
  }

  /**
   * A one-button form that goes to this URL: Paste's `Button`, without JavaScript. With GET (the
   * default) the query is sent as hidden fields; attributes go on the `<button>`.
   *
   * @throws {TypeError} for a URL whose scheme is not http or https, or a refused attribute.
   */
  button(text: string, attributes: Attributes = {}, options: ButtonOptions = {}): string {
    this.#assertScheme(['http:', 'https:']);
    const method: unknown = options.method ?? 'get';
    if (method !== 'get' && method !== 'post') {
      throw new TypeError(`a button's method is get or post, not ${String(method)}`);
    }
    return method === 'get'
      ? buttonForm(this.removeQuery().href, this.searchParams, method, text, attributes)
      : buttonForm(this.href, new URLSearchParams(), method, text, attributes);
  }

  /** {@link href}. */
  toString(): string {
    return this.href;
  }

  /** {@link href}, so that `JSON.stringify` writes the URL. */
  toJSON(): string {
    return this.href;
  }

  #with(change: { readonly path?: string; readonly query?: URLSearchParams }): Url {
    const url = new URL(this.#url.href);
    if (change.path !== undefined) {
      url.pathname = this.#kind === 'relative' ? `/${change.path}` : change.path;
    }
    if (change.query !== undefined) url.search = change.query.toString();
    return this.#rebuilt(url);
  }

  #rebuilt(url: URL): Url {
    switch (this.#kind) {
      case 'absolute':
        return new Url(url);
      case 'network':
        return new Url(url.href.slice('http:'.length));
      case 'path':
        return new Url(url.pathname + url.search + url.hash);
      case 'relative':
        return new Url(url.pathname.slice(1) + url.search + url.hash);
    }
  }

  #assertScheme(allowed: readonly string[]): void {
    if (this.#kind === 'absolute' && !allowed.includes(this.#url.protocol)) {
      throw new TypeError(`a ${this.#url.protocol} URL is not put into HTML`);
    }
  }
}

/** Encodes segment text: everything but unreserved characters, sub-delims, ":" and "@" (RFC 3986 §3.3). */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(3A|40|24|26|2B|2C|3B|3D)/g, (escape) =>
    decodeURIComponent(escape),
  );
}

function pairsOf(params: QueryParams): [string, string | undefined][] {
  const pairs: [string, string | undefined][] = [];
  if (params instanceof URLSearchParams || Symbol.iterator in params) {
    for (const [name, value] of params as Iterable<readonly [string, string]>) {
      pairs.push([name, value]);
    }
    return pairs;
  }
  for (const [name, value] of Object.entries(params)) {
    if (value === null || value === undefined) pairs.push([name, undefined]);
    else if (Array.isArray(value)) {
      for (const item of value as readonly unknown[]) pairs.push([name, text(name, item)]);
    } else pairs.push([name, text(name, value)]);
  }
  return pairs;
}

function text(name: string, value: unknown): string {
  if (
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'bigint' ||
    typeof value === 'boolean'
  ) {
    return String(value);
  }
  throw new TypeError(`query parameter ${name} must be text, a number or a boolean`);
}
