/**
 * What a caller hands a handler: the `Request` and the `Context` beside it (paste.lint's
 * `check_environ`, in Fetch terms).
 *
 * The platform already refuses much of what paste.lint checked in the environ, so no rule here
 * repeats it: `new Request()` throws for a relative URL, a method that is not a token (and for
 * CONNECT, TRACE and TRACK), a body on GET or HEAD, a header name that is not a token, and a header
 * value with CR, LF or NUL — so obs-fold cannot occur either. What it lets through is checked here.
 */
import { hasControl } from '../core/header-syntax.ts';
import type { Issue } from './catalogue.ts';

/** True for a Fetch `Request`, also one made by another copy of undici. */
export function isRequest(value: unknown): value is Request {
  return value instanceof Request || Object.prototype.toString.call(value) === '[object Request]';
}

/** The fields lint reads from a context; a `Context` from another copy of trowel has them too. */
export interface ContextFields {
  readonly scriptName: string;
  readonly pathInfo: string;
  readonly remoteAddr: string;
  readonly scheme: string;
}

/** True when `value` looks like a trowel `Context` (from this copy or another one). */
export function isContext(value: unknown): value is ContextFields {
  if (typeof value !== 'object' || value === null) return false;
  const ctx = value as Record<string, unknown>;
  return (
    typeof ctx['scriptName'] === 'string' &&
    typeof ctx['pathInfo'] === 'string' &&
    typeof ctx['remoteAddr'] === 'string' &&
    typeof ctx['scheme'] === 'string' &&
    typeof ctx['get'] === 'function' &&
    typeof ctx['set'] === 'function'
  );
}

/** `what` as a short, safe description for a message. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return Object.prototype.toString.call(value).slice(8, -1);
}

const DIGITS = /^\d+$/;

/** Whether `value` is a valid `Content-Length`: digits only, so no list, sign or space. */
export function isContentLength(value: string): boolean {
  return DIGITS.test(value);
}

function hostIssue(url: URL, host: string): Issue | undefined {
  let named: string;
  try {
    const parsed = new URL(`${url.protocol}//${host}/`);
    // A Host value with userinfo or a path is not a uri-host [ ":" port ] (RFC 9110 §7.2).
    named = parsed.username === '' && parsed.pathname === '/' ? parsed.host : '';
  } catch {
    named = '';
  }
  if (named === url.host) return undefined;
  return {
    rule: 'request-host-mismatch',
    message: `the Host header ${JSON.stringify(host)} does not name the URL's host ${JSON.stringify(url.host)}: routing by one and building links from the other splits the request (RFC 9110 §7.2)`,
  };
}

/** True when a serialized URL (as `Request.url` gives it) has the scheme http or https. */
function isHttpUrl(href: string): boolean {
  // The serializer writes the scheme in lowercase, followed by ":".
  return href.startsWith('http:') || href.startsWith('https:');
}

/**
 * The path of a URL as `Request.url` gives it: the same string as `new URL(href).pathname`,
 * without parsing the URL again. In a serialized http(s) URL the path starts at the first "/"
 * after "//" and ends at "?" or "#": the serializer percent-encodes "/", "?" and "#" in the
 * userinfo and "?" and "#" in the path, and a host or port holds none of them (WHATWG URL,
 * "percent-encode sets").
 */
export function requestPath(href: string): string {
  if (!isHttpUrl(href)) return new URL(href).pathname;
  const start = href.indexOf('/', href.indexOf('//') + 2);
  const query = href.indexOf('?', start);
  const fragment = href.indexOf('#', start);
  const end = query === -1 ? fragment : fragment === -1 ? query : Math.min(query, fragment);
  return end === -1 ? href.slice(start) : href.slice(start, end);
}

/**
 * Appends to `issues` what is wrong with `request`. Returns its URL, or `undefined` when it is no
 * `Request` at all.
 */
export function inspectRequest(request: unknown, issues: Issue[]): string | undefined {
  if (!isRequest(request)) {
    issues.push({
      rule: 'request-type',
      message: `the handler was called with ${describe(request)}`,
    });
    return undefined;
  }
  const href = request.url;
  if (!isHttpUrl(href)) {
    issues.push({
      rule: 'request-url-scheme',
      message: `the request URL ${JSON.stringify(href)} is not http or https`,
    });
  }
  let host: string | undefined;
  let length: string | undefined;
  const start = issues.length;
  request.headers.forEach((value, name) => {
    if (name === 'host') host = value;
    else if (name === 'content-length') length = value;
    if (hasControl(value)) {
      issues.push({
        rule: 'request-header-value',
        message: `the ${name} header holds a control character: ${JSON.stringify(value)}`,
      });
    }
  });
  if (host === undefined && length === undefined) return href;
  // The issues of the Host and Content-Length fields go before those of single values.
  const framing: Issue[] = [];
  if (host !== undefined) {
    const issue = hostIssue(new URL(href), host);
    if (issue) framing.push(issue);
  }
  if (length !== undefined && !isContentLength(length)) {
    framing.push({
      rule: 'request-content-length-invalid',
      message: `Content-Length ${JSON.stringify(length)} is not one non-negative integer (repeated or malformed fields are a smuggling vector, RFC 9112 §6.3)`,
    });
  }
  issues.splice(start, 0, ...framing);
  return href;
}

/** What is wrong with `request`; empty when nothing is. */
export function checkRequest(request: unknown): Issue[] {
  const issues: Issue[] = [];
  inspectRequest(request, issues);
  return issues;
}

function pathForm(name: string, value: string): Issue | undefined {
  if (value === '' || value.startsWith('/')) return undefined;
  return {
    rule: 'context-path-form',
    message: `${name} must be empty or start with "/", got ${JSON.stringify(value)}`,
  };
}

/**
 * Appends to `issues` what is wrong with `ctx` as the context of the request at `href`
 * (`undefined` when there is no `Request` to compare it with).
 */
export function inspectContext(ctx: unknown, href: string | undefined, issues: Issue[]): void {
  if (!isContext(ctx)) {
    issues.push({
      rule: 'context-type',
      message: `the handler was called with ${describe(ctx)} instead of a trowel Context (a plain Fetch caller? wrap with toFetch())`,
    });
    return;
  }
  const { scriptName, pathInfo } = ctx;
  const before = issues.length;
  const script = pathForm('scriptName', scriptName);
  if (script) issues.push(script);
  const info = pathForm('pathInfo', pathInfo);
  if (info) issues.push(info);
  if (scriptName === '/') {
    issues.push({
      rule: 'context-path-form',
      message: 'scriptName must not be "/": use "" and keep the slash in pathInfo',
    });
  }
  if (issues.length === before && href !== undefined) {
    const path = requestPath(href);
    // prefixStripped() hands a plain Fetch handler the path without the mount prefix while the
    // context keeps the split; that view is consistent too.
    const stripped = scriptName !== '' && (pathInfo === '' ? '/' : pathInfo) === path;
    if (scriptName + pathInfo !== path && !stripped) {
      issues.push({
        rule: 'context-path-join',
        message: `scriptName ${JSON.stringify(scriptName)} + pathInfo ${JSON.stringify(pathInfo)} is not the request path ${JSON.stringify(path)}`,
      });
    }
  }
  if (ctx.remoteAddr === '') {
    issues.push({
      rule: 'context-remote-addr',
      message: 'remoteAddr is empty: the server or test fixture should say who the peer is',
    });
  }
  if (ctx.scheme !== 'http' && ctx.scheme !== 'https') {
    issues.push({
      rule: 'context-scheme',
      message: `ctx.scheme must be "http" or "https", got ${JSON.stringify(ctx.scheme)}`,
    });
  }
}

/** What is wrong with `ctx` as the context of `request`; empty when nothing is. */
export function checkContext(ctx: unknown, request: unknown): Issue[] {
  const issues: Issue[] = [];
  inspectContext(ctx, isRequest(request) ? request.url : undefined, issues);
  return issues;
}
