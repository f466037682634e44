/**
 * What a handler gives back: the `Response`, its status and its header fields (paste.lint's
 * `check_status`, `check_headers` and `check_content_type`, wsgiref's hop-by-hop list and
 * Werkzeug's HTTP checks, in Fetch terms). The body is checked while it streams, in `body.ts`.
 *
 * Not checked because the platform refuses it already: a status outside 200–599 (so no 1xx, and
 * no 101), a body on 204, 205 or 304, a `statusText` with CR or LF, a header name that is not a
 * token, and CR, LF or NUL in a header value (so obs-fold and response splitting cannot occur).
 */
import { hasControl } from '../core/header-syntax.ts';
import type { Issue } from './catalogue.ts';
import { foldedCookieName, isEntityTag, isImfFixdate, uriReferenceProblem } from './field-rules.ts';
import { isContentLength } from './request-rules.ts';

/** True for a Fetch `Response`, also one made by another copy of undici. */
export function isResponse(value: unknown): value is Response {
  return value instanceof Response || Object.prototype.toString.call(value) === '[object Response]';
}

// RFC 9110 §7.6.1 and RFC 9112 §6–§9: fields about the connection, not the message. HTTP/2 and
// HTTP/3 treat a message carrying one as malformed (RFC 9113 §8.2.2). `Trailer` announces a trailer
// section, which a Fetch response cannot carry. `Proxy-Connection` is the obsolete spelling that
// some clients still send. `Connection`, `Upgrade` and `Proxy-Authenticate` are judged below.
const ALWAYS_HOP_BY_HOP = new Set([
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
]);

function hopByHop(name: string, value: string, status: number): string | undefined {
  if (ALWAYS_HOP_BY_HOP.has(name)) return name;
  // RFC 9110 §11.7.1: a 407 must carry Proxy-Authenticate; the proxy asking for credentials is
  // the one speaking, so the field is legitimate there.
  if (name === 'proxy-authenticate') return status === 407 ? undefined : name;
  // RFC 9110 §15.5.22: a 426 must say which protocol to upgrade to, with `Connection: upgrade`
  // beside it (§7.8).
  if (name === 'upgrade') return status === 426 ? undefined : name;
  if (name === 'connection') {
    // `Connection: close` asks the server to close after this response (RFC 9112 §9.6), which
    // trowel's server honours; any other option names the connection's own business.
    const allowed = status === 426 ? ['close', 'upgrade'] : ['close'];
    const options = value
      .toLowerCase()
      .split(',')
      .map((option) => option.trim());
    return options.every((option) => allowed.includes(option)) ? undefined : name;
  }
  return undefined;
}

// RFC 9110 §15.4.5: a 304 should not carry representation metadata beyond the fields that update
// a cache (Cache-Control, Content-Location, Date, ETag, Expires, Vary, and Last-Modified).
const NOT_FOR_304 = ['content-type', 'content-encoding', 'content-language', 'content-range'];

function checkLength(length: string, status: number, chunked: boolean, issues: Issue[]): void {
  if (!isContentLength(length)) {
    issues.push({
      rule: 'response-content-length-invalid',
      message: `Content-Length ${JSON.stringify(length)} is not one non-negative integer`,
    });
  }
  if (status === 204 || (status === 205 && length !== '0')) {
    issues.push({
      rule: 'response-content-length-forbidden',
      message:
        status === 204
          ? 'a 204 response must not carry Content-Length (RFC 9110 §8.6)'
          : `a 205 response may only say Content-Length: 0, got ${JSON.stringify(length)} (RFC 9110 §15.3.6)`,
    });
  }
  if (chunked) {
    issues.push({
      rule: 'response-content-length-with-transfer-encoding',
      message:
        'Content-Length and Transfer-Encoding together: recipients disagree on where the body ends (RFC 9112 §6.2)',
    });
  }
}

function checkField(name: string, value: string, status: number, issues: Issue[]): void {
  if (hasControl(value)) {
    issues.push({
      rule: 'response-header-value',
      message: `the ${name} header holds a control character: ${JSON.stringify(value)}`,
    });
  }
  const hop = hopByHop(name, value, status);
  if (hop !== undefined) {
    issues.push({
      rule: 'response-hop-by-hop-header',
      message: `${hop}: ${JSON.stringify(value)} is a hop-by-hop field; the server manages the connection and its framing (RFC 9110 §7.6.1)`,
    });
  }
  switch (name) {
    case 'date':
    case 'last-modified':
      if (!isImfFixdate(value)) {
        issues.push({
          rule: 'response-http-date',
          message: `${name} ${JSON.stringify(value)} is not an IMF-fixdate such as "Sun, 06 Nov 1994 08:49:37 GMT"`,
        });
      }
      break;
    case 'expires':
      if (!isImfFixdate(value)) {
        issues.push({
          rule: 'response-expires',
          message: `Expires ${JSON.stringify(value)} is not an IMF-fixdate; caches read it as already expired (use Cache-Control to forbid caching)`,
        });
      }
      break;
    case 'location': {
      const problem = uriReferenceProblem(value);
      if (problem !== undefined) {
        issues.push({
          rule: 'response-location',
          message: `Location ${JSON.stringify(value)} is not a URI reference: ${problem}`,
        });
      }
      break;
    }
    case 'etag':
      if (!isEntityTag(value)) {
        issues.push({
          rule: 'response-etag',
          message: `ETag ${JSON.stringify(value)} is not an entity tag: quote it ("v1"), and write a weak one W/"v1"`,
        });
      }
      break;
    case 'set-cookie': {
      const second = foldedCookieName(value);
      if (second !== undefined) {
        issues.push({
          rule: 'response-set-cookie-folded',
          message: `Set-Cookie ${JSON.stringify(value)} folds a second cookie (${second}) into one field; append one Set-Cookie per cookie`,
        });
      }
      break;
    }
  }
}

/** What the body checks need to know of the header fields, read in the same pass. */
export interface ResponseFields {
  /** The `Content-Length` value, if any. */
  readonly contentLength: string | undefined;
  /** Whether there is a `Content-Type`. */
  readonly hasType: boolean;
}

/**
 * Appends to `issues` what is wrong with the status and header fields of `response` to
 * `method`, and returns the fields the body checks need. The header fields are walked once.
 */
export function inspectResponse(
  response: Response,
  method: string,
  issues: Issue[],
): ResponseFields {
  const status = response.status;
  let contentLength: string | undefined;
  let chunked = false;
  let hasType = false;
  let metadata: string[] | undefined;
  const start = issues.length;
  // forEach yields each Set-Cookie field on its own (Fetch "sort and combine"), every other name
  // once with its values combined.
  response.headers.forEach((value, name) => {
    if (name === 'content-length') contentLength = value;
    else if (name === 'transfer-encoding') chunked = true;
    else if (name === 'content-type') hasType = true;
    if (status === 304 && NOT_FOR_304.includes(name)) (metadata ??= []).push(name);
    checkField(name, value, status, issues);
  });
  if (contentLength !== undefined) {
    // The framing issues go before the issues of single fields.
    const framing: Issue[] = [];
    checkLength(contentLength, status, chunked, framing);
    issues.splice(start, 0, ...framing);
  }
  if (metadata) {
    const extra = NOT_FOR_304.filter((name) => metadata?.includes(name));
    issues.push({
      rule: 'response-304-headers',
      message: `a 304 should not carry ${extra.join(', ')}: it updates a cached response and has no content (RFC 9110 §15.4.5)`,
    });
  }
  if (method === 'HEAD' && response.body !== null) {
    issues.push({
      rule: 'response-head-body',
      message:
        'a response to HEAD has a body: it will be discarded (RFC 9110 §9.3.2); return null to skip making it',
    });
  }
  return { contentLength, hasType };
}

/** What is wrong with the status and header fields of `response` to `method`. */
export function checkResponse(response: Response, method: string): Issue[] {
  const issues: Issue[] = [];
  inspectResponse(response, method, issues);
  return issues;
}
