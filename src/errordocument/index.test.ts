import { afterEach, describe, expect, it, vi } from 'vitest';
import { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { MethodNotAllowed, NotFound, httpErrors } from '../core/http-error.ts';
import { TestApp } from '../testing/index.ts';
import {
  ERROR_DOCUMENT,
  errorDocument,
  forward,
  type ErrorDocumentOptions,
  type ErrorPageProblem,
} from './index.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

const html = (body: string | null, init: ResponseInit = {}): Response => {
  const headers = new Headers(init.headers);
  headers.set('content-type', 'text/html; charset=utf-8');
  return new Response(body, { ...init, headers });
};

/** Paste's test applications: `/error` is the page; anything else is a 404 or a 401. */
const pasteApp: Handler = (request, ctx) => {
  switch (ctx.pathInfo) {
    case '/':
      return html('requested page returned');
    case '/error':
      return html('Page not found');
    case '/auth':
      return new Response('Unauthorized', {
        status: 401,
        headers: { 'www-authenticate': 'Basic realm="x"', 'content-type': 'text/plain' },
      });
    default:
      return new Response('Not Found', {
        status: 404,
        headers: { 'content-type': 'text/plain', 'content-length': '9' },
      });
  }
};

function client(
  app: Handler,
  pages: Parameters<typeof errorDocument>[0] = { 404: '/error', 401: '/error' },
  options: ErrorDocumentOptions = {},
): TestApp {
  return new TestApp(errorDocument(pages, options)(app));
}

describe('errorDocument()', () => {
  it('leaves a successful response alone', async () => {
    const res = await client(pasteApp).get('/');
    expect(res.text).toBe('requested page returned');
  });

  it('shows the page for a 404, keeping the status', async () => {
    const res = await client(pasteApp).get('/missing', { status: 404 });
    expect([res.text, res.headers.get('content-type')]).toEqual([
      'Page not found',
      'text/html; charset=utf-8',
    ]);
  });

  it("keeps the original's content length out of the page's response", async () => {
    const res = await client(pasteApp).get('/missing', { status: 404 });
    expect(res.headers.get('content-length')).not.toBe('9');
  });

  it('keeps WWW-Authenticate on a 401 and takes the content type from the page', async () => {
    const res = await client(pasteApp).get('/auth', { status: 401 });
    expect([
      res.text,
      res.headers.get('www-authenticate'),
      res.headers.get('content-type'),
    ]).toEqual(['Page not found', 'Basic realm="x"', 'text/html; charset=utf-8']);
  });

  it('leaves statuses it was not given alone', async () => {
    const res = await client(pasteApp, { 500: '/error' }).get('/missing', { status: 404 });
    expect(res.text).toBe('Not Found');
  });

  it('answers with the original response when the page is missing, without looping', async () => {
    const problems: ErrorPageProblem[] = [];
    const res = await client(
      pasteApp,
      { 404: '/no-such-page' },
      { onPageError: (p) => problems.push(p) },
    ).get('/missing', { status: 404 });
    expect(res.text).toBe('Not Found');
    expect(problems).toEqual([
      expect.objectContaining({
        status: 404,
        page: '/no-such-page',
        pageStatus: 404,
        message: 'error page /no-such-page for 404 answered 404',
      }),
    ]);
  });

  it('answers with the original response when the page throws', async () => {
    const problems: ErrorPageProblem[] = [];
    const app: Handler = (_request, ctx) => {
      if (ctx.pathInfo === '/error') throw new Error('template broken');
      return new Response('plain 500', { status: 500 });
    };
    const res = await client(app, { 500: '/error' }, { onPageError: (p) => problems.push(p) }).get(
      '/',
      { status: 500 },
    );
    expect(res.text).toBe('plain 500');
    expect(problems[0]?.message).toBe('error page /error for 500 threw: template broken');
  });

  it('warns on the console by default when a page cannot be shown', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await client(pasteApp, { 404: '/nowhere' }).get('/missing', { status: 404 });
    expect(warn).toHaveBeenCalledWith(
      'trowel/errordocument: error page /nowhere for 404 answered 404',
    );
  });

  it('does not loop with two layers whose page is missing', async () => {
    const problems: ErrorPageProblem[] = [];
    const onPageError = (p: ErrorPageProblem): number => problems.push(p);
    const calls: string[] = [];
    const inner: Handler = (_request, ctx) => {
      calls.push(ctx.pathInfo);
      return new Response('nope', { status: 404 });
    };
    const layered = errorDocument(
      { 404: '/e' },
      { onPageError },
    )(errorDocument({ 404: '/e' }, { onPageError })(inner));
    const res = await new TestApp(layered).get('/x', { status: 404 });
    expect(res.text).toBe('nope');
    expect(calls).toEqual(['/x', '/e', '/e']);
  });

  it('fetches the page with a GET without the body of a POST', async () => {
    const seen: string[] = [];
    const app: Handler = async (request, ctx) => {
      if (ctx.pathInfo === '/error') {
        seen.push(`${request.method} ${await request.text()} ${request.headers.get('cookie')}`);
        return html('error page');
      }
      await request.text();
      return new Response('', { status: 404 });
    };
    await client(app).post('/form', { params: 'a=1', status: 404, headers: { cookie: 'k=v' } });
    expect(seen).toEqual(['GET  k=v']);
  });

  it('fetches the page with a HEAD for a HEAD', async () => {
    const methods: string[] = [];
    const app: Handler = (request, ctx) => {
      methods.push(request.method);
      if (ctx.pathInfo === '/error') return html(null);
      return new Response(null, { status: 404 });
    };
    await client(app).head('/x', { status: 404 });
    expect(methods).toEqual(['HEAD', 'HEAD']);
  });

  it('tells the page what it stands in for', async () => {
    const app: Handler = (_request, ctx) => {
      const info = ctx.get(ERROR_DOCUMENT);
      if (info !== undefined) {
        return html(`${info.status} ${info.pathInfo} ${new URL(info.request.url).pathname}`);
      }
      return new Response('', { status: 404 });
    };
    const res = await client(app).get('/lost/page', { status: 404 });
    expect(res.text).toBe('404 /lost/page /lost/page');
  });

  it('shows the page for a thrown HTTP error, keeping its fields', async () => {
    const app: Handler = (_request, ctx) => {
      if (ctx.pathInfo === '/error') return html('custom 405');
      throw new MethodNotAllowed(['GET']);
    };
    const res = await client(app, { 405: '/error' }).post('/x', { status: 405 });
    expect([res.text, res.headers.get('allow')]).toEqual(['custom 405', 'GET']);
  });

  it.each([
    ['an HTTP error of another status', new NotFound('x'), /Not Found/],
    ['any other error', new Error('bug'), /bug/],
  ])('lets %s propagate', async (_name, thrown, message) => {
    const app = errorDocument({ 500: '/error' })(() => {
      throw thrown;
    });
    const request = new Request('http://localhost/');
    await expect(app(request, new Context(request))).rejects.toThrow(message);
  });

  it('merges cookies and Vary, and keeps caching fields of the original only', async () => {
    const app: Handler = (_request, ctx) => {
      if (ctx.pathInfo === '/error') {
        return html('page', {
          headers: {
            'set-cookie': 'page=1',
            vary: 'Accept-Encoding, accept-language',
            etag: '"page"',
            'cache-control': 'max-age=86400',
          },
        });
      }
      return new Response('', {
        status: 404,
        headers: {
          'set-cookie': 'app=1',
          vary: 'Accept-Language',
          'cache-control': 'no-store',
          etag: '"orig"',
        },
      });
    };
    const res = await client(app).get('/x', { status: 404 });
    expect({
      cookies: res.headers.getSetCookie(),
      vary: res.headers.get('vary'),
      etag: res.headers.get('etag'),
      cache: res.headers.get('cache-control'),
    }).toEqual({
      cookies: ['app=1', 'page=1'],
      vary: 'Accept-Language, Accept-Encoding',
      etag: null,
      cache: 'no-store',
    });
  });

  it('cancels the body of the response it replaces', async () => {
    let cancelled = false;
    const app: Handler = (_request, ctx) => {
      if (ctx.pathInfo === '/error') return html('page');
      return new Response(
        new ReadableStream({
          cancel() {
            cancelled = true;
          },
        }),
        { status: 404 },
      );
    };
    await client(app).get('/x', { status: 404 });
    expect(cancelled).toBe(true);
  });

  it('does not fetch the page when the client has gone', async () => {
    const calls: string[] = [];
    const controller = new AbortController();
    controller.abort();
    const app = errorDocument({ 404: '/error' })((_request, ctx) => {
      calls.push(ctx.pathInfo);
      return new Response(null, { status: 404 });
    });
    const request = new Request('http://localhost/x');
    await app(request, new Context(request, { signal: controller.signal }));
    expect(calls).toEqual(['/x']);
  });

  it('takes a function choosing the page, and a Map', async () => {
    const byFunction = client(pasteApp, (status) => (status === 404 ? '/error' : undefined));
    const byMap = client(pasteApp, new Map([[404, '/error']]));
    expect((await byFunction.get('/missing', { status: 404 })).text).toBe('Page not found');
    expect((await byMap.get('/missing', { status: 404 })).text).toBe('Page not found');
    expect((await byFunction.get('/auth', { status: 401 })).text).toBe('Unauthorized');
  });

  it('refuses a page function that returns something other than a path', async () => {
    const app = errorDocument(() => 404 as unknown as string)(pasteApp);
    const request = new Request('http://localhost/x');
    await expect(app(request, new Context(request))).rejects.toThrow(/returned number/);
  });

  it('resolves pages against the mount point', async () => {
    const seen: string[] = [];
    const app = errorDocument({ 404: '/error' })((request, ctx) => {
      seen.push(new URL(request.url).pathname);
      return ctx.pathInfo === '/error' ? html('page') : new Response('', { status: 404 });
    });
    const request = new Request('http://localhost/app/x');
    const res = await app(request, new Context(request, { scriptName: '/app', pathInfo: '/x' }));
    expect([await res.text(), seen]).toEqual(['page', ['/app/x', '/app/error']]);
  });

  it("is Paste's forward(app, codes)", async () => {
    const res = await new TestApp(forward(pasteApp, { 404: '/error' })).get('/x', { status: 404 });
    expect(res.text).toBe('Page not found');
  });

  it('turns a thrown error into the page when httpErrors() is inside', async () => {
    const app = errorDocument({ 404: '/error' })(
      httpErrors()((_request, ctx) => {
        if (ctx.pathInfo === '/error') return html('page');
        throw new NotFound();
      }),
    );
    expect((await new TestApp(app).get('/x', { status: 404 })).text).toBe('page');
  });
});

describe('errorDocument() options', () => {
  it.each([
    ['a success status', { 200: '/x' }, 'TROWEL_ERR_ERRORDOCUMENT_STATUS'],
    ['a status above 599', { 600: '/x' }, 'TROWEL_ERR_ERRORDOCUMENT_STATUS'],
    ['a word for a status', { notfound: '/x' }, 'TROWEL_ERR_ERRORDOCUMENT_STATUS'],
    ['a relative page', { 404: 'errors/404' }, 'TROWEL_ERR_ERRORDOCUMENT_PAGE'],
    ['a page on another host', { 404: '//evil.example/404' }, 'TROWEL_ERR_ERRORDOCUMENT_PAGE'],
    ['a page above the application', { 404: '/../404' }, 'TROWEL_ERR_ERRORDOCUMENT_PAGE'],
    ['a page that is no string', { 404: 404 }, 'TROWEL_ERR_ERRORDOCUMENT_PAGE'],
    ['no pages', {}, 'TROWEL_ERR_ERRORDOCUMENT_OPTIONS'],
    ['no table at all', null, 'TROWEL_ERR_ERRORDOCUMENT_OPTIONS'],
  ])('refuses %s when built', (_name, pages, code) => {
    expect(() => errorDocument(pages as never)).toThrow(expect.objectContaining({ code }));
  });

  it('refuses an onPageError that is not a function', () => {
    expect(() => errorDocument({ 404: '/x' }, { onPageError: 'log' as never })).toThrow(
      expect.objectContaining({ code: 'TROWEL_ERR_ERRORDOCUMENT_OPTIONS' }),
    );
  });
});
