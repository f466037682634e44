/**
 * Status expectations for the test client, and {@link AppError}, the failure it reports when a
 * response is not what the test expected.
 *
 * An expectation is a status code, a list of codes, or a pattern: `'*'` accepts anything,
 * `'4*'` or `'40?'` is a glob over the code or the status line, `'200 OK'` must equal the line. Without one, 2xx and
 * 3xx pass, as in WebTest (Paste documented `'3*'` but never implemented it).
 */
import { STATUS_CODES } from 'node:http';

/** What a request expects of the response status. */
export type StatusExpectation = number | readonly number[] | string;

/**
 * A response that failed its status expectation (or an application error the fixture caught).
 * The message shows the request, the status line, the headers and the start of the body.
 *
 * @example
 * ```ts
 * import { AppError, TestApp } from 'trowel/testing';
 * const app = new TestApp(() => new Response('gone', { status: 410 }));
 * await app.get('/').catch((error: unknown) => error instanceof AppError); // true
 * ```
 */
export class AppError extends Error {
  override readonly name = 'AppError';
  /** The status code of the response, when there was one. */
  readonly status: number | undefined;

  constructor(message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.status = status;
  }
}

/** The reason phrase to show: the response's own, else the registered one. */
export function reasonPhrase(status: number, statusText: string): string {
  return statusText || STATUS_CODES[status] || '';
}

/**
 * Checks that `expectation` is well formed, so a typo fails at the call, not as a confusing
 * mismatch.
 *
 * @throws {TypeError} for a code outside 100–599 or an empty pattern.
 */
export function validateExpectation(expectation: StatusExpectation): void {
  const codes: readonly unknown[] =
    typeof expectation === 'number'
      ? [expectation]
      : typeof expectation === 'string'
        ? []
        : expectation;
  for (const code of codes) {
    if (!Number.isInteger(code) || (code as number) < 100 || (code as number) > 599) {
      throw new TypeError(`status expectation ${JSON.stringify(code)} is not a status code`);
    }
  }
  if (typeof expectation === 'string' && expectation.trim() === '') {
    throw new TypeError('status expectation is an empty string');
  }
}

/** True when `status` (with `statusText`) meets `expectation`; `undefined` means 2xx or 3xx. */
export function statusMatches(
  expectation: StatusExpectation | undefined,
  status: number,
  statusText: string,
): boolean {
  if (expectation === undefined) return status >= 200 && status < 400;
  if (typeof expectation === 'number') return status === expectation;
  if (typeof expectation !== 'string') return expectation.includes(status);
  if (expectation === '*') return true;
  const line = `${status} ${reasonPhrase(status, statusText)}`.toLowerCase();
  const wanted = expectation.trim().toLowerCase();
  if (!/[*?]/.test(wanted)) return wanted === line || wanted === String(status);
  // A glob may describe the code alone ('40?') or the whole line ('4* not found').
  const glob = globToRegExp(wanted);
  return glob.test(String(status)) || glob.test(line);
}

function globToRegExp(glob: string): RegExp {
  const source = glob
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's');
}

/** Describes an expectation for a failure message. */
export function describeExpectation(expectation: StatusExpectation | undefined): string {
  if (expectation === undefined) return '2xx or 3xx';
  if (typeof expectation === 'number' || typeof expectation === 'string') {
    return String(expectation);
  }
  return `one of ${expectation.join(', ')}`;
}

const EXCERPT = 2000;

/** A readable excerpt of a body for failure messages: text as is, binary as a byte count. */
export function bodyExcerpt(body: Uint8Array, contentType: string | null): string {
  if (body.length === 0) return '(no body)';
  const textual =
    contentType === null ||
    /^(text\/|application\/(.*\+)?(json|xml|javascript|x-www-form-urlencoded))/i.test(contentType);
  if (!textual) return `(${body.length} bytes of ${contentType})`;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(body.subarray(0, EXCERPT * 4));
  return text.length > EXCERPT ? `${text.slice(0, EXCERPT)}… (${body.length} bytes)` : text;
}

/** Formats headers one per line, for failure messages. */
export function formatHeaders(headers: Headers): string {
  const lines: string[] = [];
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') lines.push(`${name}: ${value}`);
  });
  for (const value of headers.getSetCookie()) lines.push(`set-cookie: ${value}`);
  return lines.join('\n');
}
