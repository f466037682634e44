/**
 * @module trowel/debug/validate
 *
 * Validates the HTML pages an application sends, with html-validate, and shows what it found:
 * appended to the page itself, just before `</body>` (`mode: 'append'`, the default), or handed
 * to a `log` function with the page left as it was (`mode: 'log'`). It replaces
 * `paste.debug.wdg_validate` (`egg:Paste#wdg_validate`), which piped every page through the WDG
 * `validate` program; here the validator runs in-process, with no program to install and no
 * process per request.
 *
 * - Only `text/html` and `application/xhtml+xml` responses in UTF-8, not content-encoded, not a
 *   206 part, not to HEAD, and at most `limit` bytes are checked; everything else passes
 *   untouched, streamed as it came.
 * - A page with no findings is sent as it was, byte for byte. A page with findings gets the block
 *   appended (everything in it escaped); its `Content-Length` is recomputed and its `ETag` dropped,
 *   since the bytes changed.
 * - html-validate is an optional peer dependency: it is loaded, and the configuration checked,
 *   when the middleware is built, so a missing package or a bad preset fails at startup.
 *
 * When not to use it: in production (it buffers each page and spends CPU on it), or to check
 * templates in CI, where running html-validate on the templates or in the test suite is cheaper.
 */
import { ConfigError } from '../../core/config-error.ts';
import type { Handler, Middleware } from '../../core/handler.ts';
import { insertIntoHtml, readHtmlResponse, withHtmlBody } from '../html.ts';
import { loadValidator, PAGE_FILENAME, type Validator } from './load.ts';
import {
  htmlBlock,
  textReport,
  toFindings,
  type HtmlFinding,
  type HtmlValidationReport,
} from './report.ts';

export { BLOCK_ID, type HtmlFinding, type HtmlValidationReport } from './report.ts';

/** Options of {@link validateHtml}. */
export interface ValidateHtmlOptions {
  /** `'append'`: add the findings to the page; `'log'`: pass them to `log`. @default 'append' */
  readonly mode?: 'append' | 'log';
  /**
   * Receives each page's findings in `'log'` mode (pages without findings are not reported).
   * @default writes `report.text` to standard error
   */
  readonly log?: (report: HtmlValidationReport) => void;
  /**
   * An html-validate configuration object (its `ConfigData`: `extends`, `rules`, `elements`, …).
   * @default { extends: ['html-validate:standard', 'html-validate:document'] }
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /** The largest page, in bytes, to validate; larger ones pass unchecked. @default 2 MiB */
  readonly limit?: number;
}

/** Validity of whole documents, without html-validate's style preferences. */
export const DEFAULT_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  extends: ['html-validate:standard', 'html-validate:document'],
});

const TYPES = ['text/html', 'application/xhtml+xml'];
const MAX_LIMIT = 64 * 1024 * 1024;

function fail(what: string, message: string): never {
  throw new ConfigError(`TROWEL_ERR_VALIDATE_${what}`, `validateHtml(): ${message}`);
}

function writeToStderr(report: HtmlValidationReport): void {
  process.stderr.write(`${report.text}\n`);
}

/** Whether the response says it is HTML at all: a cheap look before anything is cloned. */
function mayBeHtml(request: Request, response: Response): boolean {
  if (request.method === 'HEAD' || response.body === null) return false;
  const type = response.headers.get('content-type');
  if (type === null) return false;
  const essence = (type.split(';', 1)[0] ?? '').trim().toLowerCase();
  return TYPES.includes(essence);
}

async function findingsOf(validator: Validator, html: string): Promise<HtmlFinding[]> {
  const report = await validator.validateString(html, PAGE_FILENAME);
  return toFindings(report.results.flatMap((result) => result.messages));
}

/**
 * The validating middleware; see the module comment.
 *
 * @throws {ConfigError} when built: `TROWEL_ERR_VALIDATE_PEER` (html-validate is not installed),
 * `TROWEL_ERR_VALIDATE_CONFIG` (html-validate refuses `config`), `TROWEL_ERR_VALIDATE_MODE`,
 * `TROWEL_ERR_VALIDATE_LOG` or `TROWEL_ERR_VALIDATE_LIMIT`.
 * @example
 * ```ts
 * import { validateHtml } from 'trowel/debug/validate';
 *
 * const app = validateHtml()(
 *   () =>
 *     new Response('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><p>hi</body></html>', {
 *       headers: { 'content-type': 'text/html; charset=utf-8' },
 *     }),
 * );
 * ```
 */
export function validateHtml(options: ValidateHtmlOptions = {}): Middleware {
  // Checked as unknown: options also come from JavaScript and from config files.
  const mode: unknown = options.mode ?? 'append';
  if (mode !== 'append' && mode !== 'log') {
    fail('MODE', `mode must be 'append' or 'log', got ${JSON.stringify(mode)}`);
  }
  const log: unknown = options.log;
  if (log !== undefined && typeof log !== 'function') fail('LOG', 'log must be a function');
  if (log !== undefined && mode === 'append') {
    fail('LOG', "log is used only with mode: 'log'; the append mode puts findings in the page");
  }
  const report = (log as ValidateHtmlOptions['log']) ?? writeToStderr;
  const limit: unknown = options.limit ?? 2 * 1024 * 1024;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    fail('LIMIT', `limit must be a whole number of bytes from 1 to ${String(MAX_LIMIT)}`);
  }
  const config: unknown = options.config ?? DEFAULT_CONFIG;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    fail('CONFIG', 'config must be an html-validate configuration object');
  }
  const validator = loadValidator(config as Readonly<Record<string, unknown>>);

  const logFindings = async (request: Request, copy: Response): Promise<void> => {
    const html = await readHtmlResponse(copy, limit, { types: TYPES });
    if (html === undefined) return;
    const findings = await findingsOf(validator, html);
    if (findings.length > 0) report(textReport(request.method, request.url, findings));
  };

  return (next: Handler): Handler =>
    async (request, ctx) => {
      const response = await next(request, ctx);
      if (!mayBeHtml(request, response)) return response;

      if (mode === 'log') {
        // The page goes out at once; a copy is validated beside it.
        logFindings(request, response.clone()).catch((error: unknown) => {
          process.emitWarning(
            `HTML validation of ${request.method} ${request.url} failed: ${String(error)}`,
            'TrowelValidateWarning',
          );
        });
        return response;
      }

      // Read a copy, so that a page with no findings (or one too large) goes out untouched.
      const html = await readHtmlResponse(response.clone(), limit, { types: TYPES });
      if (html === undefined) return response;
      let block: string;
      try {
        const findings = await findingsOf(validator, html);
        if (findings.length === 0) return response;
        block = htmlBlock(findings);
      } catch (error) {
        block = htmlBlock([], error instanceof Error ? error.message : String(error));
      }
      await response.body?.cancel().catch(() => undefined);
      return withHtmlBody(response, insertIntoHtml(html, block, 'before-body-end'));
    };
}
