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

/** What is wrong with `request`; empty when nothing is. */
export function checkRequest(request: unknown): Issue[] {
  if (!isRequest(request)) {
    return [{ rule: 'request-type', message: `the handler was called with ${describe(request)}` }];
  }
  const issues: Issue[] = [];
  const url = new URL(request.url);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    issues.push({
      rule: 'request-url-scheme',
      message: `the request URL ${JSON.stringify(request.url)} is not http or https`,
    });
  }
  const host = request.headers.get('host');
  if (host !== null) {
    const issue = hostIssue(url, host);
    if (issue) issues.push(issue);
  }
  const length = request.headers.get('content-length');
  if (length !== null && !isContentLength(length)) {
    issues.push({
      rule: 'request-content-length-invalid',
      message: `Content-Length ${JSON.stringify(length)} is not one non-negative integer (repeated or malformed fields are a smuggling vector, RFC 9112 §6.3)`,
    });
  }
  request.headers.forEach((value, name) => {
    if (hasControl(value)) {
      issues.push({
        rule: 'request-header-value',
        message: `the ${name} header holds a control character: ${JSON.stringify(value)}`,
      });
    }
  });
  return issues;
}

function pathForm(name: string, value: string): Issue | undefined {
  if (value === '' || value.startsWith('/')) return undefined;
  return {
    rule: 'context-path-form',
    message: `${name} must be empty or start with "/", got ${JSON.stringify(value)}`,
  };
}

/** What is wrong with `ctx` as the context of `request`; empty when nothing is. */
export function checkContext(ctx: unknown, request: unknown): Issue[] {
  if (!isContext(ctx)) {
    return [
      {
        rule: 'context-type',
        message: `the handler was called with ${describe(ctx)} instead of a trowel Context (a plain Fetch caller? wrap with toFetch())`,
      },
    ];
  }
  const issues: Issue[] = [];
  const { scriptName, pathInfo } = ctx;
  const form = [pathForm('scriptName', scriptName), pathForm('pathInfo', pathInfo)].filter(
    (issue) => issue !== undefined,
  );
  if (scriptName === '/') {
    form.push({
      rule: 'context-path-form',
      message: 'scriptName must not be "/": use "" and keep the slash in pathInfo',
    });
  }
  issues.push(...form);
  if (form.length === 0 && isRequest(request)) {
    const path = new URL(request.url).pathname;
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
  return issues;
}
