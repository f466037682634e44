/**
 * What one access-log line says ({@link AccessLogEntry}) and how it is written: Apache's
 * `combined` and `common` formats, JSON lines, a Paste-style format string of `%(NAME)s`
 * placeholders, or a function of the entry.
 */
import { ConfigError } from '../core/config-error.ts';
import { escapeLogField } from './escape.ts';
import { formatClfTime, formatIsoTime, offsetMinutes, type LogTimezone } from './time.ts';

/** How a response ended: sent whole, cut short by the client, or failed. */
export type AccessLogOutcome = 'complete' | 'aborted' | 'error';

/** One request, as the access log writes it. */
export interface AccessLogEntry {
  /** The request as `accessLog()` received it (read its headers; its body belongs to the app). */
  readonly request: Request;
  /** When the request reached `accessLog()`. */
  readonly time: Date;
  /** The client's address as the context has it (set by `forwarded()` behind a trusted proxy). */
  readonly remoteAddr: string;
  /** The authenticated user (`REMOTE_USER`), when an authentication middleware set one. */
  readonly remoteUser: string | undefined;
  /** The request method. */
  readonly method: string;
  /** The path (`scriptName + pathInfo`, URL-encoded) and query string. */
  readonly url: string;
  /** The status sent; 500 when the handler threw (what trowel/server then answers). */
  readonly status: number;
  /** Body bytes handed to the server; `undefined` when the handler threw. */
  readonly bytes: number | undefined;
  /** Milliseconds from the request to the end of its response body. */
  readonly durationMs: number;
  /** The `Referer` request header. */
  readonly referer: string | undefined;
  /** The `User-Agent` request header. */
  readonly userAgent: string | undefined;
  /** The request id, when the `requestId` option names where to find one. */
  readonly requestId: string | undefined;
  /** How the response ended. */
  readonly outcome: AccessLogOutcome;
}

/** Writes one entry as one line, without the newline. */
export type EntryFormatter = (entry: AccessLogEntry, timezone: LogTimezone) => string;

/** Paste's (and Apache's) combined format, in Paste's `%(NAME)s` notation. */
export const COMBINED_FORMAT: string =
  '%(REMOTE_ADDR)s - %(REMOTE_USER)s [%(time)s] "%(REQUEST_METHOD)s %(REQUEST_URI)s ' +
  '%(HTTP_VERSION)s" %(status)s %(bytes)s "%(HTTP_REFERER)s" "%(HTTP_USER_AGENT)s"';

/** Apache's common format (combined without Referer and User-Agent). */
export const COMMON_FORMAT: string =
  '%(REMOTE_ADDR)s - %(REMOTE_USER)s [%(time)s] "%(REQUEST_METHOD)s %(REQUEST_URI)s ' +
  '%(HTTP_VERSION)s" %(status)s %(bytes)s';

// Fetch does not say which HTTP version a request used. trowel/server (like Node's http module)
// answers every request with an HTTP/1.1 status line, so that is the version of the exchange as
// the server ran it; an HTTP/1.0 client is logged as HTTP/1.1 too. JSON lines leave it out.
const HTTP_VERSION = 'HTTP/1.1';

type Field = (entry: AccessLogEntry, timezone: LogTimezone) => string;

const dash = (value: string | undefined, bytes: boolean): string =>
  value === undefined || value === '' ? '-' : escapeLogField(value, bytes);

const FIELDS: Readonly<Record<string, Field>> = {
  REMOTE_ADDR: (e) => dash(e.remoteAddr, false),
  REMOTE_USER: (e) => dash(e.remoteUser, false),
  REQUEST_METHOD: (e) => escapeLogField(e.method, true),
  REQUEST_URI: (e) => escapeLogField(e.url, true),
  HTTP_VERSION: () => HTTP_VERSION,
  SERVER_PROTOCOL: () => HTTP_VERSION,
  time: (e, tz) => formatClfTime(e.time.getTime(), offsetMinutes(e.time.getTime(), tz)),
  status: (e) => String(e.status),
  // Apache's %b: '-' rather than 0 when no body bytes were sent.
  bytes: (e) => (e.bytes === undefined || e.bytes === 0 ? '-' : String(e.bytes)),
  duration_ms: (e) => e.durationMs.toFixed(3),
  request_id: (e) => dash(e.requestId, false),
  outcome: (e) => e.outcome,
};

/** The placeholder names a format string may use, besides `HTTP_<HEADER_NAME>`. */
export const FORMAT_FIELDS: readonly string[] = Object.keys(FIELDS);

function headerField(name: string): Field {
  // Paste's environ naming: HTTP_USER_AGENT is the User-Agent header.
  const header = name.slice(5).toLowerCase().replaceAll('_', '-');
  return (e) => dash(e.request.headers.get(header) ?? undefined, true);
}

const PLACEHOLDER = /%\(([^)]*)\)s|%%|%/g;

/**
 * Compiles a Paste-style format string: `%(NAME)s` placeholders (see {@link FORMAT_FIELDS}, plus
 * `HTTP_<NAME>` for any request header) and `%%` for a percent sign.
 *
 * @throws {ConfigError} `TROWEL_ERR_ACCESS_LOG_FORMAT` for an unknown name, another conversion
 * than `s` (`%(status)d`), a lone `%`, or a string without any placeholder.
 */
export function compileFormat(format: string): EntryFormatter {
  const parts: (string | Field)[] = [];
  let last = 0;
  let fields = 0;
  for (const match of format.matchAll(PLACEHOLDER)) {
    if (match.index > last) parts.push(format.slice(last, match.index));
    last = match.index + match[0].length;
    if (match[0] === '%%') {
      parts.push('%');
      continue;
    }
    const name = match[1];
    if (name === undefined) {
      throw new ConfigError(
        'TROWEL_ERR_ACCESS_LOG_FORMAT',
        `accessLog(): format ${JSON.stringify(format)} has a "%" at offset ${String(match.index)} ` +
          'that is not %(NAME)s or %%: only %(NAME)s placeholders are supported',
      );
    }
    const field = FIELDS[name] ?? (/^HTTP_[A-Z0-9_]+$/.test(name) ? headerField(name) : undefined);
    if (field === undefined) {
      throw new ConfigError(
        'TROWEL_ERR_ACCESS_LOG_FORMAT',
        `accessLog(): format placeholder %(${name})s is unknown; use one of ` +
          `${FORMAT_FIELDS.join(', ')} or HTTP_<HEADER_NAME>`,
      );
    }
    parts.push(field);
    fields++;
  }
  if (last < format.length) parts.push(format.slice(last));
  if (fields === 0) {
    throw new ConfigError(
      'TROWEL_ERR_ACCESS_LOG_FORMAT',
      `accessLog(): format ${JSON.stringify(format)} is neither combined, common nor json, and ` +
        'has no %(NAME)s placeholder',
    );
  }
  return (entry, timezone) => {
    let line = '';
    for (const part of parts) line += typeof part === 'string' ? part : part(entry, timezone);
    return line;
  };
}

/** One JSON object: the entry's fields, `null` where there is no value. */
export function jsonLine(entry: AccessLogEntry, timezone: LogTimezone): string {
  const ms = entry.time.getTime();
  return JSON.stringify({
    time: formatIsoTime(ms, offsetMinutes(ms, timezone)),
    remote: entry.remoteAddr === '' ? null : entry.remoteAddr,
    user: entry.remoteUser ?? null,
    method: entry.method,
    url: entry.url,
    status: entry.status,
    bytes: entry.bytes ?? null,
    duration_ms: Math.round(entry.durationMs * 1000) / 1000,
    referer: entry.referer ?? null,
    user_agent: entry.userAgent ?? null,
    request_id: entry.requestId ?? null,
    outcome: entry.outcome,
  });
}

/** The formatter for a `format` option value. */
export function formatterFor(format: string | ((entry: AccessLogEntry) => string)): EntryFormatter {
  if (typeof format === 'function') return (entry) => format(entry);
  switch (format) {
    case 'combined':
      return compileFormat(COMBINED_FORMAT);
    case 'common':
      return compileFormat(COMMON_FORMAT);
    case 'json':
      return jsonLine;
    default:
      if (/^[\w-]+$/.test(format)) {
        throw new ConfigError(
          'TROWEL_ERR_ACCESS_LOG_FORMAT',
          `accessLog(): unknown format ${JSON.stringify(format)}: use combined, common, json, a ` +
            'Paste-style format string with %(NAME)s placeholders, or a function',
        );
      }
      return compileFormat(format);
  }
}
