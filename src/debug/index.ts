/**
 * @module trowel/debug
 *
 * Small applications for checking a deployment: is the server up, what does the application
 * actually receive through the proxies in front of it, how does the stack cope with a slow
 * upload. They replace Paste's `paste.debug.debugapp` (`egg:Paste#test`, `egg:Paste#test_slow`)
 * and PasteScript's test application (`egg:PasteScript#test`).
 *
 * - {@link debugApp}: a fixed, valid HTML page for every request (`egg:Paste#test`).
 * - {@link echoApp}: a page listing what the application got — the request line, the context
 *   (mount split, client address, scheme, host, authenticated user) and the header fields —
 *   as HTML or text; `?error` makes it throw, to check the error pages (`egg:PasteScript#test`).
 * - {@link slowApp}: reads an upload a few kilobytes at a time with a pause between, reporting
 *   progress; without a body it shows an upload form (`egg:Paste#test_slow`).
 *
 * The development middleware live beside them: `trowel/debug/validate` (HTML validation),
 * `trowel/debug/profile` (CPU profiles) and `trowel/debug/prints` (console output on the page).
 *
 * When not to use them: as a health check for a load balancer (answer from your own
 * application, which is what must be up), or open on the internet: the echo page shows the
 * header fields every proxy adds.
 */
import { ConfigError } from '../core/config-error.ts';
import type { Context } from '../core/context.ts';
import { escapeHtml } from '../core/escape.ts';
import type { Handler } from '../core/handler.ts';
import { AUTH_TYPE, REMOTE_USER } from '../core/keys.ts';
import { lint } from '../lint/index.ts';

const HTML = 'text/html; charset=utf-8';

function page(title: string, body: string): string {
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<title>${escapeHtml(title)}</title>\n</head>\n<body>\n${body}\n</body>\n</html>\n`
  );
}

function htmlResponse(html: string, extra: Record<string, string> = {}): Response {
  return new Response(html, { headers: { 'content-type': HTML, ...extra } });
}

/** The page {@link debugApp} sends. */
export const DEBUG_PAGE: string = page('trowel test', '<p>simple</p>');

/**
 * An application that answers every request with the same small HTML page: to check that a
 * deployment serves at all. Paste's `egg:Paste#test` (its page was not valid HTML; this one is).
 *
 * @example
 * ```ts
 * import { debugApp } from 'trowel/debug';
 * import { serve } from 'trowel/server';
 * await serve(debugApp(), { port: 8080 });
 * ```
 */
export function debugApp(): Handler {
  return () => htmlResponse(DEBUG_PAGE);
}

/** Options of {@link echoApp}. */
export interface EchoAppOptions {
  /** Answer in `text/plain` (`name: value` lines) instead of HTML. @default false */
  readonly text?: boolean;
  /** Wrap the application in `lint()` (strict), as PasteScript's `lint = true` did. @default false */
  readonly lint?: boolean;
  /**
   * Header fields whose values are replaced by their length: credentials the page would otherwise
   * put where a script on the same origin can read them, `HttpOnly` cookies included.
   * @default ['authorization', 'cookie', 'proxy-authorization']
   */
  readonly redact?: readonly string[];
}

/** The message of the error {@link echoApp} throws for `?error`. */
export const ECHO_ERROR_MESSAGE = 'Here is your error report, ordered and delivered';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function fail(what: string, message: string): never {
  throw new ConfigError(`TROWEL_ERR_DEBUG_${what}`, message);
}

function checkBoolean(name: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') {
    fail(name.toUpperCase(), `${name} must be true or false, got ${JSON.stringify(value)}`);
  }
  return value === true;
}

/** The rows of the echo page: section, name, value. */
function rows(
  request: Request,
  ctx: Context,
  redact: ReadonlySet<string>,
): [string, string, string][] {
  const out: [string, string, string][] = [
    ['request', 'method', request.method],
    ['request', 'url', request.url],
    ['context', 'scriptName', ctx.scriptName],
    ['context', 'pathInfo', ctx.pathInfo],
    ['context', 'remoteAddr', ctx.remoteAddr],
    ['context', 'remotePort', String(ctx.remotePort)],
    ['context', 'scheme', ctx.scheme],
    ['context', 'host', ctx.host],
  ];
  const user = ctx.get(REMOTE_USER);
  if (user !== undefined) out.push(['context', 'REMOTE_USER', user]);
  const authType = ctx.get(AUTH_TYPE);
  if (authType !== undefined) out.push(['context', 'AUTH_TYPE', authType]);
  // Headers iterate sorted by name already (Fetch sorts and lower-cases them).
  for (const [name, value] of request.headers) {
    out.push([
      'header',
      name,
      redact.has(name) ? `(hidden: ${String(value.length)} characters)` : value,
    ]);
  }
  return out;
}

/**
 * An application that shows what it received: the request line, the context and the header
 * fields, as an HTML table (or text). A query with an `error` parameter makes it throw an `Error`
 * instead, to check what the error middleware shows. PasteScript's `egg:PasteScript#test`, which
 * listed the WSGI environ.
 *
 * @throws {ConfigError} `TROWEL_ERR_DEBUG_TEXT`, `TROWEL_ERR_DEBUG_LINT` or
 * `TROWEL_ERR_DEBUG_REDACT` for a bad option, when built.
 * @example
 * ```ts
 * import { echoApp } from 'trowel/debug';
 * const app = echoApp({ text: true });
 * ```
 */
export function echoApp(options: EchoAppOptions = {}): Handler {
  const text = checkBoolean('text', options.text);
  const linted = checkBoolean('lint', options.lint);
  const names: unknown = options.redact ?? ['authorization', 'cookie', 'proxy-authorization'];
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && TOKEN.test(n))) {
    fail('REDACT', 'echoApp(): redact must be a list of header names');
  }
  const redact = new Set((names as string[]).map((n) => n.toLowerCase()));

  const app: Handler = (request, ctx) => {
    if (new URL(request.url).searchParams.has('error')) throw new Error(ECHO_ERROR_MESSAGE);
    const found = rows(request, ctx, redact);
    // The page mirrors this one request: no cache may keep it for another client.
    const headers = { 'cache-control': 'no-store' };
    if (text) {
      const lines = found.map(([section, name, value]) => `${section} ${name}: ${value}\n`);
      return new Response(lines.join(''), {
        headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
      });
    }
    const table = found
      .map(
        ([section, name, value]) =>
          `<tr><th scope="row">${section}</th><td><code>${escapeHtml(name)}</code></td>` +
          `<td><code>${escapeHtml(value)}</code></td></tr>`,
      )
      .join('\n');
    return htmlResponse(
      page(
        'Test application',
        `<h1>Test application: working!</h1>\n<table>\n${table}\n</table>\n` +
          '<p>To see an error report, add <code>?error=1</code> to the URL.</p>',
      ),
      headers,
    );
  };
  return linted ? lint()(app) : app;
}

/** Options of {@link slowApp}. */
export interface SlowAppOptions {
  /** Bytes read between two pauses. @default 4096 */
  readonly chunkSize?: number;
  /** Milliseconds to pause after each chunk (Paste's `delay` was in seconds). @default 1000 */
  readonly delay?: number;
  /**
   * Report progress before each chunk: `true` writes Paste's `<remaining> of <total> remaining`
   * line (or `<received> bytes received` for an upload of unknown length) to standard output; a
   * function receives the bytes received so far and the declared total.
   * @default true
   */
  readonly progress?: boolean | ((received: number, total: number | undefined) => void);
}

/** The upload form {@link slowApp} shows to a request without a body. */
export const UPLOAD_FORM: string = page(
  'Slow upload',
  '<form method="post" enctype="multipart/form-data">\n<input type="file" name="file" ' +
    'aria-label="File">\n<input type="submit" value="Upload">\n</form>',
);

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function printProgress(received: number, total: number | undefined): void {
  process.stdout.write(
    total === undefined
      ? `${String(received)} bytes received\n`
      : `${String(total - received)} of ${String(total)} remaining\n`,
  );
}

/**
 * An application that reads an upload slowly — `chunkSize` bytes, then a pause of `delay` ms — and
 * answers with the number of bytes it got: to watch how proxies, timeouts and progress bars deal
 * with a slow consumer. A request without a body gets an upload form. Paste's `egg:Paste#test_slow`
 * (which ignored its `chunk_size` and `progress` settings, slept in the server's thread, and read
 * only uploads with a `Content-Length`). The pause ends early when the client goes away.
 *
 * @throws {ConfigError} `TROWEL_ERR_DEBUG_CHUNK_SIZE`, `TROWEL_ERR_DEBUG_DELAY` or
 * `TROWEL_ERR_DEBUG_PROGRESS` for a bad option, when built.
 * @example
 * ```ts
 * import { slowApp } from 'trowel/debug';
 * const app = slowApp({ chunkSize: 1024, delay: 100, progress: false });
 * ```
 */
export function slowApp(options: SlowAppOptions = {}): Handler {
  const chunkSize: unknown = options.chunkSize ?? 4096;
  if (typeof chunkSize !== 'number' || !Number.isInteger(chunkSize) || chunkSize < 1) {
    fail('CHUNK_SIZE', 'slowApp(): chunkSize must be a whole number of bytes, at least 1');
  }
  const delay: unknown = options.delay ?? 1000;
  if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0 || delay > 3_600_000) {
    fail('DELAY', 'slowApp(): delay must be a number of milliseconds from 0 to 3600000');
  }
  const progress: unknown = options.progress ?? true;
  if (typeof progress !== 'boolean' && typeof progress !== 'function') {
    fail('PROGRESS', 'slowApp(): progress must be true, false or a function');
  }
  const report =
    progress === true
      ? printProgress
      : progress === false
        ? undefined
        : (progress as (received: number, total: number | undefined) => void);

  return async (request, ctx) => {
    const body = request.body;
    if (body === null) return htmlResponse(UPLOAD_FORM);
    const declared = request.headers.get('content-length');
    const total = declared !== null && /^\d+$/.test(declared) ? Number(declared) : undefined;
    const { signal } = ctx;
    let received = 0;
    for await (const chunk of body) {
      for (let at = 0; at < chunk.byteLength; at += chunkSize) {
        report?.(received, total);
        received += Math.min(chunkSize, chunk.byteLength - at);
        // Leaving the loop (an abort) cancels the body, so the rest of the upload is not read.
        if (delay > 0) await pause(delay, signal);
        else signal.throwIfAborted();
      }
    }
    return htmlResponse(page('Slow upload', `<p>${String(received)} bytes</p>`));
  };
}
