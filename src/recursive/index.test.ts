import { describe, expect, it } from 'vitest';
import { Context, createKey } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { httpErrors } from '../core/http-error.ts';
import { TestApp } from '../testing/index.ts';
import {
  ForwardRequest,
  RECURSIVE,
  RecursionLoop,
  isForwardRequest,
  recursive,
  type Recursion,
} from './index.ts';

const html = (body: string, status = 200): Response =>
  new Response(body, { status, headers: { 'content-type': 'text/html; charset=utf-8' } });

/** Paste's test application: /error is the error page, /not_found forwards to it, /recurse loops. */
const pasteApp: Handler = (request, ctx) => {
  const path = ctx.pathInfo;
  if (path === '/error') return html('Page not found');
  if (path === '/not_found') throw new ForwardRequest('/error');
  if (path === '/keep_status') throw new ForwardRequest('/error', { status: 404 });
  if (path === '/recurse') throw new ForwardRequest('/recurse');
  return html(`${request.method} ${path}`);
};

const client = (app: Handler): TestApp => new TestApp(httpErrors()(recursive()(app)));

describe('recursive() and ForwardRequest', () => {
  it('answers with the page a thrown ForwardRequest names', async () => {
    const res = await client(pasteApp).get('/not_found');
    expect([res.status, res.text]).toEqual([200, 'Page not found']);
  });

  it("keeps the status the ForwardRequest asks for (Paste's StatusKeeper)", async () => {
    const res = await client(pasteApp).get('/keep_status', { status: 404 });
    expect(res.text).toBe('Page not found');
  });

  it('answers 500 for a request that forwards to itself', async () => {
    await client(pasteApp).get('/recurse', { status: 500 });
  });

  it('throws a RecursionLoop whose message shows the chain', async () => {
    const app = recursive()(pasteApp);
    const request = new Request('http://localhost/recurse');
    const error: unknown = await Promise.resolve(app(request, new Context(request))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RecursionLoop);
    expect((error as RecursionLoop).message).toMatch(
      /internal request loop: GET \/recurse -> GET \/recurse \(visited twice\)/,
    );
    expect((error as RecursionLoop).status).toBe(500);
  });

  it('detects a loop through several pages', async () => {
    const app = recursive()((_request, ctx) => {
      const next = { '/a': '/b', '/b': '/c', '/c': '/a' }[ctx.pathInfo];
      if (next === undefined) return html('end');
      return ctx.require(RECURSIVE).forward(next);
    });
    const request = new Request('http://localhost/a');
    await expect(app(request, new Context(request))).rejects.toMatchObject({
      chain: ['GET /a', 'GET /b', 'GET /c', 'GET /a'],
    });
  });

  it('refuses a chain deeper than maxDepth, even without a repeat', async () => {
    const calls: string[] = [];
    const app = recursive({ maxDepth: 3 })((request, ctx) => {
      const n = Number(new URL(request.url).searchParams.get('n') ?? '0');
      calls.push(String(n));
      return ctx.require(RECURSIVE).forward(`/count?n=${n + 1}`);
    });
    const request = new Request('http://localhost/count');
    await expect(app(request, new Context(request))).rejects.toThrow(/deeper than 3/);
    expect(calls).toEqual(['0', '1', '2', '3']);
  });

  it('says what to do when a ForwardRequest is thrown without recursive()', () => {
    expect(new ForwardRequest('/x').message).toMatch(/put recursive\(\) around/);
  });

  it.each([[99], [600], [204], [304], [200.5]])('refuses to keep status %s', (status) => {
    expect(() => new ForwardRequest('/x', { status })).toThrow(RangeError);
  });

  it('recognises a ForwardRequest from another copy of trowel', () => {
    const foreign = { [Symbol.for('trowel.recursive.forward-request')]: true };
    expect([
      isForwardRequest(foreign),
      isForwardRequest(new Error('x')),
      isForwardRequest(null),
    ]).toEqual([true, false, false]);
  });
});

describe('forward() and include()', () => {
  it('includes another page, fixing the include Paste broke on Python 3', async () => {
    const app = client(async (_request, ctx) => {
      if (ctx.pathInfo === '/menu') return html('<li>home</li>');
      const menu = await ctx.require(RECURSIVE).include('/menu');
      return html(`<ul>${await menu.text()}</ul><p>page</p>`);
    });
    expect((await app.get('/page')).text).toBe('<ul><li>home</li></ul><p>page</p>');
  });

  it('forwards a POST as a GET without its body or body headers, keeping cookies', async () => {
    const app = client(async (request, ctx) => {
      if (ctx.pathInfo === '/target') {
        return Response.json({
          method: request.method,
          body: await request.text(),
          type: request.headers.get('content-type'),
          cookie: request.headers.get('cookie'),
          conditional: request.headers.get('if-none-match'),
        });
      }
      return ctx.require(RECURSIVE).forward('/target');
    });
    const res = await app.post('/form', {
      params: 'a=1',
      headers: { cookie: 'sid=1', 'if-none-match': '"x"' },
    });
    expect(res.json).toEqual({
      method: 'GET',
      body: '',
      type: null,
      cookie: 'sid=1',
      conditional: null,
    });
  });

  it("gives the target its own query, not the client's", async () => {
    const app = client((request, ctx) => {
      if (ctx.pathInfo === '/target') return html(new URL(request.url).search);
      return ctx.require(RECURSIVE).forward('/target?page=2#top');
    });
    expect((await app.get('/start?stale=1')).text).toBe('?page=2');
  });

  it('forwards a HEAD as a HEAD, and includes with a GET', async () => {
    const methods: string[] = [];
    const app = client(async (request, ctx) => {
      methods.push(`${ctx.pathInfo} ${request.method}`);
      if (ctx.pathInfo === '/start') {
        await (await ctx.require(RECURSIVE).include('/part')).text();
        return ctx.require(RECURSIVE).forward('/target');
      }
      return new Response(request.method === 'HEAD' ? null : 'x');
    });
    await app.head('/start');
    expect(methods).toEqual(['/start HEAD', '/part GET', '/target HEAD']);
  });

  it('sends a Request target as it is', async () => {
    const app = client(async (request, ctx) => {
      if (ctx.pathInfo === '/api') return html(`${request.method} ${await request.text()}`);
      return ctx
        .require(RECURSIVE)
        .forward(new Request('http://localhost/api', { method: 'PUT', body: 'data' }));
    });
    expect((await app.get('/start')).text).toBe('PUT data');
  });

  it('resolves paths against the mount point, and tells the target where it is', async () => {
    const seen: string[] = [];
    const app = recursive()((request, ctx) => {
      seen.push(`${new URL(request.url).pathname} ${ctx.scriptName} ${ctx.pathInfo}`);
      if (ctx.pathInfo === '/start') return ctx.require(RECURSIVE).forward('/target');
      return html('ok');
    });
    const request = new Request('http://localhost/app/start');
    await app(request, new Context(request, { scriptName: '/app', pathInfo: '/start' }));
    expect(seen).toEqual(['/app/start /app /start', '/app/target /app /target']);
  });

  it.each([
    ['a relative path', 'target'],
    ['a path above the mount', '/../other'],
    ['a Request to a sibling mount', new Request('http://localhost/apple')],
    ['a Request to another origin', new Request('http://evil.example/app/x')],
  ])('refuses %s', async (_name, target) => {
    const app = recursive()((_request, ctx) =>
      ctx.pathInfo === '/start' ? ctx.require(RECURSIVE).forward(target) : html('reached'),
    );
    const request = new Request('http://localhost/app/start');
    await expect(
      app(request, new Context(request, { scriptName: '/app', pathInfo: '/start' })),
    ).rejects.toThrow(TypeError);
  });

  it.each(['//evil.example/', '/\\evil.example/'])(
    'refuses %j, which names another host',
    async (target) => {
      const app = recursive()((_request, ctx) =>
        ctx.pathInfo === '/start' ? ctx.require(RECURSIVE).forward(target) : html('reached'),
      );
      const request = new Request('http://localhost/start');
      await expect(app(request, new Context(request))).rejects.toThrow(/stays on this server/);
    },
  );

  it('refuses a status that forbids a body', async () => {
    const app = recursive()((_request, ctx) =>
      ctx.pathInfo === '/start' ? ctx.require(RECURSIVE).forward('/x', { status: 304 }) : html(''),
    );
    const request = new Request('http://localhost/start');
    await expect(app(request, new Context(request))).rejects.toThrow(RangeError);
  });

  it('shares values set above it, but not those the first pass set', async () => {
    const USER = createKey<string>('test.user');
    const NOTE = createKey<string>('test.note');
    const app = new TestApp(
      recursive()((_request, ctx) => {
        if (ctx.pathInfo === '/target') return html(`${ctx.get(USER)} ${ctx.get(NOTE) ?? '-'}`);
        ctx.set(NOTE, 'first pass');
        return ctx.require(RECURSIVE).forward('/target');
      }),
      { context: (ctx) => ctx.set(USER, 'ada') },
    );
    expect((await app.get('/start')).text).toBe('ada -');
  });

  it('tells the target how deep it is and what the client asked for', async () => {
    const seen: [number, string][] = [];
    const app = client((_request, ctx) => {
      const recursion: Recursion = ctx.require(RECURSIVE);
      seen.push([recursion.depth, new URL(recursion.original.url).pathname]);
      if (ctx.pathInfo === '/a') return recursion.forward('/b');
      return html('b');
    });
    await app.get('/a');
    expect(seen).toEqual([
      [0, '/a'],
      [1, '/a'],
    ]);
  });

  it("does not change the client's request", async () => {
    const request = new Request('http://localhost/not_found', { headers: { cookie: 'a=1' } });
    await recursive()(pasteApp)(request, new Context(request));
    expect([request.url, request.headers.get('cookie')]).toEqual([
      'http://localhost/not_found',
      'a=1',
    ]);
  });
});

describe('recursive() options', () => {
  it.each([[0], [1001], [2.5], [Number.NaN]])('refuses maxDepth %s when built', (maxDepth) => {
    expect(() => recursive({ maxDepth })).toThrow(
      expect.objectContaining({ code: 'TROWEL_ERR_RECURSIVE_MAX_DEPTH' }),
    );
  });
});
