import { afterEach, describe, expect, it, vi } from 'vitest';
import { Context } from '../core/context.ts';
import type { Handler, Middleware } from '../core/handler.ts';
import { mountAt } from '../core/mount.ts';
import { isLintError, lint, type LintFinding, type LintOptions } from './index.ts';

const text = (body: string): Response =>
  new Response(body, { headers: { 'content-type': 'text/plain' } });
const peer = (request: Request): Context => new Context(request, { remoteAddr: '127.0.0.1' });

/** Two lint layers reporting to one list: `outer` around a middleware, `inner` around its app. */
function layers(options: LintOptions = {}): {
  outer: Middleware;
  inner: Middleware;
  findings: LintFinding[];
} {
  const findings: LintFinding[] = [];
  const make = (): Middleware => lint({ ...options, onFinding: (f) => findings.push(f) });
  return { outer: make(), inner: make(), findings };
}

/** A middleware that reads `take` bytes of the app's body (all of it for `Infinity`), then answers itself. */
function sniffing(take: number, answer: () => Response, cancel = false): Middleware {
  return (next) => async (request, ctx) => {
    const inner = await next(request, ctx);
    if (take > 0 && inner.body) {
      const reader = inner.body.getReader();
      let seen = 0;
      while (seen < take) {
        const { done, value } = await reader.read();
        if (done) break;
        seen += (value as Uint8Array).byteLength;
      }
      if (cancel) await reader.cancel();
    } else if (cancel) {
      await inner.body?.cancel();
    }
    return answer();
  };
}

function chunked(...parts: string[]): Response {
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    start(controller) {
      for (const part of parts) controller.enqueue(encoder.encode(part));
      controller.close();
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/plain' } });
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
const rulesOf = (findings: readonly LintFinding[]): string[] => findings.map((f) => f.rule);

async function send(app: Handler, ctx?: Context): Promise<Response> {
  const request = new Request('http://localhost/');
  return app(request, ctx ?? peer(request));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('a response body a middleware dropped', () => {
  it('throws when the outer response has no body (strict)', async () => {
    const { outer, inner } = layers();
    const app = outer(
      sniffing(0, () => new Response(null, { status: 204 }))(inner(() => text('x'))),
    );
    const error: unknown = await send(app).catch((e: unknown) => e);
    expect(isLintError(error) && error.finding.rule).toBe('response-body-unconsumed');
  });

  it('errors the outer body at its end (strict)', async () => {
    const { outer, inner } = layers();
    const app = outer(sniffing(0, () => text('outer'))(inner(() => text('x'))));
    const error: unknown = await (await send(app)).text().catch((e: unknown) => e);
    expect(isLintError(error) && error.finding.rule).toBe('response-body-unconsumed');
  });

  it('is reported when it was read only in part', async () => {
    const { outer, inner, findings } = layers({ mode: 'warn' });
    const app = outer(sniffing(1, () => text('outer'))(inner(() => chunked('a', 'b', 'c'))));
    await (await send(app)).text();
    expect(rulesOf(findings)).toEqual(['response-body-unconsumed']);
  });

  it('is not reported when it was read to the end', async () => {
    const { outer, inner, findings } = layers();
    const app = outer(sniffing(Infinity, () => text('outer'))(inner(() => chunked('a', 'b'))));
    expect(await (await send(app)).text()).toBe('outer');
    expect(findings).toEqual([]);
  });

  it('is not reported when it was cancelled after a partial read', async () => {
    const { outer, inner, findings } = layers();
    const app = outer(sniffing(1, () => text('outer'), true)(inner(() => chunked('a', 'b'))));
    await (await send(app)).text();
    expect(findings).toEqual([]);
  });

  it('is not reported when the middleware pipes it into its own response', async () => {
    const { outer, inner, findings } = layers();
    const upper: Middleware = (next) => async (request, ctx) => {
      const response = await next(request, ctx);
      const shout = new TransformStream<Uint8Array, Uint8Array>({
        transform: (chunk, c) => {
          c.enqueue(chunk.map((b) => (b >= 97 && b <= 122 ? b - 32 : b)));
        },
      });
      return new Response(response.body!.pipeThrough(shout), response);
    };
    const app = outer(upper(inner(() => chunked('a', 'b'))));
    expect(await (await send(app)).text()).toBe('AB');
    expect(findings).toEqual([]);
  });

  it('is reported, and the middleware’s own error passes through, when it throws', async () => {
    const { outer, inner, findings } = layers();
    const boom = new Error('upstream said no');
    const failing: Middleware = (next) => async (request, ctx) => {
      await next(request, ctx);
      throw boom;
    };
    await expect(send(outer(failing(inner(() => text('x')))))).rejects.toBe(boom);
    expect(rulesOf(findings)).toEqual(['response-body-unconsumed']);
  });

  it('is logged when strict mode has nowhere to throw it and there is no onFinding', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const boom = new Error('no');
    const failing: Middleware = (next) => async (request, ctx) => {
      await next(request, ctx);
      throw boom;
    };
    await expect(send(lint()(failing(lint()(() => text('x')))))).rejects.toBe(boom);
    expect(String(warn.mock.calls[0]?.[0])).toContain('[response-body-unconsumed]');
  });

  it('is reported when the middleware returns something that is not a Response', async () => {
    const { outer, inner, findings } = layers({ mode: 'warn' });
    const broken: Middleware = (next) => async (request, ctx) => {
      await next(request, ctx);
      return undefined as unknown as Response;
    };
    await send(outer(broken(inner(() => text('x')))));
    expect(rulesOf(findings)).toEqual(['response-body-unconsumed', 'response-type']);
  });

  it('is not checked when the consumer cancels the outer body', async () => {
    const { outer, inner, findings } = layers();
    const app = outer(sniffing(0, () => text('outer'))(inner(() => text('x'))));
    await (await send(app)).body?.cancel();
    expect(findings).toEqual([]);
  });

  it('is found through a mount that derives the context', async () => {
    const { outer, inner, findings } = layers({ mode: 'warn' });
    const mounted: Middleware = (next) => (request, ctx) =>
      next(request, mountAt(ctx, '/app') ?? ctx);
    const app = outer(
      mounted(sniffing(0, () => new Response(null, { status: 204 }))(inner(() => text('x')))),
    );
    const request = new Request('http://localhost/app/x');
    await app(request, peer(request));
    expect(rulesOf(findings)).toEqual(['response-body-unconsumed']);
  });

  it('is checked again on a context reused for a second request', async () => {
    const { outer, inner, findings } = layers({ mode: 'warn' });
    const request = new Request('http://localhost/');
    const ctx = peer(request);
    await (await outer(inner(() => text('fine')))(request, ctx)).text();
    const app = outer(
      sniffing(0, () => new Response(null, { status: 204 }))(inner(() => text('x'))),
    );
    await app(request, ctx);
    expect(rulesOf(findings)).toEqual(['response-body-unconsumed']);
  });
});

describe('Content-Type', () => {
  it('is not asked of an empty body', async () => {
    const { outer, findings } = layers();
    await (await send(outer(() => new Response(new Uint8Array(0))))).text();
    expect(findings).toEqual([]);
  });

  it('errors the body at the first byte when the rule is made an error', async () => {
    const { outer } = layers({ rules: { 'response-content-type-missing': 'error' } });
    const response = await send(outer(() => new Response(new Uint8Array([1]))));
    await expect(response.arrayBuffer()).rejects.toMatchObject({
      finding: { rule: 'response-content-type-missing', severity: 'error' },
    });
  });

  it('is asked once, at the first byte', async () => {
    const { outer, findings } = layers({ mode: 'warn' });
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new Uint8Array(0));
        controller.enqueue(new Uint8Array([1]));
        controller.enqueue(new Uint8Array([2]));
        controller.close();
      },
    });
    await (await send(outer(() => new Response(body)))).arrayBuffer();
    expect(rulesOf(findings)).toEqual(['response-content-type-missing']);
  });
});

describe('a response body chunk', () => {
  it.each([
    ['text', 'of type string'],
    [42, 'of type number'],
    [null, 'null'],
    [new ArrayBuffer(1), 'an object of type ArrayBuffer'],
    [[1, 2], 'an object of type Array'],
  ])('%j is reported as %s', async (chunk, description) => {
    const { outer, findings } = layers({ mode: 'warn' });
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await send(
      outer(() => new Response(body, { headers: { 'content-type': 'a/b' } })),
    );
    await response.arrayBuffer().catch(() => undefined);
    expect(findings.map((f) => f.message)).toEqual([
      `a response body chunk is ${description}, not a Uint8Array: encode text with TextEncoder`,
    ]);
  });
});

describe('a body cancelled while a read is pending', () => {
  /** A stream that delivers one byte, then waits until cancelled. */
  function stalled(): ReadableStream<Uint8Array> {
    let sent = false;
    return new ReadableStream<Uint8Array>(
      {
        pull(controller) {
          if (sent) return new Promise<void>(() => undefined);
          sent = true;
          controller.enqueue(new Uint8Array([1]));
          return undefined;
        },
      },
      { highWaterMark: 0 },
    );
  }

  it('is not held to its Content-Length (response)', async () => {
    const { outer, findings } = layers();
    const app = outer(
      () => new Response(stalled(), { headers: { 'content-type': 'a/b', 'content-length': '9' } }),
    );
    const reader = (await send(app)).body!.getReader();
    await reader.read();
    const pending = reader.read();
    await tick();
    await reader.cancel();
    expect(await pending).toEqual({ done: true, value: undefined });
    await tick();
    expect(findings).toEqual([]);
  });

  it('is not held to its Content-Length (request)', async () => {
    const { outer, findings } = layers();
    const request = new Request('http://localhost/', {
      method: 'POST',
      body: stalled(),
      duplex: 'half',
      headers: { 'content-length': '9' },
    } as RequestInit);
    const app = outer(async (r) => {
      const reader = r.body!.getReader();
      await reader.read();
      const pending = reader.read();
      await tick();
      await reader.cancel();
      await pending;
      return text('ok');
    });
    await (await app(request, peer(request))).text();
    await tick();
    expect(findings).toEqual([]);
  });
});

describe('a response to HEAD', () => {
  it('is not held to its Content-Length or Content-Type', async () => {
    const { outer, findings } = layers({ rules: { 'response-head-body': 'off' } });
    const app = outer(
      () => new Response(new Uint8Array(3), { headers: { 'content-length': '99' } }),
    );
    const request = new Request('http://localhost/', { method: 'HEAD' });
    await (await app(request, peer(request))).arrayBuffer();
    expect(findings).toEqual([]);
  });
});

describe('a request body', () => {
  it('reports a read after the response once, in warn mode letting it through', async () => {
    const { outer, findings } = layers({ mode: 'warn' });
    let late: Request | undefined;
    const app = outer((request) => ((late = request), text('done')));
    const request = new Request('http://localhost/', { method: 'POST', body: 'xyz' });
    await (await app(request, peer(request))).text();
    expect(await late!.text()).toBe('xyz');
    expect(rulesOf(findings)).toEqual(['request-body-read-after-response']);
  });

  it('may be read while the response streams', async () => {
    const { outer, findings } = layers();
    const app = outer((request) => {
      const body = new ReadableStream({
        async pull(controller) {
          controller.enqueue(new Uint8Array(await request.arrayBuffer()));
          controller.close();
        },
      });
      return new Response(body, { headers: { 'content-type': 'text/plain' } });
    });
    const request = new Request('http://localhost/', { method: 'POST', body: 'late but fine' });
    expect(await (await app(request, peer(request))).text()).toBe('late but fine');
    expect(findings).toEqual([]);
  });

  it('reports one shorter than its Content-Length', async () => {
    const { outer, findings } = layers({ mode: 'warn' });
    const app = outer(async (request) => text(await request.text()));
    const request = new Request('http://localhost/', {
      method: 'POST',
      body: 'ab',
      headers: { 'content-length': '5' },
    });
    await (await app(request, peer(request))).text();
    expect(findings.map((f) => f.message)).toEqual([
      'the request body ended after 2 of the 5 bytes its Content-Length declares',
    ]);
  });

  it('passes a cancellation on to the caller’s body, read or not', async () => {
    for (const readFirst of [false, true]) {
      const cancelled = vi.fn();
      const source = new ReadableStream({
        pull: (c) => {
          c.enqueue(new Uint8Array([1]));
        },
        cancel: cancelled,
      });
      const request = new Request('http://localhost/', {
        method: 'POST',
        body: source,
        duplex: 'half',
      } as RequestInit);
      const app = lint()(async (r) => {
        const reader = r.body!.getReader();
        if (readFirst) await reader.read();
        await reader.cancel('enough');
        return text('ok');
      });
      await (await app(request, peer(request))).text();
      expect(cancelled).toHaveBeenCalledWith('enough');
    }
  });

  it('is passed on untouched when the caller already read it', async () => {
    const request = new Request('http://localhost/', { method: 'POST', body: 'x' });
    await request.text();
    let seen: Request | undefined;
    await (await lint()((r) => ((seen = r), text('ok')))(request, peer(request))).text();
    expect(seen).toBe(request);
  });
});
