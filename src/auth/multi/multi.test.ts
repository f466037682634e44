import { describe, expect, it } from 'vitest';
import { Context } from '../../core/context.ts';
import { isConfigError } from '../../core/config-error.ts';
import type { Handler, Middleware } from '../../core/handler.ts';
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import { TestApp } from '../../testing/index.ts';
import {
  acceptsHtml,
  hasHeader,
  multiAuth,
  pathStartsWith,
  queryParam,
  type AuthPredicate,
  type AuthRule,
} from './index.ts';

/** A stand-in scheme that signs every request in as `name`. */
const scheme =
  (name: string): Middleware =>
  (next) =>
  (request, ctx) => {
    ctx.set(REMOTE_USER, name);
    ctx.set(AUTH_TYPE, name);
    return next(request, ctx);
  };

const app: Handler = (_request, ctx) => new Response(ctx.get(AUTH_TYPE) ?? 'none');

function client(rules: readonly AuthRule[], fallback?: Middleware): TestApp {
  return new TestApp(multiAuth(rules, fallback ? { default: fallback } : {})(app));
}

describe('multiAuth()', () => {
  const rules: AuthRule[] = [
    [pathStartsWith('/api'), scheme('bearer')],
    [hasHeader('authorization'), scheme('basic')],
    [acceptsHtml, scheme('form')],
  ];

  it.each<[string, string, Record<string, string>, string]>([
    ['an API path, even from a browser', '/api/users', { accept: 'text/html' }, 'bearer'],
    ['the API root itself', '/api', {}, 'bearer'],
    ['a path that only starts with the same letters', '/apiary', {}, 'cookie'],
    ['a script sending credentials', '/page', { authorization: 'Basic eDp5' }, 'basic'],
    ['a browser', '/page', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }, 'form'],
    ['curl', '/page', { accept: '*/*' }, 'cookie'],
    ['a client refusing HTML', '/page', { accept: 'text/html;q=0, */*' }, 'cookie'],
  ])('picks the scheme for %s', async (_who, path, headers, expected) => {
    const res = await client(rules, scheme('cookie')).get(path, { headers });
    expect(res.text).toBe(expected);
  });

  it('runs the application without a user when nothing matches and there is no default', async () => {
    const res = await client(rules).get('/page');
    expect(res.text).toBe('none');
  });

  it('asks later predicates nothing once one has matched', async () => {
    const asked: string[] = [];
    const spy =
      (name: string, answer: boolean): AuthPredicate =>
      () => {
        asked.push(name);
        return answer;
      };
    await client([
      [spy('first', false), scheme('a')],
      [spy('second', true), scheme('b')],
      [spy('third', true), scheme('c')],
    ]).get('/');
    expect(asked).toEqual(['first', 'second']);
  });

  it('awaits an async predicate', async () => {
    const res = await client([[async () => Promise.resolve(true), scheme('async')]]).get('/');
    expect(res.text).toBe('async');
  });

  it('wraps each middleware around the application once, when built', async () => {
    let built = 0;
    const counting: Middleware = (next) => {
      built++;
      return next;
    };
    const handler = multiAuth([[() => true, counting]], { default: counting })(app);
    await handler(new Request('http://x/'), new Context('http://x/'));
    await handler(new Request('http://x/'), new Context('http://x/'));
    expect(built).toBe(2);
  });

  it('lets a scheme answer by itself without running the application', async () => {
    const deny: Middleware = () => () =>
      new Response('no', { status: 401, headers: { 'www-authenticate': 'Basic realm="x"' } });
    let ran = false;
    const handler = multiAuth([[() => true, deny]])(() => {
      ran = true;
      return new Response('app');
    });
    const res = await handler(new Request('http://x/'), new Context('http://x/'));
    expect(res.status).toBe(401);
    expect(ran).toBe(false);
  });

  it.each<[string, unknown, unknown]>([
    ['rules that are not an array', { a: 1 }, undefined],
    ['a rule that is not a pair', [[() => true]], undefined],
    ['a rule whose middleware is not a function', [[() => true, 'basic']], undefined],
    ['a default that is not a function', [], { default: 'basic' }],
  ])('refuses %s when built', (_what, badRules, options) => {
    let caught: unknown;
    try {
      multiAuth(badRules as AuthRule[], options as object);
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught) && caught.code).toBe('TROWEL_ERR_AUTH_MULTI_OPTIONS');
  });
});

describe('predicates', () => {
  const ctx = (path: string): Context => new Context(`http://x${path}`);
  const req = (url: string, headers: Record<string, string> = {}): Request =>
    new Request(`http://x${url}`, { headers });

  it.each([
    ['/api', '/api', true],
    ['/api', '/api/', true],
    ['/api', '/api/v1', true],
    ['/api/', '/api/v1', true],
    ['/api', '/apiary', false],
    ['/api', '/', false],
    ['/api', '/API', false],
    ['/', '/anything', true],
  ])('pathStartsWith(%j) on %j is %s', (prefix, path, expected) => {
    expect(pathStartsWith(prefix)(req(path), ctx(path))).toBe(expected);
  });

  it('pathStartsWith() looks at the path below the mount', () => {
    const mounted = new Context('http://x/app/api/v1', { scriptName: '/app', pathInfo: '/api/v1' });
    expect(pathStartsWith('/api')(req('/app/api/v1'), mounted)).toBe(true);
    expect(pathStartsWith('/app')(req('/app/api/v1'), mounted)).toBe(false);
  });

  it.each([
    ['authmeth=digest', true],
    ['a=1&authmeth=digest', true],
    ['authmeth=digestX', false],
    ['xauthmeth=digest', false],
    ['authmeth=basic', false],
    ['authmeth=dig%65st', true],
  ])('queryParam("authmeth", "digest") on ?%s is %s', (query, expected) => {
    expect(queryParam('authmeth', 'digest')(req(`/?${query}`), ctx('/'))).toBe(expected);
  });

  it('queryParam() without a value asks only for presence', () => {
    expect(queryParam('debug')(req('/?debug'), ctx('/'))).toBe(true);
    expect(queryParam('debug')(req('/?other=1'), ctx('/'))).toBe(false);
  });

  it.each([
    [{}, false],
    [{ 'x-requested-with': 'XMLHttpRequest' }, true],
    [{ 'x-requested-with': 'fetch' }, false],
  ])('hasHeader() with a value test on %j is %s', (headers, expected) => {
    const isXhr = hasHeader('x-requested-with', (v) => v.toLowerCase() === 'xmlhttprequest');
    expect(isXhr(req('/', headers), ctx('/'))).toBe(expected);
  });

  it.each([
    ['text/html', true],
    ['TEXT/HTML;q=0.5', true],
    ['text/*', false],
    ['*/*', false],
    ['application/json', false],
    ['text/html;q=0', false],
  ])('acceptsHtml() with Accept %j is %s', (accept, expected) => {
    expect(acceptsHtml(req('/', { accept }))).toBe(expected);
  });

  it.each<[string, () => unknown]>([
    ['hasHeader with a bad name', () => hasHeader('bad name')],
    ['pathStartsWith without a slash', () => pathStartsWith('api')],
    ['queryParam with an empty name', () => queryParam('')],
  ])('refuses %s when built', (_what, build) => {
    let caught: unknown;
    try {
      build();
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught) && caught.code).toBe('TROWEL_ERR_AUTH_MULTI_PREDICATE');
  });
});

describe('pathStartsWith next to urlMap()', () => {
  it.each(['/admin/x', '//admin/x', '/%61dmin/x', '/admin//x', '///admin'])(
    'applies the scheme to %s, which urlMap routes to /admin',
    async (path) => {
      const { urlMap } = await import('../../urlmap/index.ts');
      const { Context } = await import('../../core/context.ts');
      const app = multiAuth([
        [pathStartsWith('/admin'), () => () => new Response('denied', { status: 401 })],
      ])(urlMap({ '/': () => new Response('home'), '/admin': () => new Response('admin') }));
      const request = new Request(`http://localhost${path}`);
      const response = await app(request, new Context(request, { pathInfo: path }));
      expect(response.status).toBe(401);
    },
  );
});
