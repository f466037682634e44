import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { Context } from '../core/context.ts';
import type { Handler, Middleware } from '../core/handler.ts';
import {
  LintError,
  isLintError,
  lint,
  rules,
  type LintFinding,
  type LintOptions,
} from './index.ts';

const peer = (request: Request): Context => new Context(request, { remoteAddr: '127.0.0.1' });
function text(body: string, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  if (!headers.has('content-type')) headers.set('content-type', 'text/plain');
  return new Response(body, { ...init, headers });
}

function call(handler: Handler, request = new Request('http://localhost/')): Promise<Response> {
  return Promise.resolve(handler(request, peer(request)));
}

function collecting(options: LintOptions = {}): { mw: Middleware; findings: LintFinding[] } {
  const findings: LintFinding[] = [];
  return { mw: lint({ ...options, onFinding: (f) => findings.push(f) }), findings };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a correct handler', () => {
  it('gets the same status, status text, header fields and body bytes through lint', async () => {
    const bytes = new Uint8Array([0, 1, 2, 255]);
    const headers = new Headers({ 'content-type': 'application/octet-stream', 'x-a': '1' });
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    const app = lint()(() => new Response(bytes, { status: 201, statusText: 'Made', headers }));
    const response = await call(app);
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Made');
    expect([...response.headers]).toEqual([...headers]);
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(new Uint8Array(await response.arrayBuffer())).toEqual(bytes);
  });

  it('gets its own Response object back when there is no body', async () => {
    const original = new Response(null, { status: 204 });
    expect(await call(lint()(() => original))).toBe(original);
  });

  it('sees the request method, URL, headers and body bytes the caller sent', async () => {
    let seen: unknown[] = [];
    const app = lint()(async (request) => {
      seen = [request.method, request.url, request.headers.get('x-a'), await request.text()];
      return text('ok');
    });
    const request = new Request('http://localhost/p?q=1', {
      method: 'PUT',
      body: 'héllo',
      headers: { 'x-a': 'b' },
    });
    await (await call(app, request)).text();
    expect(seen).toEqual(['PUT', 'http://localhost/p?q=1', 'b', 'héllo']);
  });

  it('gets the caller’s own Request when it has no body', async () => {
    const request = new Request('http://localhost/');
    let seen: Request | undefined;
    await call(
      lint()((r) => ((seen = r), text('ok'))),
      request,
    );
    expect(seen).toBe(request);
  });

  it('leaves the caller’s request body unread until the handler reads it', async () => {
    const request = new Request('http://localhost/', { method: 'POST', body: 'x' });
    await (
      await call(
        lint()(() => text('ok')),
        request,
      )
    ).text();
    expect(request.bodyUsed).toBe(false);
    expect(await request.text()).toBe('x');
  });

  it('streams a request body into the response without findings', async () => {
    const { mw, findings } = collecting();
    const app = mw(
      (request) => new Response(request.body, { headers: { 'content-type': 'text/plain' } }),
    );
    const request = new Request('http://localhost/', {
      method: 'POST',
      body: 'echo',
      headers: { 'content-length': '4' },
    });
    expect(await (await call(app, request)).text()).toBe('echo');
    expect(findings).toEqual([]);
  });

  it('does not read the body before its consumer asks', async () => {
    let pulls = 0;
    const body = new ReadableStream(
      {
        pull(controller) {
          pulls++;
          controller.enqueue(new Uint8Array([1]));
        },
      },
      { highWaterMark: 0 },
    );
    const response = await call(
      lint()(() => new Response(body, { headers: { 'content-type': 'a/b' } })),
    );
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(pulls).toBe(0);
    const reader = response.body!.getReader();
    await reader.read();
    expect(pulls).toBe(1);
    await reader.cancel();
  });

  it('passes a cancellation on to the handler’s body', async () => {
    const cancelled = vi.fn();
    const body = new ReadableStream({ cancel: cancelled });
    const response = await call(
      lint()(() => new Response(body, { headers: { 'content-type': 'a/b' } })),
    );
    await response.body!.cancel('bye');
    expect(cancelled).toHaveBeenCalledWith('bye');
  });
});

describe('errors from the handler', () => {
  const boom = new Error('boom');

  it.each([
    [
      'thrown synchronously',
      (): Response => {
        throw boom;
      },
    ],
    ['rejected asynchronously', (): Promise<Response> => Promise.reject(boom)],
  ])('pass through unchanged when %s', async (_, handler) => {
    const { mw, findings } = collecting();
    await expect(call(mw(handler))).rejects.toBe(boom);
    expect(findings).toEqual([]);
  });

  it('pass through a source error in the body stream', async () => {
    const body = new ReadableStream({
      pull: (c) => {
        c.error(boom);
      },
    });
    const response = await call(
      lint()(() => new Response(body, { headers: { 'content-type': 'a/b' } })),
    );
    await expect(response.text()).rejects.toBe(boom);
  });
});

describe('strict mode', () => {
  it('throws a LintError for a bad request before the handler runs', async () => {
    const handler = vi.fn(() => text('ok'));
    const request = new Request('ftp://localhost/');
    const error = await call(lint()(handler), request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LintError);
    expect((error as LintError).finding).toMatchObject({
      rule: 'request-url-scheme',
      severity: 'error',
      request: { method: 'GET', url: 'ftp://localhost/' },
    });
    expect(handler).not.toHaveBeenCalled();
  });

  it('reports every finding of a phase, then throws the first error', async () => {
    const { mw, findings } = collecting();
    const app = mw(() => text('x', { headers: { etag: 'bad', expires: '0', 'keep-alive': '1' } }));
    await expect(call(app)).rejects.toMatchObject({ finding: { rule: 'response-etag' } });
    expect(findings.map((f) => f.rule)).toEqual([
      'response-etag',
      'response-expires',
      'response-hop-by-hop-header',
    ]);
  });

  it('rejects instead of returning a bad response, and cancels its body', async () => {
    const cancelled = vi.fn();
    const body = new ReadableStream({ cancel: cancelled });
    const app = lint()(() => new Response(body, { headers: { 'content-type': 'a/b', etag: 'x' } }));
    await expect(call(app)).rejects.toBeInstanceOf(LintError);
    expect(cancelled).toHaveBeenCalled();
  });

  it('rejects when the handler returns something other than a Response', async () => {
    const app = lint()((() => ({ status: 200 })) as unknown as Handler);
    await expect(call(app)).rejects.toMatchObject({ finding: { rule: 'response-type' } });
  });

  it('errors the body stream for a finding made while it streams', async () => {
    const app = lint()(() => text('hello', { headers: { 'content-length': '3' } }));
    const response = await call(app);
    await expect(response.text()).rejects.toMatchObject({
      finding: { rule: 'response-content-length-mismatch' },
    });
  });

  it('errors the body stream at a chunk that is not bytes', async () => {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue('text');
        controller.close();
      },
    });
    const response = await call(
      lint()(() => new Response(body, { headers: { 'content-type': 'a/b' } })),
    );
    await expect(response.text()).rejects.toMatchObject({
      finding: { rule: 'response-body-chunk' },
    });
  });

  it('errors the body stream at its end when it is shorter than declared', async () => {
    const app = lint()(() => text('hi', { headers: { 'content-length': '10' } }));
    const error: unknown = await (await call(app)).text().catch((e: unknown) => e);
    expect(isLintError(error) && error.finding.message).toContain('after 2 of the 10 bytes');
  });

  it('errors the request body for a read after the response was complete', async () => {
    let late: Request | undefined;
    const app = lint()((request) => ((late = request), new Response(null, { status: 202 })));
    await call(app, new Request('http://localhost/', { method: 'POST', body: 'x' }));
    await expect(late!.text()).rejects.toMatchObject({
      finding: { rule: 'request-body-read-after-response' },
    });
  });

  it.each([
    ['longer', 'hello', '2'],
    ['shorter', 'hi', '5'],
  ])('errors the request body when it is %s than its Content-Length', async (_, body, length) => {
    let seen: unknown;
    const app = lint()(async (request) => {
      seen = await request.text().catch((e: unknown) => e);
      return text('ok');
    });
    const request = new Request('http://localhost/', {
      method: 'POST',
      body,
      headers: { 'content-length': length },
    });
    await (await call(app, request)).text();
    expect(isLintError(seen) && seen.finding.rule).toBe('request-content-length-mismatch');
  });

  it('only reports a warning', async () => {
    const { mw, findings } = collecting();
    const response = await call(mw(() => text('x', { headers: { expires: '0' } })));
    expect(await response.text()).toBe('x');
    expect(findings.map((f) => [f.rule, f.severity])).toEqual([['response-expires', 'warning']]);
  });

  it('logs warnings to console.warn without onFinding, and throws errors without logging them', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const app = lint()(() => text('x', { headers: { expires: '0', etag: 'x' } }));
    await expect(call(app)).rejects.toBeInstanceOf(LintError);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/^trowel\/lint warning \[response-expires\]/);
  });

  it('propagates what onFinding throws', async () => {
    const failure = new Error('test failed');
    const app = lint({
      onFinding: () => {
        throw failure;
      },
    })(() => text('x', { headers: { expires: '0' } }));
    await expect(call(app)).rejects.toBe(failure);
  });
});

describe('warn mode', () => {
  it('returns what the handler returned, even when it is not a Response', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const app = lint({ mode: 'warn' })((() => 'text') as unknown as Handler);
    expect(await call(app)).toBe('text');
  });

  it('logs errors to console.warn when there is no onFinding', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const response = await call(
      lint({ mode: 'warn' })(() => text('x', { headers: { etag: 'x' } })),
    );
    expect(await response.text()).toBe('x');
    expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([
      expect.stringMatching(
        /^trowel\/lint error \[response-etag\] .* \(GET http:\/\/localhost\/\)$/,
      ),
    ]);
  });

  it('passes a non-Uint8Array chunk on, so the consumer fails as it would without lint', async () => {
    const { mw, findings } = collecting({ mode: 'warn' });
    const body = new ReadableStream({
      start: (c) => {
        c.enqueue('s');
        c.close();
      },
    });
    const response = await call(
      mw(() => new Response(body, { headers: { 'content-type': 'a/b' } })),
    );
    await expect(response.text()).rejects.toThrow(TypeError);
    expect(findings.map((f) => f.rule)).toEqual(['response-body-chunk']);
  });
});

describe('rule overrides', () => {
  it('turns a rule off', async () => {
    const { mw, findings } = collecting({ rules: { 'response-etag': 'off' } });
    await (await call(mw(() => text('x', { headers: { etag: 'x' } })))).text();
    expect(findings).toEqual([]);
  });

  it('makes a warning an error that strict mode throws', async () => {
    const app = lint({ rules: { 'response-expires': 'error' }, onFinding: () => undefined })(() =>
      text('x', { headers: { expires: '0' } }),
    );
    await expect(call(app)).rejects.toMatchObject({ finding: { severity: 'error' } });
  });

  it('makes an error a warning that strict mode lets through', async () => {
    const { mw, findings } = collecting({ rules: { 'response-etag': 'warning' } });
    expect(await (await call(mw(() => text('x', { headers: { etag: 'x' } })))).text()).toBe('x');
    expect(findings[0]?.severity).toBe('warning');
  });
});

describe('options', () => {
  it.each([
    ['an unknown mode', { mode: 'loud' }, 'TROWEL_ERR_LINT_MODE'],
    ['an onFinding that is not a function', { onFinding: 'log' }, 'TROWEL_ERR_LINT_ON_FINDING'],
    ['rules that are not an object', { rules: ['response-etag'] }, 'TROWEL_ERR_LINT_RULES'],
    ['an unknown rule', { rules: { 'no-such-rule': 'off' } }, 'TROWEL_ERR_LINT_RULES'],
    ['an unknown level', { rules: { 'response-etag': 'fatal' } }, 'TROWEL_ERR_LINT_RULES'],
  ])('refuses %s when built', (_, options, code) => {
    let error: unknown;
    try {
      lint(options as unknown as LintOptions);
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error) && error.code).toBe(code);
  });

  it('does not change the options it is given', () => {
    const options = Object.freeze({
      mode: 'warn',
      rules: Object.freeze({ 'response-etag': 'off' }),
    } as const);
    lint(options);
    expect(options).toEqual({ mode: 'warn', rules: { 'response-etag': 'off' } });
  });
});

describe('the catalogue', () => {
  it('has unique kebab-case ids, a severity and a one-line doc for every rule', () => {
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const rule of rules) {
      expect(rule.id).toMatch(/^(request|context|response)(-[a-z0-9]+)+$/);
      expect(['error', 'warning']).toContain(rule.severity);
      expect(rule.doc).toMatch(/^\S.*\.$/);
    }
  });

  it('is the rule table of the README, row for row', () => {
    const readme = readFileSync(join(import.meta.dirname, 'README.md'), 'utf8');
    const rows = [...readme.matchAll(/^\| `([a-z0-9-]+)` \| (error|warning) \| (.+) \|$/gm)];
    expect(rows.map(([, id, severity, doc]) => ({ id, severity, doc }))).toEqual(
      rules.map(({ id, severity, doc }) => ({ id, severity, doc })),
    );
  });

  it('is frozen', () => {
    expect(Object.isFrozen(rules)).toBe(true);
    expect(Object.isFrozen(rules[0])).toBe(true);
  });
});

describe('isLintError', () => {
  it('recognises a LintError by its brand', () => {
    const finding = rules[0]!;
    const error = new LintError({
      rule: finding.id,
      severity: 'error',
      message: 'm',
      request: { method: 'GET', url: 'http://x/' },
    });
    expect(isLintError(error)).toBe(true);
    expect(error.message).toBe(`${finding.id}: m (GET http://x/)`);
    expect(isLintError(new Error('m'))).toBe(false);
    expect(isLintError({ finding })).toBe(false);
  });
});
