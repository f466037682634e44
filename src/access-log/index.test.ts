import { afterEach, describe, expect, it, vi } from 'vitest';
import { Context, createKey } from '../core/context.ts';
import { isConfigError } from '../core/config-error.ts';
import type { Handler } from '../core/handler.ts';
import { REMOTE_USER } from '../core/keys.ts';
import { accessLog, type AccessLogOptions } from './index.ts';

function collector(): { lines: string[]; write(chunk: string): void } {
  const lines: string[] = [];
  return {
    lines,
    write(chunk) {
      lines.push(chunk);
    },
  };
}

function run(handler: Handler, request: Request | string, ctx?: Context): Promise<Response> {
  const req = typeof request === 'string' ? new Request(request) : request;
  return Promise.resolve(handler(req, ctx ?? new Context(req, { remoteAddr: '192.0.2.1' })));
}

/** A body that gives one chunk (and then its end) per `release()`. */
function gatedBody(chunks: readonly string[]): {
  body: ReadableStream<Uint8Array>;
  release(): void;
  cancelled: Promise<unknown>;
} {
  const encoder = new TextEncoder();
  let index = 0;
  let permits = 0;
  let wake: () => void = () => undefined;
  let onCancel: (reason: unknown) => void = () => undefined;
  const cancelled = new Promise<unknown>((resolve) => (onCancel = resolve));
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      while (permits === 0) await new Promise<void>((resolve) => (wake = resolve));
      permits--;
      const chunk = chunks[index++];
      if (chunk === undefined) controller.close();
      else controller.enqueue(encoder.encode(chunk));
    },
    cancel(reason) {
      onCancel(reason);
    },
  });
  return {
    body,
    release: () => {
      permits++;
      wake();
    },
    cancelled,
  };
}

function logged(options: AccessLogOptions = {}): {
  lines: string[];
  wrap: (app: Handler) => Handler;
} {
  const out = collector();
  const log = accessLog({ stream: out, timezone: 'utc', ...options });
  return { lines: out.lines, wrap: (app) => log(app) };
}

const json = (line: string | undefined): Record<string, unknown> =>
  JSON.parse(line ?? 'null') as Record<string, unknown>;

afterEach(() => {
  vi.useRealTimers();
});

describe('accessLog(): when the line is written', () => {
  it('writes nothing until the body has been read to its end', async () => {
    const { lines, wrap } = logged({ format: 'json' });
    const gated = gatedBody(['abc', 'de']);
    const response = await run(
      wrap(() => new Response(gated.body)),
      'http://x/',
    );
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    gated.release();
    await reader.read();
    expect(lines).toEqual([]);
    gated.release();
    await reader.read();
    expect(lines).toEqual([]);
    gated.release();
    expect((await reader.read()).done).toBe(true);
    expect(lines).toHaveLength(1);
    expect(json(lines[0])).toMatchObject({ status: 200, bytes: 5, outcome: 'complete' });
  });

  it('passes the streamed body on byte for byte, without Content-Length', async () => {
    const { lines, wrap } = logged();
    const gated = gatedBody(['hello, ', 'world']);
    const pending = run(
      wrap(() => new Response(gated.body, { headers: { 'content-type': 'text/plain' } })),
      'http://x/',
    );
    gated.release();
    const response = await pending;
    gated.release();
    gated.release();
    expect(response.headers.get('content-length')).toBeNull();
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('hello, world');
    expect(lines[0]).toMatch(/" 200 12 "-" "-"\n$/);
  });

  it('gives a body complete in memory its Content-Length', async () => {
    const { lines, wrap } = logged();
    const response = await run(
      wrap(() => new Response('héllo')),
      'http://x/',
    );
    expect(response.headers.get('content-length')).toBe('6');
    expect(await response.text()).toBe('héllo');
    expect(lines[0]).toMatch(/" 200 6 /);
  });

  it('keeps the Content-Length the application set', async () => {
    const { lines, wrap } = logged();
    const response = await run(
      wrap(() => new Response('abc', { status: 201, headers: { 'content-length': '3' } })),
      'http://x/',
    );
    expect(response.headers.get('content-length')).toBe('3');
    expect(await response.text()).toBe('abc');
    expect(lines[0]).toMatch(/" 201 3 /);
  });

  it('logs an empty body as "-" bytes', async () => {
    const { lines, wrap } = logged();
    const response = await run(
      wrap(() => new Response('')),
      'http://x/',
    );
    expect(await response.text()).toBe('');
    expect(lines[0]).toMatch(/" 200 - /);
  });

  it.each([
    ['a HEAD request', 'HEAD', 200],
    ['a 304', 'GET', 304],
    ['a 204', 'GET', 204],
  ])(
    'logs %s at once with no bytes, and passes the response on as it is',
    async (_n, method, status) => {
      const { lines, wrap } = logged({ format: 'json' });
      const original = new Response(status === 200 ? 'would-be body' : null, { status });
      const response = await run(
        wrap(() => original),
        new Request('http://x/', { method }),
      );
      expect(response).toBe(original);
      expect(json(lines[0])).toMatchObject({ method, status, bytes: 0, outcome: 'complete' });
    },
  );
});

describe('accessLog(): how a response ended', () => {
  it('logs a handler that throws as 500 with no bytes, and throws on', async () => {
    const { lines, wrap } = logged({ format: 'json' });
    const boom = new Error('boom');
    await expect(
      run(
        wrap(() => {
          throw boom;
        }),
        'http://x/',
      ),
    ).rejects.toBe(boom);
    expect(json(lines[0])).toMatchObject({ status: 500, bytes: null, outcome: 'error' });
  });

  it('logs a response whose body was already read as the 500 the server will answer', async () => {
    const { lines, wrap } = logged({ format: 'json' });
    const used = new Response('once');
    await used.text();
    const response = await run(
      wrap(() => used),
      'http://x/',
    );
    expect(response).toBe(used);
    expect(json(lines[0])).toMatchObject({ status: 500, bytes: null, outcome: 'error' });
  });

  it('logs a body that fails midway as an error, with the bytes before the failure', async () => {
    const { lines, wrap } = logged({ format: 'json' });
    let step = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (step++ === 0) controller.enqueue(new Uint8Array(7));
        else controller.error(new Error('disk gone'));
      },
    });
    const response = await run(
      wrap(() => new Response(body)),
      'http://x/',
    );
    await expect(response.arrayBuffer()).rejects.toThrow('disk gone');
    expect(json(lines[0])).toMatchObject({ status: 200, bytes: 7, outcome: 'error' });
  });

  it('logs a cancelled body as aborted, with the bytes read before, and cancels the source', async () => {
    const { lines, wrap } = logged({ format: 'json' });
    const gated = gatedBody(['12345', '67890']);
    const pending = run(
      wrap(() => new Response(gated.body)),
      'http://x/',
    );
    gated.release();
    const reader = ((await pending).body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.cancel(new Error('client left'));
    expect(await gated.cancelled).toEqual(new Error('client left'));
    expect(json(lines[0])).toMatchObject({ bytes: 5, outcome: 'aborted' });
  });

  it('measures the time to the end of the body, not to the handler’s return', async () => {
    vi.useFakeTimers({ now: Date.UTC(2024, 0, 1) });
    const { lines, wrap } = logged({ format: 'json' });
    const gated = gatedBody(['a']);
    const pending = run(
      wrap(() => new Response(gated.body)),
      'http://x/',
    );
    gated.release();
    const response = await pending;
    vi.advanceTimersByTime(250);
    gated.release();
    await response.text();
    expect(json(lines[0])).toMatchObject({
      time: '2024-01-01T00:00:00.000Z',
      duration_ms: 250,
    });
  });
});

describe('accessLog(): what the line says', () => {
  it('takes the client address from the context, never from X-Forwarded-For', async () => {
    const { lines, wrap } = logged({ format: 'common' });
    const request = new Request('http://x/', { headers: { 'x-forwarded-for': '6.6.6.6' } });
    const response = await run(
      wrap(() => new Response('ok')),
      request,
      new Context(request, { remoteAddr: '198.51.100.9' }),
    );
    await response.text();
    expect(lines[0]).toMatch(/^198\.51\.100\.9 - - \[/);
  });

  it('reads the user an inner middleware set on the context', async () => {
    const { lines, wrap } = logged({ format: 'common' });
    const response = await run(
      wrap((_request, ctx) => {
        ctx.set(REMOTE_USER, 'frank');
        return new Response('ok');
      }),
      'http://x/',
    );
    await response.text();
    expect(lines[0]).toMatch(/^192\.0\.2\.1 - frank \[/);
  });

  it('writes the mounted path, its query and the method as the request had them', async () => {
    const { lines, wrap } = logged({ format: 'json' });
    const request = new Request('http://x/app/a%20b?q=1&r=%22', { method: 'POST' });
    const ctx = new Context(request, { scriptName: '/app', pathInfo: '/a%20b' });
    await (
      await run(
        wrap(() => new Response('ok')),
        request,
        ctx,
      )
    ).text();
    expect(json(lines[0])).toMatchObject({ method: 'POST', url: '/app/a%20b?q=1&r=%22' });
  });

  it('reads the request id from a request header', async () => {
    const { lines, wrap } = logged({ format: '%(request_id)s', requestId: 'X-Request-Id' });
    const request = new Request('http://x/', { headers: { 'x-request-id': 'abc-123' } });
    await (
      await run(
        wrap(() => new Response('ok')),
        request,
      )
    ).text();
    expect(lines).toEqual(['abc-123\n']);
  });

  it('reads the request id from a context key set inside', async () => {
    const REQUEST_ID = createKey<string>('test.requestId');
    const { lines, wrap } = logged({ format: '%(request_id)s', requestId: REQUEST_ID });
    const app = wrap((_request, ctx) => {
      ctx.set(REQUEST_ID, 'r-42');
      return new Response('ok');
    });
    await (await run(app, 'http://x/')).text();
    expect(lines).toEqual(['r-42\n']);
  });

  it('leaves out the entries skip returns true for', async () => {
    const { lines, wrap } = logged({ format: '%(REQUEST_URI)s', skip: (e) => e.url === '/health' });
    const app = wrap(() => new Response('ok'));
    await (await run(app, 'http://x/health')).text();
    await (await run(app, 'http://x/page')).text();
    expect(lines).toEqual(['/page\n']);
  });

  it('keeps the response whole when the format function throws, and warns', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning.message);
    };
    process.on('warning', onWarning);
    try {
      const { lines, wrap } = logged({
        format: () => {
          throw new Error('bad format');
        },
      });
      const response = await run(
        wrap(() => new Response('intact')),
        'http://x/',
      );
      expect(await response.text()).toBe('intact');
      await new Promise((resolve) => setImmediate(resolve));
      expect(lines).toEqual([]);
      expect(warnings).toEqual(['access log: cannot write a line: bad format']);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('accessLog() options', () => {
  it.each([
    ['an unknown format name', { format: 'tiny' }, 'TROWEL_ERR_ACCESS_LOG_FORMAT'],
    ['a format of the wrong type', { format: 42 }, 'TROWEL_ERR_ACCESS_LOG_FORMAT'],
    [
      'both stream and file',
      { stream: collector(), file: '/tmp/x' },
      'TROWEL_ERR_ACCESS_LOG_DESTINATION',
    ],
    ['a stream without write()', { stream: {} }, 'TROWEL_ERR_ACCESS_LOG_DESTINATION'],
    ['an empty file name', { file: '' }, 'TROWEL_ERR_ACCESS_LOG_FILE'],
    [
      'a file in a missing directory',
      { file: '/nonexistent-dir/x.log' },
      'TROWEL_ERR_ACCESS_LOG_FILE',
    ],
    ['an unknown timezone', { timezone: 'Europe/Paris' }, 'TROWEL_ERR_ACCESS_LOG_TIMEZONE'],
    ['a request id header with a space', { requestId: 'x id' }, 'TROWEL_ERR_ACCESS_LOG_REQUEST_ID'],
    ['a request id of the wrong type', { requestId: 7 }, 'TROWEL_ERR_ACCESS_LOG_REQUEST_ID'],
    ['a skip that is not a function', { skip: true }, 'TROWEL_ERR_ACCESS_LOG_SKIP'],
    ['options that are not an object', 'combined', 'TROWEL_ERR_ACCESS_LOG_OPTIONS'],
  ])('refuses %s when built', (_name, options, code) => {
    let error: unknown;
    try {
      accessLog(options as AccessLogOptions);
    } catch (caught) {
      error = caught;
    }
    expect(isConfigError(error) && error.code).toBe(code);
  });

  it('does not change the options it was given', () => {
    const options = Object.freeze({
      format: 'json',
      timezone: 'utc',
      stream: collector(),
    } as const);
    expect(() => accessLog(options)).not.toThrow();
  });
});
