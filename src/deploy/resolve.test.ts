import { describe, expect, it } from 'vitest';
import { DEPLOY, get, rejection, TAG_MODULE, tree } from '../../test/deploy/helpers.ts';
import { defaultRegistry } from './entry-points.ts';
import { loadApp, loadFilter, loadServer } from './loader.ts';
import { Registry, type ObjectType } from './registry.ts';
import { describe as describeValue } from './targets.ts';

const SECTION: Readonly<Record<ObjectType, string>> = {
  app: 'app',
  filter: 'filter',
  server: 'server',
};

/**
 * Every name trowel knows, plus one planned name per object type: every Paste name is available
 * or unsupported now, and the "not available yet" path still has to work for the next ones.
 */
const REGISTRY = defaultRegistry()
  .register('egg:Future#app', { status: 'planned', protocol: 'app', capability: 'trowel/future' })
  .register('egg:Future#filter', {
    status: 'planned',
    protocol: 'filter-app',
    capability: 'trowel/future',
  })
  .register('egg:Future#server', {
    status: 'planned',
    protocol: 'server',
    capability: 'trowel/future',
  });

/** Loads `[TYPE:main] use = REFERENCE` (plus `extra` lines) as an object of `type`. */
function load(
  type: ObjectType,
  use: string,
  files: Record<string, string> = {},
  extra = '',
): Promise<unknown> {
  const dir = tree({
    'm.mjs': TAG_MODULE,
    ...files,
    'site.ini': `[${SECTION[type]}:main]\nuse = ${use}\n${extra}`,
  });
  const path = `${dir}/site.ini`;
  const options = { registry: REGISTRY };
  return type === 'app'
    ? loadApp(path, options)
    : type === 'filter'
      ? loadFilter(path, options)
      : loadServer(path, options);
}

describe('egg: entry points', () => {
  const planned = [...REGISTRY.entries()].filter(({ entry }) => entry.status === 'planned');

  it.each(
    planned.map(({ name, type, entry }) => [
      name,
      type,
      entry.status === 'planned' ? entry.capability : '',
    ]),
  )(
    'says %s (%s) is not available yet, naming the capability, file, line, section and key',
    async (name, type, capability) => {
      const error = await rejection(load(type, name));
      expect(error.code).toBe('TROWEL_ERR_DEPLOY_UNAVAILABLE');
      expect(error).toMatchObject({
        section: `${SECTION[type]}:main`,
        key: 'use',
        line: 2,
      });
      expect(error.detail).toBe(
        `capability not available yet: ${name} will be provided by ${capability}`,
      );
    },
  );

  const unsupported = [...defaultRegistry().entries()].filter(
    ({ entry }) => entry.status === 'unsupported',
  );

  it.each(unsupported.map(({ name, type }) => [name, type]))(
    'says %s (%s) is not supported, and why',
    async (name, type) => {
      const error = await rejection(load(type, name));
      expect(error.code).toBe('TROWEL_ERR_DEPLOY_UNSUPPORTED');
      expect(error.detail).toMatch(new RegExp(`^${name} is not supported: .+`));
    },
  );

  it('matches distribution names in any case, and defaults the name to main', async () => {
    expect(typeof (await load('filter', 'egg:paste#lint'))).toBe('function');
    // egg:WSGIProxy is egg:WSGIProxy#main, whose app needs href.
    const error = await rejection(load('app', 'egg:WSGIProxy'));
    expect(error).toMatchObject({ key: 'href', detail: 'is required: the URL to forward to' });
  });

  it('picks the entry of the type the section needs when a name has two', async () => {
    // As a filter, egg:WSGIProxy is forwarded(), which needs no options.
    expect(typeof (await load('filter', 'egg:WSGIProxy'))).toBe('function');
    await expect(load('app', 'egg:WSGIProxy')).rejects.toThrow(/href/);
  });

  it('refuses an entry point of the wrong kind', async () => {
    const error = await rejection(load('app', 'egg:Paste#gzip'));
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_KIND');
    expect(error.detail).toBe('egg:Paste#gzip is a filter, but this place needs an application');
  });

  it('suggests the nearest name of a known distribution', async () => {
    const error = await rejection(load('filter', 'egg:Paste#lnt'));
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_NOT_FOUND');
    expect(error.detail).toBe('egg:Paste#lnt: Paste has no entry point "lnt" (did you mean lint?)');
  });

  it.each(['egg:Paste==3.5#http', 'egg:Paste>=1#http'])(
    'refuses the version requirement in %s',
    async (use) => {
      const error = await rejection(load('server', use));
      expect(error.code).toBe('TROWEL_ERR_DEPLOY_URI');
      expect(error.detail).toContain('version requirements are not supported');
    },
  );

  it('refuses a malformed egg: reference', async () => {
    expect((await rejection(load('app', 'egg:#x'))).code).toBe('TROWEL_ERR_DEPLOY_URI');
  });

  it("loads another distribution's entry from the npm package of that name", async () => {
    const app = await load('app', 'egg:my_wsgi_app#app', {
      'node_modules/my_wsgi_app/package.json':
        '{"name":"my_wsgi_app","type":"module","exports":"./index.js"}',
      'node_modules/my_wsgi_app/index.js': 'export const app = () => new Response("from npm");\n',
    });
    expect(await (await get(app as never)).text()).toBe('from npm');
  });

  it('takes the default export for egg:Package without #name, trying the lower-case name too', async () => {
    const app = await load('app', 'egg:MyBackend', {
      'node_modules/mybackend/package.json': '{"name":"mybackend","main":"main.mjs"}',
      'node_modules/mybackend/main.mjs': 'export default () => new Response("default");\n',
    });
    expect(await (await get(app as never)).text()).toBe('default');
  });

  it('explains an unknown distribution that is not installed either', async () => {
    const error = await rejection(load('app', 'egg:MyBackend'));
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_IMPORT');
    expect(error.detail).toContain('no npm package "MyBackend"');
  });

  it('uses the registry it is given', async () => {
    const registry = new Registry().register('egg:Mine#main', {
      status: 'available',
      protocol: 'app',
      capability: 'mine',
      load: () => ({ protocol: 'app', create: () => () => new Response('mine') }),
    });
    const dir = tree({ 'site.ini': '[app:main]\nuse = egg:Mine\n' });
    expect(await (await get(await loadApp(`${dir}/site.ini`, { registry }))).text()).toBe('mine');
  });

  it('reports a registry entry whose factory disagrees with it', async () => {
    const registry = new Registry().register('egg:Mine#main', {
      status: 'available',
      protocol: 'app',
      capability: 'mine',
      load: () => ({ protocol: 'filter', create: () => (next) => next }),
    });
    const dir = tree({ 'site.ini': '[app:main]\nuse = egg:Mine\n' });
    const error = await rejection(loadApp(`${dir}/site.ini`, { registry }));
    expect(error.detail).toContain('the registry says app, the factory says filter');
  });
});

describe('file: and npm: exports', () => {
  it('takes a Handler export as an application', async () => {
    expect(await (await get((await load('app', 'file:./m.mjs#hello')) as never, '/f')).text()).toBe(
      'hello /f',
    );
  });

  it('takes the default export when no name is given, and file:// URLs', async () => {
    const files = { 'd.mjs': 'export default () => new Response("d");\n' };
    expect(await (await get((await load('app', 'file:d.mjs', files)) as never)).text()).toBe('d');
    const dir = tree(files);
    expect(await (await get((await load('app', `file://${dir}/d.mjs`)) as never)).text()).toBe('d');
  });

  it('takes an object with a fetch method (a Hono app) as an application', async () => {
    const files = {
      'h.mjs':
        'export const app = { fetch: (r) => new Response("fetch " + new URL(r.url).pathname) };\n',
    };
    expect(
      await (await get((await load('app', 'file:./h.mjs#app', files)) as never, '/h')).text(),
    ).toBe('fetch /h');
  });

  it('takes a Middleware export as a filter', async () => {
    const files = {
      'mw.mjs':
        'export const mw = (next) => async (r, c) => new Response("mw:" + (await (await next(r, c)).text()));\n',
    };
    const filter = (await load('filter', 'file:./mw.mjs#mw', files)) as (
      n: unknown,
    ) => Promise<never>;
    expect(await (await get(await filter(() => new Response('in')))).text()).toBe('mw:in');
  });

  it.each([
    ['app', 'file:./m.mjs#hello', 'a Handler', 'appFactory'],
    ['filter', 'file:./mw.mjs#mw', 'a Middleware', 'filterFactory'],
  ] as const)(
    'refuses options for a %s that is a plain export',
    async (type, use, what, helper) => {
      const files = { 'mw.mjs': 'export const mw = (next) => next;\n' };
      const loaded = load(type, use, files, 'root = /srv\n');
      const error = await rejection(
        type === 'filter'
          ? loaded.then((f) => (f as (n: unknown) => Promise<unknown>)(() => new Response()))
          : loaded,
      );
      expect(error).toMatchObject({ code: 'TROWEL_ERR_DEPLOY_OPTION', key: 'root', line: 3 });
      expect(error.detail).toContain(`is ${what}, which takes no options`);
      expect(error.detail).toContain(helper);
    },
  );

  it.each([
    ['app', 'export const x = 42;\n', 'is number 42, not a Handler'],
    ['filter', 'export const x = "s";\n', 'is a string ("s"), not a Middleware'],
    ['server', 'export const x = () => {};\n', 'is a function, not a serverFactory'],
  ] as const)(
    'refuses a %s export that is not what the section needs',
    async (type, code, detail) => {
      const error = await rejection(load(type, 'file:./x.mjs#x', { 'x.mjs': code }));
      expect(error.code).toBe('TROWEL_ERR_DEPLOY_EXPORT');
      expect(error.detail).toContain(detail);
    },
  );

  it('lists the exports when the one named is missing', async () => {
    const error = await rejection(load('app', 'file:./m.mjs#nope'));
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_IMPORT');
    expect(error.detail).toMatch(/has no export "nope"; it exports echo, hello, tag$/);
  });

  it('asks for a name when there is no default export', async () => {
    expect((await rejection(load('app', 'file:./m.mjs'))).detail).toContain(
      'has no default export (name one with #name)',
    );
  });

  it('reports a missing file', async () => {
    const error = await rejection(load('app', 'file:./missing.mjs#x'));
    expect(error.detail).toMatch(/^file:\.\/missing\.mjs#x: there is no file \/.+\/missing\.mjs$/);
  });

  it('reports a module that throws while loading, keeping the cause', async () => {
    const error = await rejection(
      load('app', 'file:./boom.mjs#x', { 'boom.mjs': 'throw new Error("boom");\n' }),
    );
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_IMPORT');
    expect(error.detail).toContain('failed: boom');
    expect((error.cause as Error).message).toBe('boom');
  });

  it('resolves npm: packages through their exports, with conditions and subpaths', async () => {
    const files = {
      'node_modules/@acme/site/package.json': JSON.stringify({
        name: '@acme/site',
        exports: {
          '.': { require: './no.cjs', import: './yes.mjs' },
          './pages/*': './pages/*.mjs',
        },
      }),
      'node_modules/@acme/site/yes.mjs': 'export const app = () => new Response("import");\n',
      'node_modules/@acme/site/pages/about.mjs':
        'export const page = () => new Response("about");\n',
    };
    expect(
      await (await get((await load('app', 'npm:@acme/site#app', files)) as never)).text(),
    ).toBe('import');
    expect(
      await (
        await get((await load('app', 'npm:@acme/site/pages/about#page', files)) as never)
      ).text(),
    ).toBe('about');
  });

  it('resolves npm: packages without exports through main or index.js', async () => {
    const files = {
      'node_modules/old/package.json': '{"name":"old"}',
      'node_modules/old/index.js': 'export const app = () => new Response("index");\n',
      'node_modules/old/lib/page.js': 'export const app = () => new Response("page");\n',
    };
    expect(await (await get((await load('app', 'npm:old#app', files)) as never)).text()).toBe(
      'index',
    );
    expect(
      await (await get((await load('app', 'npm:old/lib/page#app', files)) as never)).text(),
    ).toBe('page');
  });

  it('finds a package from a directory above the config, and the package itself by its own name', async () => {
    const dir = tree({
      'package.json': '{"name":"self","exports":{"./app":"./app.mjs"}}',
      'app.mjs': 'export const app = () => new Response("self");\n',
      'conf/site.ini': '[app:main]\nuse = npm:self/app#app\n',
    });
    expect(await (await get(await loadApp(`${dir}/conf/site.ini`))).text()).toBe('self');
  });

  it.each([
    ['npm:not-installed#x', 'is not installed where'],
    ['npm:old/missing#x', 'is not installed where'],
    ['npm:Bad Name#x', 'is not a module reference'],
    ['file:./m.mjs#not-an-identifier', 'is not a module reference'],
    ['file:#x', 'is not a module reference'],
  ])('refuses %s', async (use, detail) => {
    const files = { 'node_modules/old/package.json': '{"name":"old","exports":{".":"./i.js"}}' };
    expect((await rejection(load('app', use, files))).detail).toContain(detail);
  });

  it('refuses an unknown scheme', async () => {
    const error = await rejection(load('app', 'python:app'));
    expect(error.detail).toContain('unknown scheme "python:"');
  });
});

describe('call: and explicit protocol keys', () => {
  const factories = {
    'f.mjs': `
export const make = (options, globalConf) => () => Response.json({ options, here: globalConf.here });
export const wrap = (options) => (next) => async (r, c) => new Response(options.prefix + (await (await next(r, c)).text()));
export const notAFunction = 1;
`,
  };

  it('calls an app factory with the options and globals', async () => {
    const app = (await load('app', 'call:./f.mjs#make', factories, 'greeting = hi\n')) as never;
    expect(await (await get(app)).json()).toMatchObject({ options: { greeting: 'hi' } });
  });

  it('calls a filter factory in a [filter-app:] section (PasteDeploy looked for a filter-app protocol and failed)', async () => {
    const dir = tree({
      ...factories,
      'm.mjs': TAG_MODULE,
      'site.ini':
        '[filter-app:main]\nuse = call:./f.mjs#wrap\nprefix = >\nnext = h\n[app:h]\nuse = file:./m.mjs#hello\n',
    });
    expect(await (await get(await loadApp(`${dir}/site.ini`))).text()).toBe('>hello /');
  });

  it('refuses a Python module path', async () => {
    const error = await rejection(load('app', 'call:mypackage.wsgi:make_app'));
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_URI');
    expect(error.detail).toContain('Python module paths do not apply');
  });

  it('refuses to call something that is not a function', async () => {
    expect((await rejection(load('app', 'call:./f.mjs#notAFunction', factories))).detail).toContain(
      'is not a function',
    );
  });

  it('takes paste.app_factory and the other protocol keys instead of use', async () => {
    const dir = tree({
      ...factories,
      'site.ini': '[app:main]\npaste.app_factory = ./f.mjs#make\nx = 1\n',
    });
    expect(await (await get(await loadApp(`${dir}/site.ini`))).json()).toMatchObject({
      options: { x: '1' },
    });
  });

  it.each([
    [
      'paste.app_factory = ./f.mjs#make\npaste.filter_factory = ./f.mjs#wrap\n',
      'only one factory protocol',
    ],
    [
      'use = file:./f.mjs#make\npaste.app_factory = ./f.mjs#make\n',
      'either use or a paste.*_factory key',
    ],
    [
      'paste.filter_factory = ./f.mjs#wrap\n',
      'this protocol builds a filter, but the section needs an application',
    ],
    ['paste.app_factory = mypackage.wsgi:make_app\n', 'Python module paths do not apply'],
    ['paste.app_factory = ./f.mjs#notAFunction\n', 'is not a function'],
  ])('refuses %j', async (body, detail) => {
    const dir = tree({ ...factories, 'site.ini': `[app:main]\n${body}` });
    expect((await rejection(loadApp(`${dir}/site.ini`))).detail).toContain(detail);
  });
});

describe('tagged factories', () => {
  const module = `
import { appFactory, filterFactory, filterAppFactory, compositeFactory, serverFactory } from ${JSON.stringify(DEPLOY)};
export const app = appFactory((options) => () => new Response('app ' + (options.word ?? '')));
export const filter = filterFactory((options) => (next) => async (r, c) => new Response('[' + (await (await next(r, c)).text()) + ']'));
export const filterApp = filterAppFactory((next) => async (r, c) => new Response('(' + (await (await next(r, c)).text()) + ')'));
export const pair = compositeFactory(async (loader, options) => {
  const first = await loader.getApp(options.first, { key: 'first' });
  const second = await loader.getApp(options.second, { key: 'second' });
  return async (r, c) => new Response((await (await first(r, c)).text()) + '+' + (await (await second(r, c)).text()));
});
export const server = serverFactory(() => async () => ({ url: 'http://nowhere', close: async () => {} }));
export const runner = async (handler, options, globalConf, run) => ({ url: 'http://runner/' + (options.name ?? '') + (run.handleSignals ? '!' : ''), close: async () => {} });
export const trio = compositeFactory(async (loader) => {
  const app = await loader.getApp('a');
  const filter = await loader.getFilter('f');
  const serve = await loader.getServer('main');
  const url = (await serve(app)).url;
  const wrapped = await filter(app);
  return async (r, c) => new Response(url + ' ' + (await (await wrapped(r, c)).text()) + ' ' + loader.where.section);
});
export const fetcher = appFactory(() => ({ fetch: () => new Response('fetched') }));
export const configError = appFactory(() => { throw Object.assign(new Error('bad option'), { name: 'ConfigError', code: 'TROWEL_ERR_SOMETHING_BAD' }); });
export const throws = appFactory(() => { throw new Error('factory broke'); });
export const returnsNothing = appFactory(() => undefined);
export const filterReturnsNothing = filterFactory(() => 'nope');
export const badMiddleware = filterFactory(() => () => 'nope');
`;

  it('builds each protocol from a tagged export', async () => {
    const dir = tree({
      't.mjs': module,
      'site.ini': `[composite:main]\nuse = file:./t.mjs#pair\nfirst = a\nsecond = b\n[app:a]\nuse = file:./t.mjs#app\nword = A\nfilter-with = f\n[filter:f]\nuse = file:./t.mjs#filter\n[filter-app:b]\nuse = file:./t.mjs#filterApp\nnext = a\n[server:main]\nuse = file:./t.mjs#server\n`,
    });
    expect(await (await get(await loadApp(`${dir}/site.ini`))).text()).toBe('[app A]+([app A])');
    const run = await loadServer(`${dir}/site.ini`);
    expect((await run(() => new Response())).url).toBe('http://nowhere');
  });

  it('lets a composite load filters and servers too', async () => {
    const dir = tree({
      't.mjs': module,
      'site.ini': `[composite:main]\nuse = file:./t.mjs#trio\n[app:a]\nuse = file:./t.mjs#app\n[filter:f]\nuse = file:./t.mjs#filter\n[server:main]\nuse = file:./t.mjs#server\n`,
    });
    expect(await (await get(await loadApp(`${dir}/site.ini`))).text()).toBe(
      'http://nowhere [app ] composite:main',
    );
  });

  it('runs a paste.server_runner with the options and what the caller asks', async () => {
    const dir = tree({
      't.mjs': module,
      'site.ini': '[server:main]\npaste.server_runner = ./t.mjs#runner\nname = r\n',
    });
    const run = await loadServer(`${dir}/site.ini`);
    expect((await run(() => new Response(), { handleSignals: true })).url).toBe('http://runner/r!');
    expect((await run(() => new Response())).url).toBe('http://runner/r');
  });

  it('takes an object with fetch returned by an app factory as a Handler', async () => {
    expect(
      await (
        await get((await load('app', 'file:./t.mjs#fetcher', { 't.mjs': module })) as never)
      ).text(),
    ).toBe('fetched');
  });

  it("keeps the code of a capability's ConfigError, adding the place", async () => {
    const error = await rejection(load('app', 'file:./t.mjs#configError', { 't.mjs': module }));
    expect(error).toMatchObject({
      code: 'TROWEL_ERR_SOMETHING_BAD',
      section: 'app:main',
      key: 'use',
    });
    expect(error.detail).toBe('file:./t.mjs#configError: bad option');
  });

  it('names the composite key whose reference is broken', async () => {
    const dir = tree({
      't.mjs': module,
      'site.ini': '[composite:main]\nuse = file:./t.mjs#pair\nfirst = nowhere\nsecond = x\n',
    });
    const error = await rejection(loadApp(`${dir}/site.ini`));
    expect(error).toMatchObject({
      section: 'composite:main',
      key: 'first',
      line: 3,
      code: 'TROWEL_ERR_DEPLOY_NOT_FOUND',
    });
  });

  it('refuses a tagged export of the wrong kind', async () => {
    const error = await rejection(load('app', 'file:./t.mjs#filter', { 't.mjs': module }));
    expect(error.detail).toBe(
      'file:./t.mjs#filter is a filter (filter factory), but this place needs an application',
    );
  });

  it('reports a factory that throws, with the section and the cause', async () => {
    const error = await rejection(load('app', 'file:./t.mjs#throws', { 't.mjs': module }));
    expect(error).toMatchObject({ code: 'TROWEL_ERR_DEPLOY_FACTORY', key: 'use' });
    expect(error.detail).toBe('file:./t.mjs#throws failed: factory broke');
  });

  it.each([
    ['app', 'returnsNothing', 'the app factory returned undefined, not a Handler'],
    [
      'filter',
      'filterReturnsNothing',
      'the filter factory returned a string ("nope"), not a Middleware',
    ],
  ] as const)('reports a %s factory that returns the wrong thing', async (type, name, detail) => {
    const error = await rejection(load(type, `file:./t.mjs#${name}`, { 't.mjs': module }));
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_EXPORT');
    expect(error.detail).toContain(detail);
  });

  it('reports a middleware that returns something other than a Handler', async () => {
    const filter = (await load('filter', 'file:./t.mjs#badMiddleware', { 't.mjs': module })) as (
      n: unknown,
    ) => Promise<unknown>;
    expect((await rejection(filter(() => new Response()))).detail).toContain(
      'the middleware returned a string',
    );
  });
});

describe('describe', () => {
  it.each([
    [null, 'null'],
    [[1], 'an array'],
    [{}, 'an object'],
    [() => 1, 'a function'],
    ['s', 'a string ("s")'],
    [1, 'number 1'],
    [true, 'boolean true'],
    [1n, 'bigint 1'],
    [Symbol('x'), 'a symbol'],
    [undefined, 'undefined'],
  ])('describes %s', (value, expected) => {
    expect(describeValue(value)).toBe(expected);
  });
});
