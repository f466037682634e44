/**
 * @module trowel/access-log
 *
 * An access log: one line per request, in Apache's `combined` (the default) or `common` format,
 * as JSON lines, in a Paste-style format string, or by a function of your own, written to
 * standard output, any writable stream, or a file. It replaces `paste.translogger`
 * (`TransLogger`, `egg:Paste#translogger` through `trowel/deploy`).
 *
 * - The line is written when the response body has been handed to the server whole, or was cut
 *   short — never before: so it carries the bytes actually sent (counted as they stream, nothing
 *   buffered) and the time the whole exchange took. A client that leaves mid-body is logged with
 *   the bytes it got and `outcome: 'aborted'`; a body stream that fails, with `'error'`; a handler
 *   that throws, as the 500 trowel/server answers, and the error goes on up.
 * - The client address is `ctx.remoteAddr`, which `forwarded()` sets from `X-Forwarded-For` only
 *   for a proxy you trust; the header itself is never read (Paste logged whatever a client put
 *   there). Put `forwarded()` outside `accessLog()`.
 * - Every field is escaped as Apache escapes it (`\"`, `\\`, `\n`, `\xhh`), so a `User-Agent` or
 *   `Referer` cannot forge a line; time offsets are right for every zone (`-0700`, `+0530`).
 *
 * When not to use it: when a reverse proxy in front (nginx, a load balancer) already writes the
 * access log you keep, or to log application events (use your logger; pass it as `stream`, or a
 * `format` function, to send access lines there too).
 */
import type { Context, Key } from '../core/context.ts';
import { ConfigError } from '../core/config-error.ts';
import type { Handler, Middleware } from '../core/handler.ts';
import { LIFECYCLE, REMOTE_USER, type Lifecycle } from '../core/keys.ts';
import { countBody } from './count.ts';
import { formatterFor, type AccessLogEntry, type AccessLogOutcome } from './format.ts';
import { fileSink, streamSink, type LineSink, type LineWriter } from './sink.ts';
import type { LogTimezone } from './time.ts';

export {
  COMBINED_FORMAT,
  COMMON_FORMAT,
  FORMAT_FIELDS,
  type AccessLogEntry,
  type AccessLogOutcome,
} from './format.ts';
export { escapeLogField } from './escape.ts';
export { formatClfTime, formatIsoTime, type LogTimezone } from './time.ts';
export type { LineWriter } from './sink.ts';

/** Options of {@link accessLog}. */
export interface AccessLogOptions {
  /**
   * `'combined'`, `'common'`, `'json'` (one JSON object per line), a Paste-style format string
   * (`'%(REMOTE_ADDR)s %(status)s %(duration_ms)s'`; see the README for the names), or a function
   * that returns the line (without its newline).
   * @default 'combined'
   */
  readonly format?:
    | 'combined'
    | 'common'
    | 'json'
    | (string & Record<never, never>)
    | ((entry: AccessLogEntry) => string);
  /** Where lines go: anything with `write(string)`. Not with `file`. @default process.stdout */
  readonly stream?: LineWriter;
  /**
   * A file to append lines to, opened when the middleware is built (`O_APPEND`, created with mode
   * 0640). Call `reopen()` after rotating it. Not with `stream`.
   */
  readonly file?: string;
  /** The clock times are written in. @default 'local' */
  readonly timezone?: LogTimezone;
  /**
   * Where the request id comes from: a request header name (`'x-request-id'`) or a context key
   * that a middleware inside sets. @default none
   */
  readonly requestId?: string | Key<string>;
  /** Return `true` to leave an entry out of the log (health checks, static assets…). */
  readonly skip?: (entry: AccessLogEntry) => boolean;
}

/** The middleware {@link accessLog} returns, with what a log file needs. */
export interface AccessLog {
  (next: Handler): Handler;
  /** Opens the log file again by name, after logrotate moved it (a no-op for a stream). */
  reopen(): void;
  /** Resolves when every line written so far is in the file. */
  flush(): Promise<void>;
  /** Flushes and closes the log file; a later line opens it again. Leaves a stream open. */
  close(): Promise<void>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function fail(what: string, message: string): never {
  throw new ConfigError(`TROWEL_ERR_ACCESS_LOG_${what}`, `accessLog(): ${message}`);
}

function isKey(value: unknown): value is Key<string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { id?: unknown }).id === 'symbol' &&
    typeof (value as { name?: unknown }).name === 'string'
  );
}

function buildSink(options: AccessLogOptions): LineSink {
  const { stream, file } = options;
  if (stream !== undefined && file !== undefined) {
    fail('DESTINATION', 'give either stream or file, not both');
  }
  if (file !== undefined) {
    if (typeof file !== 'string' || file === '') fail('FILE', 'file must be a non-empty path');
    return fileSink(file);
  }
  if (stream !== undefined) {
    if (typeof (stream as { write?: unknown }).write !== 'function') {
      fail('DESTINATION', 'stream must have a write(string) method');
    }
    return streamSink(stream);
  }
  return streamSink(process.stdout);
}

function requestIdReader(
  source: AccessLogOptions['requestId'],
): ((request: Request, ctx: Context) => string | undefined) | null {
  if (source === undefined) return null;
  if (typeof source === 'string') {
    if (!TOKEN.test(source))
      fail('REQUEST_ID', `requestId ${JSON.stringify(source)} is not a header name`);
    const name = source.toLowerCase();
    return (request) => request.headers.get(name) ?? undefined;
  }
  if (!isKey(source)) fail('REQUEST_ID', 'requestId must be a header name or a context key');
  return (_request, ctx) => ctx.get(source);
}

function warn(message: string, error: unknown): void {
  process.emitWarning(
    `access log: ${message}: ${error instanceof Error ? error.message : String(error)}`,
    'TrowelAccessLogWarning',
  );
}

/** The path and query of `request` as `ctx` splits it. */
function requestTarget(request: Request, scriptName: string, pathInfo: string): string {
  const url = request.url;
  const query = url.indexOf('?');
  const path = scriptName + pathInfo;
  return query === -1 ? path || '/' : (path || '/') + url.slice(query);
}

/**
 * The access-log middleware; see the module comment. Put it outermost (inside `forwarded()`), so
 * that it times and counts what the other middleware do too.
 *
 * @throws {ConfigError} when built, for a bad option: `TROWEL_ERR_ACCESS_LOG_FORMAT`,
 * `_DESTINATION`, `_FILE` (also when the file cannot be opened), `_TIMEZONE`, `_REQUEST_ID` or
 * `_SKIP`.
 * @example
 * ```ts
 * import { compose } from 'trowel';
 * import { accessLog } from 'trowel/access-log';
 *
 * const log = accessLog({ format: 'json', timezone: 'utc' });
 * const app = compose(log)(() => new Response('hello'));
 * ```
 */
export function accessLog(options: AccessLogOptions = {}): AccessLog {
  if (typeof (options as unknown) !== 'object' || (options as unknown) === null) {
    fail('OPTIONS', 'options must be an object');
  }
  // Checked as unknown: options also come from JavaScript and from config files.
  const format: unknown = options.format ?? 'combined';
  if (typeof format !== 'string' && typeof format !== 'function') {
    fail('FORMAT', 'format must be a format name, a format string or a function');
  }
  const formatter = formatterFor(format as NonNullable<AccessLogOptions['format']>);
  const timezone: unknown = options.timezone ?? 'local';
  if (timezone !== 'local' && timezone !== 'utc') {
    fail('TIMEZONE', `timezone must be 'local' or 'utc', got ${JSON.stringify(timezone)}`);
  }
  const skip: unknown = options.skip;
  if (skip !== undefined && typeof skip !== 'function') fail('SKIP', 'skip must be a function');
  const skipEntry = skip as AccessLogOptions['skip'];
  const readRequestId = requestIdReader(options.requestId);
  const sink = buildSink(options);
  const watched = new WeakSet<Lifecycle>();
  const flushOnClose = options.file !== undefined;

  const middleware = (next: Handler): Handler =>
    async function accessLogged(request, ctx) {
      const started = performance.now();
      const time = Date.now();
      if (flushOnClose) {
        const lifecycle = ctx.get(LIFECYCLE);
        if (lifecycle !== undefined && !watched.has(lifecycle)) {
          watched.add(lifecycle);
          lifecycle.onClose(() => sink.flush());
        }
      }
      const url = requestTarget(request, ctx.scriptName, ctx.pathInfo);
      const log = (status: number, bytes: number | undefined, outcome: AccessLogOutcome): void => {
        try {
          const headers = request.headers;
          const entry: AccessLogEntry = {
            request,
            time: new Date(time),
            remoteAddr: ctx.remoteAddr,
            remoteUser: ctx.get(REMOTE_USER),
            method: request.method,
            url,
            status,
            bytes,
            durationMs: performance.now() - started,
            referer: headers.get('referer') ?? undefined,
            userAgent: headers.get('user-agent') ?? undefined,
            requestId: readRequestId?.(request, ctx),
            outcome,
          };
          if (skipEntry?.(entry) === true) return;
          sink.write(`${formatter(entry, timezone)}\n`);
        } catch (error) {
          // Runs as the body ends, inside the server's read: a failing format or skip function
          // must not break the response that has already gone out.
          warn('cannot write a line', error);
        }
      };

      let response: Response;
      try {
        response = await next(request, ctx);
      } catch (error) {
        log(500, undefined, 'error');
        throw error;
      }
      // Not a Response, or one whose body is already taken: the server will answer 500.
      if (!(response instanceof Response) || response.bodyUsed || response.body?.locked === true) {
        log(500, undefined, 'error');
        return response;
      }
      const { status, body } = response;
      // RFC 9110 §6.4.1, §9.3.2: no content for HEAD, 204 and 304; a server drops such a body.
      if (
        body === null ||
        request.method === 'HEAD' ||
        status === 204 ||
        status === 304 ||
        status < 200 ||
        status > 599
      ) {
        log(status, 0, 'complete');
        return response;
      }
      return countBody(response, (bytes, outcome) => {
        log(status, bytes, outcome);
      });
    };

  return Object.assign(middleware, {
    reopen: () => {
      sink.reopen();
    },
    flush: () => sink.flush(),
    close: () => sink.close(),
  }) satisfies Middleware;
}
