import { describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import type { Handler, Middleware } from '../core/handler.ts';
import { isLintError, lint, type LintFinding, type LintOptions } from '../lint/index.ts';
import { AppError, TestApp } from './index.ts';

// TestApp reads each body through lint's checks in its own read loop rather than through the
// stream lint() puts around it. These tests hold the two to the same findings.

const typed = { 'content-type': 'text/plain' };
const text = (body: string, headers: HeadersInit = typed): Response =>
  new Response(body, { headers });

/** A stream of the given chunks, recording the reason it was cancelled with. */
function chunked(chunks: readonly unknown[]): { stream: ReadableStream; cancelled: unknown[] } {
  const cancelled: unknown[] = [];
  let next = 0;
  const stream = new ReadableStream({
    pull(controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++]);
      else controller.close();
    },
    cancel(reason) {
      cancelled.push(reason);
    },
  });
  return { stream, cancelled };
}

const bytes = (value: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(value);

/** A handler under test; `inner` is a lint layer reporting to the same findings. */
type Make = (inner: Middleware) => Handler;

// Replaces the application's answer without reading or cancelling the body it got.
const dropping =
  (answer: () => Response): Middleware =>
  (next) =>
  async (request, ctx) => {
    await next(request, ctx);
    return answer();
  };

const cases: readonly (readonly [string, string, Make, readonly string[]])[] = [
  ['an unquoted ETag', 'GET', () => () => text('x', { ...typed, etag: 'v1' }), ['response-etag']],
  [
    'a body longer than its Content-Length',
    'GET',
    () => () => text('abcdef', { ...typed, 'content-length': '2' }),
    ['response-content-length-mismatch'],
  ],
  [
    'a body shorter than its Content-Length',
    'GET',
    () => () => text('abc', { ...typed, 'content-length': '9' }),
    ['response-content-length-mismatch'],
  ],
  [
    'a Content-Length overrun at the second chunk',
    'GET',
    () => () =>
      new Response(chunked([bytes('ab'), bytes('cd')]).stream, {
        headers: { ...typed, 'content-length': '3' },
      }),
    ['response-content-length-mismatch'],
  ],
  [
    'content without a Content-Type',
    'GET',
    () => () => new Response(bytes('no type')),
    ['response-content-type-missing'],
  ],
  [
    'a body of strings',
    'GET',
    () => () => new Response(chunked(['text']).stream, { headers: typed }),
    ['response-body-chunk'],
  ],
  [
    'a body sent to HEAD',
    'HEAD',
    () => () => text('abc', { ...typed, 'content-length': '99' }),
    ['response-head-body'],
  ],
  [
    'a Content-Length on 204',
    'GET',
    () => () => new Response(null, { status: 204, headers: { 'content-length': '0' } }),
    ['response-content-length-forbidden'],
  ],
  [
    'a body a middleware dropped, under a body',
    'GET',
    (inner) => dropping(() => text('mine'))(inner(() => text('theirs'))),
    ['response-body-unconsumed'],
  ],
  [
    'a body a middleware dropped, under no body',
    'GET',
    (inner) => dropping(() => new Response(null, { status: 204 }))(inner(() => text('theirs'))),
    ['response-body-unconsumed'],
  ],
  [
    'a body read in part by a middleware',
    'GET',
    (inner) => (request, ctx) =>
      Promise.resolve(inner(() => text('theirs'))(request, ctx)).then(async (response) => {
        await response.body?.getReader().read();
        return text('mine');
      }),
    ['response-body-unconsumed'],
  ],
  ['a sound response', 'GET', () => () => text('fine'), []],
  [
    'a body a middleware piped on',
    'GET',
    (inner) => (request, ctx) =>
      Promise.resolve(inner(() => text('theirs'))(request, ctx)).then(
        (response) => new Response(response.body, { headers: typed }),
      ),
    [],
  ],
];

/** Reads a body as TestApp does: to the end, cancelling at a chunk that is not bytes. */
async function drain(response: Response): Promise<void> {
  const reader = (response.body as ReadableStream<unknown>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    if (!(value instanceof Uint8Array)) {
      await reader.cancel();
      return;
    }
  }
}

/** The rules found, and the rule thrown, for one request through `lint()` read by hand. */
async function throughLint(
  make: Make,
  method: string,
  mode: 'warn' | 'strict',
): Promise<[string[], unknown]> {
  const found: string[] = [];
  const options: LintOptions = { mode, onFinding: (f: LintFinding) => found.push(f.rule) };
  const app = lint(options)(make(lint(options)));
  const request = new Request('http://localhost/', { method });
  const ctx = new Context(request, { remoteAddr: '127.0.0.1' });
  const thrown = await Promise.resolve(app(request, ctx))
    .then(async (response) => (response.body ? drain(response) : undefined))
    .then(
      () => undefined,
      (error: unknown) => error,
    );
  return [found, isLintError(thrown) ? thrown.finding.rule : thrown];
}

/** The same through TestApp with its lint. */
async function throughTestApp(
  make: Make,
  method: string,
  mode: 'warn' | 'strict',
): Promise<[string[], unknown]> {
  const found: string[] = [];
  const options: LintOptions = { mode, onFinding: (f: LintFinding) => found.push(f.rule) };
  const app = new TestApp(make(lint(options)), { lint: options });
  const thrown = await app.request(method, '/', { status: '*' }).then(
    () => undefined,
    (error: unknown) => error,
  );
  // A body of strings fails TestApp itself once lint has let it through.
  const rule = isLintError(thrown)
    ? thrown.finding.rule
    : thrown instanceof AppError
      ? undefined
      : thrown;
  return [found, rule];
}

describe('TestApp under lint', () => {
  it.each(cases)('finds %s as lint() does (%s, warn mode)', async (_, method, make, rules) => {
    const [found] = await throughTestApp(make, method, 'warn');
    expect(found).toEqual(rules);
    expect(found).toEqual((await throughLint(make, method, 'warn'))[0]);
  });

  it.each(cases)('fails %s as lint() does (%s, strict mode)', async (_, method, make) => {
    const viaTestApp = await throughTestApp(make, method, 'strict');
    expect(viaTestApp).toEqual(await throughLint(make, method, 'strict'));
  });

  it('fails past the Content-Length and cancels the body with the error', async () => {
    const { stream, cancelled } = chunked([bytes('ab'), bytes('cd'), bytes('ef')]);
    const app = new TestApp(
      () => new Response(stream, { headers: { ...typed, 'content-length': '3' } }),
    );
    const error: unknown = await app.get('/').catch((e: unknown) => e);
    expect(isLintError(error) && error.finding.rule).toBe('response-content-length-mismatch');
    expect(cancelled).toEqual([error]);
  });

  it('fails a Response returned a second time', async () => {
    const shared = text('once');
    const app = new TestApp(() => shared);
    expect((await app.get('/')).text).toBe('once');
    const error: unknown = await app.get('/').catch((e: unknown) => e);
    expect(isLintError(error) && error.finding.rule).toBe('response-body-reused');
  });

  it('fails a read of the request body after the response', async () => {
    let kept: Request | undefined;
    const app = new TestApp((request) => {
      kept = request;
      return text('answered before reading');
    });
    await app.post('/', { params: { a: '1' } });
    const error: unknown = await kept?.text().catch((e: unknown) => e);
    expect(isLintError(error) && error.finding.rule).toBe('request-body-read-after-response');
  });

  it('passes on the error of a body stream that fails, and claims no leak', async () => {
    const boom = new Error('disk gone');
    const found: string[] = [];
    const failing = new TestApp(
      () =>
        new Response(
          new ReadableStream({
            pull() {
              throw boom;
            },
          }),
          { headers: typed },
        ),
      { lint: { onFinding: (f) => found.push(f.rule) } },
    );
    await expect(failing.get('/')).rejects.toBe(boom);
    expect(found).toEqual([]);
  });

  it('reads a body of many chunks whole', async () => {
    const parts = ['a', 'bc', '', 'def'];
    const app = new TestApp(
      () =>
        new Response(chunked(parts.map(bytes)).stream, {
          headers: { ...typed, 'content-length': '6' },
        }),
    );
    expect((await app.get('/')).text).toBe('abcdef');
  });
});
