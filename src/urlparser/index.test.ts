import { describe, expect, it } from 'vitest';
import { Context, isConfigError } from '../core/index.ts';
import { TestApp } from '../testing/index.ts';
import { fill, scratch, tree } from '../../test/static/tree.ts';
import { urlParser, type UrlParserOptions } from './index.ts';

const ECHO = `export default (request, ctx) =>
  Response.json({ method: request.method, scriptName: ctx.scriptName, pathInfo: ctx.pathInfo });
`;

const SITE = {
  'index.html': '<h1>home</h1>',
  'about.html': '<h1>about</h1>',
  'api.js': ECHO,
  'typed.ts': 'export const handler = (request: Request): Response => new Response("typed");\n',
  'named.mjs': 'export const app = () => new Response("named app");\n',
  'hono.js': `export default { fetch: (request) => new Response(new URL(request.url).pathname) };\n`,
  'counter.js': `globalThis.__urlparserLoads = (globalThis.__urlparserLoads ?? 0) + 1;
export default () => new Response(String(globalThis.__urlparserLoads));
`,
  'broken.js': 'export default () => new Response("x"\n',
  'throws.js': 'throw new Error("secret detail from import");\n',
  'inert.js': 'export const value = 42;\n',
  'notes.txt': 'notes',
  'notes.bak': 'old notes',
  'draft.txt~': 'draft',
  'page.html': 'page html',
  'page.js': 'export default () => new Response("page js");',
  'sub/index.txt': 'sub index',
  'sub/page.txt': 'sub page',
  'blog/index.ts':
    'export default (request: Request, ctx: { pathInfo: string }) => new Response("blog " + ctx.pathInfo);\n',
  '.secret': 'hidden',
};

function client(options: Partial<UrlParserOptions> = {}, root = tree(SITE)): TestApp {
  return new TestApp(urlParser({ root, onError: () => undefined, ...options }));
}

describe('urlParser() walking the tree', () => {
  it('serves the index of the root', async () => {
    expect((await client().get('/')).text).toBe('<h1>home</h1>');
  });

  it('finds a file without its extension', async () => {
    expect((await client().get('/about')).text).toBe('<h1>about</h1>');
  });

  it('finds a file by its full name', async () => {
    const res = await client().get('/about.html');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
  });

  it('serves static files with validators and ranges', async () => {
    const app = client();
    const etag = (await app.get('/notes.txt')).headers.get('etag') ?? '';
    await app.get('/notes.txt', { headers: { 'if-none-match': etag }, status: 304 });
    const part = await app.get('/notes.txt', { headers: { range: 'bytes=0-1' }, status: 206 });
    expect(part.text).toBe('no');
  });

  it('answers 405 for a static file asked with POST', async () => {
    await client().post('/notes.txt', { status: 405 });
  });

  it('hands a module the rest of the path, with its own name moved to scriptName', async () => {
    const res = await client().post('/api/users/1?x=1');
    expect(res.json).toEqual({ method: 'POST', scriptName: '/api', pathInfo: '/users/1' });
  });

  it('hands a module found by its full name an empty pathInfo', async () => {
    expect((await client().get('/api.js')).json).toMatchObject({
      scriptName: '/api.js',
      pathInfo: '',
    });
  });

  it.each([
    ['a TypeScript module with a handler export', '/typed', 'typed'],
    ['an .mjs module with an app export', '/named', 'named app'],
    ['an object with fetch(), given the path below the module', '/hono/a/b', '/a/b'],
    ['a directory index module', '/blog/', 'blog '],
  ])('serves %s', async (_what, path, body) => {
    expect((await client().get(path)).text).toBe(body);
  });

  it('imports a module once and keeps it', async () => {
    const app = client();
    const first = Number((await app.get('/counter')).text);
    const second = Number((await app.get('/counter')).text);
    expect(second).toBe(first);
  });

  it('redirects a directory without its slash, keeping the query', async () => {
    const res = await client().get('/sub?a=1', { status: 301 });
    expect(res.headers.get('location')).toBe('/sub/?a=1');
  });

  it('redirects the empty path under a mount to the mount with a slash', async () => {
    const handler = urlParser({ root: tree(SITE) });
    const request = new Request('http://localhost/site');
    const res = await handler(request, new Context(request, { scriptName: '/site', pathInfo: '' }));
    expect([res.status, res.headers.get('location')]).toEqual([301, '/site/']);
  });

  it('serves the index of a subdirectory by any extension', async () => {
    expect((await client().get('/sub/')).text).toBe('sub index');
  });

  it('tries the index names in order', async () => {
    expect((await client({ indexNames: ['missing', 'page.html'] }).get('/')).text).toBe(
      'page html',
    );
  });

  it('does not take a directory for an index, even through a symlink loop', async () => {
    const root = fill(scratch(), { 'd/index': { symlink: '.' }, 'd/main.txt': 'main' });
    const app = client({ followSymlinks: true, indexNames: ['index', 'main'] }, root);
    expect((await app.get('/d/')).text).toBe('main');
  });

  it('answers 404 for a file with more path after it', async () => {
    await client().get('/notes.txt/more', { status: 404 });
    await client().get('/notes.txt/', { status: 404 });
  });
});

describe('urlParser() hiding and ambiguity', () => {
  it.each(['/notes.bak', '/draft.txt~', '/.secret', '/%2e%2e/etc/passwd', '/sub/%2e%2e/.secret'])(
    'answers 404 for %s',
    async (path) => {
      await client().get(path, { status: 404 });
    },
  );

  it('finds the one candidate left when the others are hidden', async () => {
    expect((await client().get('/notes')).text).toBe('notes');
  });

  it('finds a file with an ignored extension only by its full name', async () => {
    const app = client({ ignoreExtensions: ['.txt'] });
    await app.get('/notes', { status: 404 });
    expect((await app.get('/notes.txt')).text).toBe('notes');
  });

  it('answers 404 for an ambiguous name and reports it', async () => {
    const errors: unknown[] = [];
    await client({ onError: (e) => errors.push(e) }).get('/page', { status: 404 });
    expect(String(errors[0])).toMatch(/"page" is ambiguous \(page\.html, page\.js\)/);
  });

  it('serves modules as files when their extension is not a module extension', async () => {
    const res = await client({ moduleExtensions: ['.mjs'] }).get('/api.js');
    expect(res.text).toBe(ECHO);
  });

  it('does not follow a symlink out of the root', async () => {
    const outside = tree({ 'x.txt': 'outside' });
    const root = fill(scratch(), { out: { symlink: outside } });
    await client({}, root).get('/out/x.txt', { status: 404 });
    await client({ followSymlinks: true }, root).get('/out/x.txt', { status: 404 });
  });
});

describe('urlParser() failing modules', () => {
  it.each([
    ['a syntax error', '/broken'],
    ['a module that throws when imported', '/throws'],
    ['a module without a handler export', '/inert'],
  ])('answers 500 for %s, logging the error and showing none of it', async (_what, path) => {
    const errors: unknown[] = [];
    const res = await client({ onError: (e) => errors.push(e) }).get(path, { status: 500 });
    expect(errors).toHaveLength(1);
    expect(res.text).not.toMatch(/secret|broken|throws|inert|export/);
  });

  it('logs to the console by default', async () => {
    const root = tree({ 'inert.js': 'export const x = 1;\n' });
    const logged: unknown[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => logged.push(args);
    try {
      await new TestApp(urlParser({ root })).get('/inert', { status: 500 });
    } finally {
      console.error = original;
    }
    expect(String(logged[0])).toMatch(/exports no handler/);
  });
});

describe('urlParser() directory hooks', () => {
  const hooked = (): string =>
    tree({
      'index.html': 'home',
      'admin/__init__.js': `export const wrap = (next) => async (request, ctx) => {
  if (request.headers.get('x-user') !== 'root') return new Response('denied', { status: 403 });
  const response = await next(request, ctx);
  const headers = new Headers(response.headers);
  headers.set('x-admin', 'yes');
  return new Response(response.body, { status: response.status, headers });
};
export const notFound = () => new Response('admin: no such page', { status: 404 });
`,
      'admin/panel.txt': 'panel',
      'app/__init__.ts':
        'export default (request: Request, ctx: { pathInfo: string }) => new Response("app " + ctx.pathInfo);\n',
      'app/ignored.txt': 'never served',
      'bad/__init__.js': 'export const wrap = 3;\n',
      'bad/x.txt': 'x',
      'badnf/__init__.js': 'export const notFound = "nope";\n',
    });

  it('wraps every answer from the directory', async () => {
    const app = client({}, hooked());
    await app.get('/admin/panel.txt', { status: 403 });
    const res = await app.get('/admin/panel.txt', { headers: { 'x-user': 'root' } });
    expect([res.text, res.headers.get('x-admin')]).toEqual(['panel', 'yes']);
  });

  it('answers what is not found with the directory notFound handler, wrapped', async () => {
    const res = await client({}, hooked()).get('/admin/nothing', {
      headers: { 'x-user': 'root' },
      status: 404,
    });
    expect(res.text).toBe('admin: no such page');
  });

  it('lets a directory handler serve the whole directory', async () => {
    expect((await client({}, hooked()).get('/app/ignored.txt')).text).toBe('app /ignored.txt');
  });

  it('never serves the hook module itself', async () => {
    await client({}, hooked()).get('/__init__', { status: 404 });
    const root = tree({ '__init__.js': 'export const x = 1;\n', 'a.txt': 'a' });
    await client({}, root).get('/__init__.js', { status: 404 });
  });

  it('ignores hook modules when initName is false', async () => {
    const res = await client({ initName: false }, hooked()).get('/app/ignored.txt');
    expect(res.text).toBe('never served');
  });

  it.each(['/bad/x.txt', '/badnf/x'])(
    'answers 500 for hooks of the wrong kind (%s)',
    async (path) => {
      await client({}, hooked()).get(path, { status: 500 });
    },
  );
});

describe('urlParser() and a tree that changes under a request', () => {
  it('answers 404 when the file goes away between the lookup and the answer', async () => {
    const root = tree({
      'd/__init__.js': `import { rmSync } from 'node:fs';
export const wrap = (next) => (request, ctx) => {
  rmSync(new URL('./gone.txt', import.meta.url), { force: true });
  return next(request, ctx);
};
`,
      'd/gone.txt': 'soon gone',
    });
    await client({}, root).get('/d/gone.txt', { status: 404 });
  });

  it('answers 404 when a directory goes away while the request walks through it', async () => {
    const root = tree({
      'd/__init__.js': `import { rmSync } from 'node:fs';
rmSync(import.meta.dirname, { recursive: true, force: true });
`,
      'd/page.txt': 'page',
    });
    await client({}, root).get('/d/page.txt', { status: 404 });
  });
});

describe('urlParser() options', () => {
  function code(options: unknown): string | undefined {
    try {
      urlParser(options as UrlParserOptions);
    } catch (error) {
      return isConfigError(error) ? error.code : 'other';
    }
    return undefined;
  }

  it.each([
    ['no options', undefined, 'TROWEL_ERR_URLPARSER_INVALID_OPTION'],
    ['no root', {}, 'TROWEL_ERR_URLPARSER_ROOT'],
    ['a missing root', { root: '/nonexistent/trowel' }, 'TROWEL_ERR_URLPARSER_ROOT'],
    ['index names with a slash', { indexNames: ['a/b'] }, 'TROWEL_ERR_URLPARSER_INVALID_OPTION'],
    ['index names that are dot-dot', { indexNames: ['..'] }, 'TROWEL_ERR_URLPARSER_INVALID_OPTION'],
    [
      'an ignored extension without a dot',
      { ignoreExtensions: ['txt'] },
      'TROWEL_ERR_URLPARSER_INVALID_OPTION',
    ],
    [
      'hidden endings that are not a list',
      { hideExtensions: '.bak' },
      'TROWEL_ERR_URLPARSER_INVALID_OPTION',
    ],
    [
      'a module extension with a slash',
      { moduleExtensions: ['./js'] },
      'TROWEL_ERR_URLPARSER_INVALID_OPTION',
    ],
    ['an init name with a slash', { initName: 'a/b' }, 'TROWEL_ERR_URLPARSER_INVALID_OPTION'],
    [
      'an onError that is not a function',
      { onError: 'log' },
      'TROWEL_ERR_URLPARSER_INVALID_OPTION',
    ],
    ['a bad file option', { cacheMaxAge: -5 }, 'TROWEL_ERR_STATIC_INVALID_OPTION'],
  ])('refuses %s', (_what, options, expected) => {
    const root = tree({});
    const given =
      options === undefined
        ? undefined
        : 'root' in options || Object.keys(options).length === 0
          ? options
          : { root, ...options };
    expect(code(given)).toBe(expected);
  });
});
