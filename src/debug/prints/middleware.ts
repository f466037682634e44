/**
 * `prints()`: the middleware that shows the console output of a request in its HTML page.
 */
import { createKey, type Context, type Key } from '../../core/context.ts';
import { escapeHtml } from '../../core/escape.ts';
import type { Handler, Middleware } from '../../core/handler.ts';
import { trustCheck } from '../../forwarded/trust.ts';
import { htmlInsertionPoint, readHtmlResponse, withHtmlBody } from '../html.ts';
import { Capture, capturing } from './capture.ts';
import { resolvePrintsOptions, type PrintsOptions } from './options.ts';

const isLoopback = trustCheck(['loopback']);

/** What `prints()` hands to the application for the current request. */
export interface PrintsHandle {
  /** The output captured so far. */
  readonly text: string;
  /** Leaves this response alone: the output is not put into it (Paste's `paste.remove_printdebug`). */
  skip(): void;
}

/**
 * The {@link PrintsHandle} of the current request, set by `prints()`.
 *
 * @example
 * ```ts
 * import { PRINTS } from 'trowel/debug/prints';
 * import type { Handler } from 'trowel';
 * const download: Handler = (_req, ctx) => {
 *   ctx.get(PRINTS)?.skip();
 *   return new Response('<p>exported</p>', { headers: { 'content-type': 'text/html' } });
 * };
 * ```
 */
export const PRINTS: Key<PrintsHandle> = createKey<PrintsHandle>('trowel.debug.prints');

const BOX =
  'all:initial;display:block;margin:0 0 1em;padding:.5em 1em;border-bottom:2px solid #555;' +
  'background:#fafafa;color:#111;font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace';

/**
 * Captures what the application writes with `console.log` and its siblings while it handles a
 * request, and shows it in the page: in the element whose id is `id` when the page has one, else in
 * a box right after `<body>`. Each request sees only its own output, even when requests run
 * concurrently (an `AsyncLocalStorage` follows each request through its awaits). A development
 * tool: it answers loopback clients only unless `allowRemote`.
 *
 * Output made once the response has been built (by a timer that fires later, or while a non-HTML
 * body streams) is not captured: it goes to the real console only.
 *
 * @throws {ConfigError} `TROWEL_ERR_PRINTS_OPTIONS` for a bad option.
 * @example
 * ```ts
 * import { prints } from 'trowel/debug/prints';
 * const app = prints()(() => {
 *   console.log('rendering the home page');
 *   return new Response('<body><h1>Home</h1></body>', { headers: { 'content-type': 'text/html' } });
 * });
 * ```
 */
export function prints(options: PrintsOptions = {}): Middleware {
  const settings = resolvePrintsOptions(options);
  return (next: Handler): Handler =>
    async (request: Request, ctx: Context): Promise<Response> => {
      if (!settings.allowRemote && !isLoopback(ctx.remoteAddr)) return next(request, ctx);
      const capture = new Capture(settings.tee, settings.maxOutput);
      let skipped = false;
      const child = ctx.derive({}).set(PRINTS, {
        get text() {
          return capture.text;
        },
        skip() {
          skipped = true;
        },
      });
      return capturing(capture, async () => {
        try {
          const response = await next(request, child);
          if (skipped) return response;
          // The body is read inside the capture, so output made while it streams is in the page.
          const html = await readHtmlResponse(response, settings.htmlLimit, {
            types: settings.force ? [essence(response)] : ['text/html'],
          });
          if (html === undefined) return response;
          capture.close();
          if (capture.entries.length === 0 && capture.dropped === 0) {
            // Same bytes, so the length and validators still hold.
            return new Response(html, response);
          }
          const place = htmlInsertionPoint(html, 'after-body-start', settings.id);
          const fragment = render(capture, place.intoElement);
          return withHtmlBody(
            response,
            html.slice(0, place.offset) + fragment + html.slice(place.offset),
          );
        } finally {
          capture.close();
        }
      });
    };
}

function essence(response: Response): string {
  return (response.headers.get('content-type') ?? '').split(';', 1)[0]?.trim().toLowerCase() ?? '';
}

/**
 * The output, escaped: bare inside the page's own element, else in a box of its own. Output to
 * stderr is set in red.
 */
function render(capture: Capture, intoElement: boolean): string {
  const text =
    capture.entries
      .map((entry) =>
        entry.stream === 'stderr'
          ? `<span style="color:#a00">${escapeHtml(entry.text)}</span>`
          : escapeHtml(entry.text),
      )
      .join('') +
    (capture.dropped > 0
      ? `\n… ${String(capture.dropped)} more characters not kept (maxOutput)\n`
      : '');
  if (intoElement) return text;
  return (
    `<details open style="${BOX}">` +
    '<summary style="cursor:pointer;font-weight:bold">Console output of this request</summary>' +
    `<pre style="margin:.5em 0 0;white-space:pre-wrap;font:inherit">${text}</pre></details>`
  );
}
