import { afterEach, describe, expect, it, vi } from 'vitest';
import { Context } from '../core/context.ts';
import { isConfigError } from '../core/config-error.ts';
import type { Handler } from '../core/handler.ts';
import { REMOTE_USER } from '../core/keys.ts';
import { isLintError } from '../lint/index.ts';
import { serve, type TrowelServer } from '../server/index.ts';
import { loadValidator } from './validate/load.ts';
import {
  DEBUG_PAGE,
  ECHO_ERROR_MESSAGE,
  UPLOAD_FORM,
  debugApp,
  echoApp,
  slowApp,
  type EchoAppOptions,
  type SlowAppOptions,
} from './index.ts';

async function call(
  app: Handler,
  url = 'http://localhost/',
  init: RequestInit = {},
  ctx: (request: Request) => Context = (request) => new Context(request),
): Promise<Response> {
  const request = new Request(url, init);
  return app(request, ctx(request));
}

async function validationFindings(html: string): Promise<string[]> {
  const validator = loadValidator({
    extends: ['html-validate:standard', 'html-validate:document'],
  });
  const report = await validator.validateString(html, 'response.html');
  return report.results.flatMap((r) => r.messages.map((m) => `${m.ruleId}: ${m.message}`));
}

let server: TrowelServer | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await server?.close({ timeout: 1000 });
  server = undefined;
});

describe('debugApp()', () => {
  it.each(['GET', 'POST', 'DELETE'])('answers %s with the fixed HTML page', async (method) => {
    const response = await call(debugApp(), 'http://localhost/any/path', { method });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await response.text()).toBe(DEBUG_PAGE);
  });

  it('sends valid HTML', async () => {
    expect(await validationFindings(DEBUG_PAGE)).toEqual([]);
  });
});

describe('echoApp()', () => {
  it('lists the request, the context and the header fields, escaped', async () => {
    const response = await call(
      echoApp(),
      'http://localhost/app/x?q=1',
      { headers: { 'x-test': '<script>alert(1)</script>' } },
      (request) =>
        new Context(request, {
          scriptName: '/app',
          pathInfo: '/x',
          remoteAddr: '203.0.113.9',
        }).set(REMOTE_USER, 'frank'),
    );
    expect(response.headers.get('cache-control')).toBe('no-store');
    const html = await response.text();
    for (const row of [
      ['request', 'method', 'GET'],
      ['request', 'url', 'http://localhost/app/x?q=1'],
      ['context', 'scriptName', '/app'],
      ['context', 'pathInfo', '/x'],
      ['context', 'remoteAddr', '203.0.113.9'],
      ['context', 'REMOTE_USER', 'frank'],
      ['header', 'x-test', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ]) {
      expect(html).toContain(
        `<tr><th scope="row">${row[0] ?? ''}</th><td><code>${row[1] ?? ''}</code></td><td><code>${row[2] ?? ''}</code></td></tr>`,
      );
    }
    expect(html).not.toContain('<script>');
  });

  it('sends valid HTML', async () => {
    const response = await call(echoApp(), 'http://localhost/', { headers: { accept: '*/*' } });
    expect(await validationFindings(await response.text())).toEqual([]);
  });

  it('answers in text, one line per value, with text: true', async () => {
    const response = await call(echoApp({ text: true }), 'http://localhost/p', {
      method: 'POST',
      headers: { 'x-b': '2', 'x-a': '1' },
    });
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const lines = (await response.text()).split('\n');
    expect(lines.slice(0, 2)).toEqual(['request method: POST', 'request url: http://localhost/p']);
    expect(lines.filter((l) => l.startsWith('header x-'))).toEqual([
      'header x-a: 1',
      'header x-b: 2',
    ]);
  });

  it('hides credentials by default, showing only their length', async () => {
    const response = await call(echoApp({ text: true }), 'http://localhost/', {
      headers: { authorization: 'Basic c2VjcmV0', cookie: 'sid=abc' },
    });
    const text = await response.text();
    expect(text).toContain('header authorization: (hidden: 14 characters)\n');
    expect(text).toContain('header cookie: (hidden: 7 characters)\n');
    expect(text).not.toContain('c2VjcmV0');
  });

  it('shows them when redact is empty', async () => {
    const response = await call(echoApp({ text: true, redact: [] }), 'http://localhost/', {
      headers: { cookie: 'sid=abc' },
    });
    expect(await response.text()).toContain('header cookie: sid=abc\n');
  });

  it('throws for ?error, so the error middleware has something to show', async () => {
    await expect(call(echoApp(), 'http://localhost/?error=t')).rejects.toThrow(ECHO_ERROR_MESSAGE);
  });

  it('runs inside lint() with lint: true', async () => {
    const bad = (request: Request): Context =>
      new Context(request, { scheme: 'gopher', remoteAddr: '127.0.0.1' });
    await expect(call(echoApp({ lint: true }), 'http://localhost/', {}, bad)).rejects.toSatisfy(
      isLintError,
    );
    await expect(call(echoApp(), 'http://localhost/', {}, bad)).resolves.toBeInstanceOf(Response);
  });

  it.each([
    ['a text option that is not a boolean', { text: 'yes' }, 'TROWEL_ERR_DEBUG_TEXT'],
    ['a lint option that is not a boolean', { lint: 1 }, 'TROWEL_ERR_DEBUG_LINT'],
    ['redact not a list', { redact: 'cookie' }, 'TROWEL_ERR_DEBUG_REDACT'],
    ['redact with a bad name', { redact: ['bad name'] }, 'TROWEL_ERR_DEBUG_REDACT'],
  ])('refuses %s when built', (_name, options, code) => {
    let error: unknown;
    try {
      echoApp(options as EchoAppOptions);
    } catch (caught) {
      error = caught;
    }
    expect(isConfigError(error) && error.code).toBe(code);
  });
});

describe('slowApp()', () => {
  it('shows the upload form to a request without a body', async () => {
    const response = await call(slowApp());
    expect(await response.text()).toBe(UPLOAD_FORM);
    expect(await validationFindings(UPLOAD_FORM)).toEqual([]);
  });

  it('reads the upload chunkSize bytes at a time, reporting progress before each', async () => {
    const seen: [number, number | undefined][] = [];
    const app = slowApp({ chunkSize: 4, delay: 0, progress: (r, t) => seen.push([r, t]) });
    const response = await call(app, 'http://localhost/', {
      method: 'POST',
      body: 'abcdefghij',
      headers: { 'content-length': '10' },
    });
    expect(await response.text()).toContain('<p>10 bytes</p>');
    expect(seen).toEqual([
      [0, 10],
      [4, 10],
      [8, 10],
    ]);
  });

  it('pauses delay ms after each chunk', async () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    const app = slowApp({ chunkSize: 5, delay: 1000, progress: (r) => seen.push(r) });
    const pending = call(app, 'http://localhost/', { method: 'POST', body: 'x'.repeat(12) });
    await vi.advanceTimersByTimeAsync(999);
    expect(seen).toEqual([0]);
    await vi.advanceTimersByTimeAsync(1);
    expect(seen).toEqual([0, 5]);
    await vi.advanceTimersByTimeAsync(2000);
    expect(await (await pending).text()).toContain('<p>12 bytes</p>');
  });

  it('stops reading, and rejects, when the client goes away', async () => {
    const controller = new AbortController();
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulls++;
        c.enqueue(new Uint8Array(4));
      },
    });
    const app = slowApp({ chunkSize: 4, delay: 60_000, progress: false });
    const pending = call(
      app,
      'http://localhost/',
      { method: 'POST', body, duplex: 'half' } as RequestInit,
      (request) => new Context(request, { signal: controller.signal }),
    );
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort(new Error('client left'));
    await expect(pending).rejects.toThrow();
    const before = pulls;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(pulls).toBe(before);
  });

  it('reads a chunked upload of unknown length over a real socket', async () => {
    const lines: number[] = [];
    server = await serve(slowApp({ delay: 1, chunkSize: 1024, progress: (r) => lines.push(r) }), {
      port: 0,
      host: '127.0.0.1',
    });
    const encoder = new TextEncoder();
    const response = await fetch(`${server.url}/upload`, {
      method: 'POST',
      body: new ReadableStream<Uint8Array>({
        start(c) {
          c.enqueue(encoder.encode('a'.repeat(3000)));
          c.enqueue(encoder.encode('b'.repeat(100)));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(await response.text()).toContain('<p>3100 bytes</p>');
    expect(lines.length).toBeGreaterThanOrEqual(4);
  });

  it.each([
    ['a chunkSize of 0', { chunkSize: 0 }, 'TROWEL_ERR_DEBUG_CHUNK_SIZE'],
    ['a fractional chunkSize', { chunkSize: 1.5 }, 'TROWEL_ERR_DEBUG_CHUNK_SIZE'],
    ['a negative delay', { delay: -1 }, 'TROWEL_ERR_DEBUG_DELAY'],
    ['a delay as a string', { delay: '1' }, 'TROWEL_ERR_DEBUG_DELAY'],
    ['a progress that is a string', { progress: 'yes' }, 'TROWEL_ERR_DEBUG_PROGRESS'],
  ])('refuses %s when built', (_name, options, code) => {
    let error: unknown;
    try {
      slowApp(options as SlowAppOptions);
    } catch (caught) {
      error = caught;
    }
    expect(isConfigError(error) && error.code).toBe(code);
  });

  it('writes Paste’s progress lines to standard output by default', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const app = slowApp({ chunkSize: 3, delay: 0 });
      await (
        await call(app, 'http://localhost/', {
          method: 'POST',
          body: 'abcde',
          headers: { 'content-length': '5' },
        })
      ).text();
    } finally {
      spy.mockRestore();
    }
    expect(written).toEqual(['5 of 5 remaining\n', '2 of 5 remaining\n']);
  });
});
