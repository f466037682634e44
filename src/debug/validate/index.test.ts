import { describe, expect, it, vi } from 'vitest';
import { Context } from '../../core/context.ts';
import { isConfigError } from '../../core/config-error.ts';
import type { Handler } from '../../core/handler.ts';
import {
  BLOCK_ID,
  validateHtml,
  type HtmlValidationReport,
  type ValidateHtmlOptions,
} from './index.ts';

const VALID =
  '<!DOCTYPE html>\n<html lang="en">\n<head><title>t</title></head>\n<body>\n<p>fine</p>\n</body>\n</html>\n';
const INVALID =
  '<!DOCTYPE html>\n<html lang="en">\n<head><title>t</title></head>\n<body>\n' +
  '<span><div>x</div></span>\n<input type="<img src=x onerror=alert(1)>">\n</body>\n</html>\n';

const html = (body: BodyInit, headers: Record<string, string> = {}): Response =>
  new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8', ...headers } });

async function send(
  handler: Handler,
  method = 'GET',
  url = 'http://localhost/page',
): Promise<Response> {
  const request = new Request(url, { method });
  return handler(request, new Context(request));
}

describe('validateHtml() in append mode', () => {
  it('appends the findings, with line:column and rule, before </body>', async () => {
    const response = await send(validateHtml()(() => html(INVALID)));
    const text = await response.text();
    const block = text.slice(text.indexOf(`<section id="${BLOCK_ID}"`), text.indexOf('</body>'));
    expect(text.startsWith(INVALID.slice(0, INVALID.indexOf('</body>')))).toBe(true);
    expect(text.endsWith('</section></body>\n</html>\n')).toBe(true);
    expect(block).toContain('HTML validation: 3 errors, 0 warnings');
    expect(block).toContain(
      '<li>5:8 <strong>error</strong> <a href="https://html-validate.org/rules/element-permitted-content.html" style="color:#0645ad">element-permitted-content</a>: &lt;div&gt; element is not permitted as content under &lt;span&gt;</li>',
    );
  });

  it('escapes what the messages quote from the page', async () => {
    const text = await (await send(validateHtml()(() => html(INVALID)))).text();
    const block = text.slice(text.indexOf(`<section id="${BLOCK_ID}"`));
    expect(block).toContain(
      'Attribute &quot;type&quot; has invalid value &quot;&lt;img src=x onerror=alert(1)&gt;&quot;',
    );
    expect(block).not.toContain('<img');
  });

  it('drops the Content-Length and ETag of the bytes it changed, and keeps the rest', async () => {
    const response = await send(
      validateHtml()(() =>
        html(INVALID, { etag: '"v1"', 'content-length': String(INVALID.length), 'x-app': 'a' }),
      ),
    );
    expect(response.headers.get('etag')).toBeNull();
    expect(response.headers.get('content-length')).toBeNull();
    expect(response.headers.get('x-app')).toBe('a');
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('sends a valid page as it was, ETag included', async () => {
    const response = await send(validateHtml()(() => html(VALID, { etag: '"v1"' })));
    expect(response.headers.get('etag')).toBe('"v1"');
    expect(await response.text()).toBe(VALID);
  });

  it('validates application/xhtml+xml too', async () => {
    const response = await send(
      validateHtml()(
        () => new Response(INVALID, { headers: { 'content-type': 'application/xhtml+xml' } }),
      ),
    );
    expect(await response.text()).toContain(BLOCK_ID);
  });

  it.each([
    [
      'plain text',
      () => new Response(INVALID, { headers: { 'content-type': 'text/plain' } }),
      'GET',
    ],
    ['JSON', () => Response.json({ html: INVALID }), 'GET'],
    ['no content type', () => new Response(INVALID), 'GET'],
    ['a HEAD request', () => html(INVALID), 'HEAD'],
    ['gzip-encoded HTML', () => html(INVALID, { 'content-encoding': 'gzip' }), 'GET'],
    [
      'a 206 part',
      () => new Response(INVALID, { status: 206, headers: { 'content-type': 'text/html' } }),
      'GET',
    ],
    [
      'HTML in another charset',
      () => html(INVALID, { 'content-type': 'text/html; charset=iso-8859-1' }),
      'GET',
    ],
  ])('passes %s through untouched', async (_name, make, method) => {
    const original = make();
    const response = await send(
      validateHtml()(() => original),
      method,
    );
    expect(response).toBe(original);
    expect(response.bodyUsed).toBe(false);
  });

  it('passes a page larger than the limit through unchecked', async () => {
    const response = await send(validateHtml({ limit: 64 })(() => html(INVALID)));
    expect(await response.text()).toBe(INVALID);
  });

  it('checks with the configuration it was given', async () => {
    const config = {
      extends: ['html-validate:standard'],
      rules: { 'element-permitted-content': 'off', 'input-missing-label': 'off' },
    };
    const text = await (await send(validateHtml({ config })(() => html(INVALID)))).text();
    expect(text).toContain('1 error, 0 warnings');
    expect(text).not.toContain('element-permitted-content');
  });
});

describe('validateHtml() in log mode', () => {
  function logMode(options: ValidateHtmlOptions = {}): {
    reports: Promise<HtmlValidationReport>;
    middleware: ReturnType<typeof validateHtml>;
  } {
    let deliver: (report: HtmlValidationReport) => void = () => undefined;
    const reports = new Promise<HtmlValidationReport>((resolve) => (deliver = resolve));
    return { reports, middleware: validateHtml({ mode: 'log', log: deliver, ...options }) };
  }

  it('leaves the page intact and hands the findings to log', async () => {
    const { reports, middleware } = logMode();
    const response = await send(
      middleware(() => html(INVALID, { etag: '"v1"' })),
      'GET',
      'http://localhost/a?b=1',
    );
    expect(response.headers.get('etag')).toBe('"v1"');
    expect(await response.text()).toBe(INVALID);
    const report = await reports;
    expect(report.method).toBe('GET');
    expect(report.url).toBe('http://localhost/a?b=1');
    expect(report.findings.map((f) => [f.line, f.column, f.rule, f.severity])).toEqual([
      [5, 8, 'element-permitted-content', 'error'],
      [6, 2, 'input-missing-label', 'error'],
      [6, 14, 'attribute-allowed-values', 'error'],
    ]);
    expect(report.text.split('\n')[0]).toBe(
      'HTML validation of GET http://localhost/a?b=1: 3 errors, 0 warnings',
    );
  });

  it('reports only the pages with findings', async () => {
    const { reports, middleware } = logMode();
    const app = middleware((request) =>
      html(new URL(request.url).pathname === '/bad' ? INVALID : VALID),
    );
    await (await send(app, 'GET', 'http://localhost/good')).text();
    await (await send(app, 'GET', 'http://localhost/bad')).text();
    expect((await reports).url).toBe('http://localhost/bad');
  });
});

describe('validateHtml() in log mode without a log function', () => {
  it('writes the report to standard error', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await (await send(validateHtml({ mode: 'log' })(() => html(INVALID)))).text();
      await vi.waitFor(() => {
        expect(written).toHaveLength(1);
      });
    } finally {
      spy.mockRestore();
    }
    expect(written[0]).toMatch(
      /^HTML validation of GET http:\/\/localhost\/page: 3 errors, 0 warnings\n {2}5:8 error /,
    );
  });
});

describe('validateHtml() options', () => {
  it.each([
    ['an unknown mode', { mode: 'inline' }, 'TROWEL_ERR_VALIDATE_MODE'],
    ['a log that is not a function', { mode: 'log', log: 'stderr' }, 'TROWEL_ERR_VALIDATE_LOG'],
    ['a log in append mode', { log: () => undefined }, 'TROWEL_ERR_VALIDATE_LOG'],
    ['a limit of zero', { limit: 0 }, 'TROWEL_ERR_VALIDATE_LIMIT'],
    ['a fractional limit', { limit: 1.5 }, 'TROWEL_ERR_VALIDATE_LIMIT'],
    [
      'a config that is not an object',
      { config: 'html-validate:standard' },
      'TROWEL_ERR_VALIDATE_CONFIG',
    ],
    [
      'a preset html-validate does not have',
      { config: { extends: ['html-validate:nope'] } },
      'TROWEL_ERR_VALIDATE_CONFIG',
    ],
    [
      'a severity html-validate does not know',
      { config: { rules: { 'no-dup-attr': 'eror' } } },
      'TROWEL_ERR_VALIDATE_CONFIG',
    ],
  ])('refuses %s when built', (_name, options, code) => {
    let error: unknown;
    try {
      validateHtml(options as ValidateHtmlOptions);
    } catch (caught) {
      error = caught;
    }
    expect(isConfigError(error) && error.code).toBe(code);
  });
});
