/**
 * The catalogue of lint rules: one id, default severity and one-line doc per rule, and the shape of
 * a finding.
 *
 * Severity follows one principle: `error` when the exchange is broken — the interface contract is
 * not kept, HTTP says MUST (NOT), or a recipient will misread the message; `warning` when HTTP says
 * SHOULD (NOT), or when a conforming server repairs the problem on its own (trowel's server drops an
 * application's `Transfer-Encoding`, and every server drops a body sent to `HEAD`).
 */

/** How bad a finding is: `error` fails in strict mode, `warning` is only reported. */
export type Severity = 'error' | 'warning';

/** The id of every rule lint knows. */
export type RuleId =
  | 'request-type'
  | 'request-url-scheme'
  | 'request-host-mismatch'
  | 'request-content-length-invalid'
  | 'request-content-length-mismatch'
  | 'request-header-value'
  | 'request-body-read-after-response'
  | 'context-type'
  | 'context-path-form'
  | 'context-path-join'
  | 'context-remote-addr'
  | 'context-scheme'
  | 'response-type'
  | 'response-network-error'
  | 'response-body-reused'
  | 'response-body-chunk'
  | 'response-body-unconsumed'
  | 'response-head-body'
  | 'response-content-type-missing'
  | 'response-content-length-invalid'
  | 'response-content-length-mismatch'
  | 'response-content-length-forbidden'
  | 'response-content-length-with-transfer-encoding'
  | 'response-hop-by-hop-header'
  | 'response-header-value'
  | 'response-set-cookie-folded'
  | 'response-http-date'
  | 'response-expires'
  | 'response-location'
  | 'response-etag'
  | 'response-304-headers';

/** One entry of the catalogue. */
export interface LintRule {
  /** The rule id, kebab-case, stable across versions. */
  readonly id: string;
  /** The severity a finding of this rule has unless `LintOptions.rules` overrides it. */
  readonly severity: Severity;
  /** What the rule asks for, in one line. */
  readonly doc: string;
}

/** One violation lint found: data, reported through `onFinding` and carried by `LintError`. */
export interface LintFinding {
  /** The id of the rule that was broken (see {@link rules}). */
  readonly rule: string;
  /** The effective severity, after `LintOptions.rules` overrides. */
  readonly severity: Severity;
  /** What was wrong, with the offending value. */
  readonly message: string;
  /** The request lint was handed when it found the problem. */
  readonly request: { readonly method: string; readonly url: string };
}

/** A violation before it is tied to a request and a severity. */
export interface Issue {
  readonly rule: RuleId;
  readonly message: string;
}

const CATALOGUE: Readonly<Record<RuleId, readonly [Severity, string]>> = {
  'request-type': ['error', 'The handler is called with a Fetch `Request`.'],
  'request-url-scheme': ['error', 'The request URL’s scheme is http or https.'],
  'request-host-mismatch': [
    'error',
    'A `Host` header, when present, names the same host and port as the request URL.',
  ],
  'request-content-length-invalid': [
    'error',
    'A request `Content-Length` is one non-negative decimal integer (no list, no sign).',
  ],
  'request-content-length-mismatch': [
    'error',
    'A request body has exactly as many bytes as its `Content-Length` declares.',
  ],
  'request-header-value': ['error', 'Request header values hold no control characters.'],
  'request-body-read-after-response': [
    'error',
    'The handler does not read the request body after its response is complete.',
  ],
  'context-type': [
    'error',
    'The handler is called with a trowel `Context` as its second argument.',
  ],
  'context-path-form': [
    'error',
    '`scriptName` and `pathInfo` are each empty or start with `/`, and `scriptName` is never `/`.',
  ],
  'context-path-join': [
    'error',
    '`scriptName + pathInfo` is the request path (or `pathInfo` is, for a prefix-stripped request).',
  ],
  'context-remote-addr': ['warning', '`remoteAddr` names the peer (it is not empty).'],
  'context-scheme': ['error', '`ctx.scheme` is `http` or `https`.'],
  'response-type': ['error', 'The handler returns (or resolves to) a `Response` and nothing else.'],
  'response-network-error': [
    'error',
    'The handler does not return `Response.error()`, which no server can send.',
  ],
  'response-body-reused': [
    'error',
    'A returned body is fresh: not already read, locked, or returned for another request.',
  ],
  'response-body-chunk': ['error', 'Every chunk of a response body is a `Uint8Array`.'],
  'response-body-unconsumed': [
    'error',
    'A response body handed to a middleware is read to the end or cancelled before the outer response completes.',
  ],
  'response-head-body': [
    'warning',
    'A response to HEAD has no body (RFC 9110 §9.3.2); the server discards one.',
  ],
  'response-content-type-missing': [
    'warning',
    'A response with content has a `Content-Type` (RFC 9110 §8.3).',
  ],
  'response-content-length-invalid': [
    'error',
    'A response `Content-Length` is one non-negative decimal integer (RFC 9110 §8.6).',
  ],
  'response-content-length-mismatch': [
    'error',
    'A response body has exactly as many bytes as its `Content-Length` declares.',
  ],
  'response-content-length-forbidden': [
    'error',
    'No `Content-Length` on 204, and only `0` on 205 (RFC 9110 §8.6, §15.3.6).',
  ],
  'response-content-length-with-transfer-encoding': [
    'error',
    '`Content-Length` and `Transfer-Encoding` never appear together (RFC 9112 §6.2).',
  ],
  'response-hop-by-hop-header': [
    'warning',
    'No hop-by-hop fields: framing and connections are the server’s (RFC 9110 §7.6.1).',
  ],
  'response-header-value': ['error', 'Response header values hold no control characters.'],
  'response-set-cookie-folded': [
    'error',
    'Each cookie has its own `Set-Cookie` field, never comma-joined (RFC 6265 §3).',
  ],
  'response-http-date': [
    'error',
    '`Date` and `Last-Modified` are IMF-fixdate HTTP-dates (RFC 9110 §5.6.7).',
  ],
  'response-expires': [
    'warning',
    '`Expires` is an IMF-fixdate; anything else (such as `0`) is read as already expired (RFC 9111 §5.3).',
  ],
  'response-location': [
    'error',
    '`Location` is a URI reference, absolute or relative (RFC 9110 §10.2.2).',
  ],
  'response-etag': [
    'error',
    '`ETag` is a quoted entity tag, weak ones with an uppercase `W/` (RFC 9110 §8.8.3).',
  ],
  'response-304-headers': [
    'warning',
    'A 304 carries no representation metadata such as `Content-Type` (RFC 9110 §15.4.5).',
  ],
};

/**
 * Every rule lint checks, with its default severity and a one-line doc, in the order lint checks
 * them.
 *
 * @example
 * ```ts
 * import { rules } from 'trowel/lint';
 * for (const rule of rules) console.log(`${rule.id} (${rule.severity}): ${rule.doc}`);
 * ```
 */
export const rules: readonly LintRule[] = Object.freeze(
  Object.entries(CATALOGUE).map(([id, [severity, doc]]) => Object.freeze({ id, severity, doc })),
);

const DEFAULTS: ReadonlyMap<string, Severity> = new Map(rules.map((r) => [r.id, r.severity]));

/** The default severity of a rule. */
export function severityOf(rule: RuleId): Severity {
  return CATALOGUE[rule][0];
}

/** The default severity of `id`, or `undefined` for an id lint does not know. */
export function defaultSeverity(id: string): Severity | undefined {
  return DEFAULTS.get(id);
}
