import { describe, expect, it } from 'vitest';
import { get, rejection, TAG_MODULE, tree } from '../../test/deploy/helpers.ts';
import type { DeployWarning } from './errors.ts';
import { appConfig, loadApp, loadDeployment, loadFilter, loadServer } from './loader.ts';

const order = (response: Response): string | null => response.headers.get('x-order');

/** A config with the tag/hello module beside it. */
function site(ini: string): string {
  return `${tree({ 'm.mjs': TAG_MODULE, 'site.ini': ini })}/site.ini`;
}

const tags = (...names: string[]): string =>
  names.map((n) => `[filter:${n}]\nuse = file:./m.mjs#tag\nname = ${n}\n`).join('\n');

describe('finding sections', () => {
  it('loads [app:main] by default, and another name from the URI or the options', async () => {
    const path = site('[app:main]\nuse = file:./m.mjs#hello\n[app:other]\nuse = main\n');
    expect(await (await get(await loadApp(path), '/a')).text()).toBe('hello /a');
    expect(await (await get(await loadApp(`config:${path}#other`))).text()).toBe('hello /');
    expect(await (await get(await loadApp(path, { name: 'other' }))).text()).toBe('hello /');
  });

  it.each(['application:main', 'composit:main', 'app: main', 'app'])(
    'finds the application in [%s]',
    async (header) => {
      const path = site(`[${header}]\nuse = file:./m.mjs#hello\n`);
      expect((await get(await loadApp(path))).status).toBe(200);
    },
  );

  it('resolves a relative path against relativeTo', async () => {
    const path = site('[app:main]\nuse = file:./m.mjs#hello\n');
    const app = await loadApp('site.ini', { relativeTo: path.replace(/\/site\.ini$/, '') });
    expect((await get(app)).status).toBe(200);
  });

  it('refuses a name that two kinds of section share', async () => {
    const path = site('[app:main]\nuse = file:./m.mjs#hello\n[pipeline:main]\npipeline = main\n');
    const error = await rejection(loadApp(path));
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_AMBIGUOUS');
    expect(error.detail).toContain('[app:main] (line 1) and [pipeline:main] (line 3)');
  });

  it('lists the applications there are, and suggests the nearest, when a name is missing', async () => {
    const path = site(
      '[app:mian]\nuse = file:./m.mjs#hello\n[server:main]\nuse = egg:Paste#http\n',
    );
    const error = await rejection(loadApp(path));
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_NOT_FOUND');
    expect(error.detail).toContain('there is no application named "main"');
    expect(error.detail).toContain('did you mean "mian"?');
  });

  it('points at a section whose prefix is misspelt', async () => {
    const error = await rejection(loadApp(site('[ap:main]\nuse = file:./m.mjs#hello\n')));
    expect(error.detail).toContain('[ap:main] has a prefix the loader does not know');
    expect(error.detail).toContain('it has no app/composite/pipeline/filter-app sections');
  });

  it('reports a missing config file', async () => {
    const error = await rejection(loadApp('/nonexistent/site.ini'));
    expect(error).toMatchObject({ code: 'TROWEL_ERR_DEPLOY_FILE', file: 'the command line' });
    expect(error.detail).toContain('there is no such file');
  });

  it('reports a directory given as a config file', async () => {
    const dir = tree({ 'x/keep': '' });
    expect((await rejection(loadApp(`${dir}/x`))).detail).toContain('it is a directory');
  });

  it.each(['egg:Paste#http', 'config:', 'config:site.ini#'])(
    'refuses the top-level URI %j',
    async (uri) => {
      expect((await rejection(loadApp(uri))).code).toBe('TROWEL_ERR_DEPLOY_URI');
    },
  );
});

describe('use', () => {
  it("lets a section's own keys override the section it uses", async () => {
    const path = site(
      `${tags('base')}\n[filter:derived]\nuse = base\nname = derived\n[app:main]\nuse = file:./m.mjs#hello\nfilter-with = derived\n`,
    );
    expect(order(await get(await loadApp(path)))).toBe('derived');
  });

  it('reports sections that use each other in a loop', async () => {
    const error = await rejection(
      loadApp(site('[app:main]\nuse = a\n[app:a]\nuse = b\n[app:b]\nuse = a\n')),
    );
    expect(error.code).toBe('TROWEL_ERR_DEPLOY_SECTION');
    expect(error.detail).toBe(
      'sections refer to each other in a loop: [app:main] → [app:a] → [app:b] → [app:a]',
    );
    expect(error).toMatchObject({ section: 'app:b', key: 'use', line: 6 });
  });

  it('needs use (or a protocol key) to know what a section is', async () => {
    const error = await rejection(loadApp(site('[app:main]\nroot = /srv\n')));
    expect(error).toMatchObject({
      code: 'TROWEL_ERR_DEPLOY_SECTION',
      section: 'app:main',
      line: 1,
    });
  });

  it('refuses options for a pipeline used from another section', async () => {
    const path = site(
      `${tags('a')}\n[pipeline:p]\npipeline = a hello\n[app:hello]\nuse = file:./m.mjs#hello\n[app:main]\nuse = p\nextra = 1\n`,
    );
    const error = await rejection(loadApp(path));
    expect(error).toMatchObject({ section: 'app:main', key: 'extra' });
    expect(error.detail).toContain('uses a pipeline, which takes no options');
  });
});

describe('pipelines', () => {
  it('runs the filters left to right: the first one sees the request first and the response last', async () => {
    const path = site(
      `[pipeline:main]\npipeline = a b c hello\n${tags('a', 'b', 'c')}\n[app:hello]\nuse = file:./m.mjs#hello\n`,
    );
    const response = await get(await loadApp(path), '/p');
    expect(await response.text()).toBe('hello /p');
    expect(order(response)).toBe('c, b, a');
  });

  it('takes URIs as items, wrapping each item in its own filter-with', async () => {
    const path = site(
      `[pipeline:main]\npipeline = egg:Paste#httpexceptions a main-app\n${tags('a', 'w')}\n[app:main-app]\nuse = file:./m.mjs#hello\nfilter-with = w\n`,
    );
    expect(order(await get(await loadApp(path)))).toBe('w, a');
  });

  it('stacks a filter that both the pipeline and the application name (PasteDeploy does too)', async () => {
    const path = site(
      `[pipeline:main]\npipeline = f1 f2 app\n${tags('f1', 'f2')}\n[app:app]\nuse = file:./m.mjs#hello\nfilter-with = f1\n`,
    );
    expect(order(await get(await loadApp(path)))).toBe('f1, f2, f1');
  });

  it.each([
    ['pipeline = \n', 'pipeline', 'the pipeline is empty'],
    ['other = 1\npipeline = hello\n', 'other', 'takes only pipeline'],
    ['use = hello\n', 'use', 'takes only pipeline'],
    ['get x = here\npipeline = hello\n', 'get x', 'takes only pipeline'],
    ['set x = 1\n', undefined, 'needs pipeline ='],
  ])('rejects the pipeline section body %j', async (body, key, detail) => {
    const error = await rejection(
      loadApp(site(`[pipeline:main]\n${body}[app:hello]\nuse = file:./m.mjs#hello\n`)),
    );
    expect(error).toMatchObject({ section: 'pipeline:main', key });
    expect(error.detail).toContain(detail);
  });

  it('takes set and filter-with in a pipeline section', async () => {
    const path = site(
      `[pipeline:main]\nset x = 1\nfilter-with = w\npipeline = a hello\n${tags('a', 'w')}\n[app:hello]\nuse = file:./m.mjs#hello\n`,
    );
    expect(order(await get(await loadApp(path)))).toBe('a, w');
  });
});

describe('filter-app and filter-with', () => {
  it('wraps next in the filter of a [filter-app:] section', async () => {
    const path = site(
      '[filter-app:main]\nuse = file:./m.mjs#tag\nname = fa\nnext = hello\n[app:hello]\nuse = file:./m.mjs#hello\n',
    );
    const response = await get(await loadApp(path), '/n');
    expect(await response.text()).toBe('hello /n');
    expect(order(response)).toBe('fa');
  });

  it('needs next in a [filter-app:] section', async () => {
    const error = await rejection(loadApp(site('[filter-app:main]\nuse = file:./m.mjs#tag\n')));
    expect(error).toMatchObject({ code: 'TROWEL_ERR_DEPLOY_SECTION', section: 'filter-app:main' });
    expect(error.detail).toContain('needs next = APP');
  });

  it('puts the filter-with filter outside, and follows its own filter-with', async () => {
    const path = site(
      `[app:main]\nuse = file:./m.mjs#hello\nfilter-with = inner\n[filter:inner]\nuse = file:./m.mjs#tag\nname = inner\nfilter-with = outer\n${tags('outer')}`,
    );
    expect(order(await get(await loadApp(path)))).toBe('inner, outer');
  });

  it('composes two filters when a filter has filter-with', async () => {
    const path = site(
      `[filter:main]\nuse = file:./m.mjs#tag\nname = inner\nfilter-with = outer\n${tags('outer')}`,
    );
    const filter = await loadFilter(path);
    const app = await filter(() => new Response('x'));
    expect(order(await get(app))).toBe('inner, outer');
  });

  it('copies the filter-with wrapping of the section it uses', async () => {
    const path = site(
      `[app:base]\nuse = file:./m.mjs#hello\nfilter-with = w\n${tags('w')}\n[app:main]\nuse = base\n`,
    );
    expect(order(await get(await loadApp(path)))).toBe('w');
  });

  it('builds a pipeline application first, then its filters in order', async () => {
    const dir = tree({
      'log.mjs': `
import { appFactory, filterFactory } from ${JSON.stringify(`${import.meta.dirname}/index.ts`)};
export const built = [];
export const app = appFactory((o) => { built.push('app'); return () => new Response('x'); });
export const filter = filterFactory((o) => { built.push(o.name); return (next) => next; });
`,
      'site.ini':
        '[pipeline:main]\npipeline = f1 f2 app\n[filter:f1]\nuse = file:./log.mjs#filter\nname = f1\n[filter:f2]\nuse = file:./log.mjs#filter\nname = f2\n[app:app]\nuse = file:./log.mjs#app\n',
    });
    await loadApp(`${dir}/site.ini`);
    const { built } = (await import(`${dir}/log.mjs`)) as { built: string[] };
    expect(built).toEqual(['app', 'f1', 'f2']);
  });
});

describe('servers and deployments', () => {
  it('loads a [server:] section that serves a handler', async () => {
    const run = await loadServer(site('[server:main]\nuse = egg:Paste#http\nport = 0\n'));
    const server = await run(() => new Response('served'));
    try {
      expect(await (await fetch(server.url)).text()).toBe('served');
    } finally {
      await server.close();
    }
  });

  it('loads the server and the application, and lists the files it read', async () => {
    const path = site(
      '[server:main]\nuse = egg:Paste#http\n[app:main]\nuse = file:./m.mjs#hello\n',
    );
    const deployment = await loadDeployment(path, {
      serverOptions: [{ key: 'port', value: '0', flag: '--port' }],
    });
    expect(deployment.file).toBe(path);
    expect(deployment.files).toEqual([path, path.replace('site.ini', 'm.mjs')]);
    const server = await deployment.server(deployment.app);
    try {
      expect(await (await fetch(`${server.url}/x`)).text()).toBe('hello /x');
    } finally {
      await server.close();
    }
  });

  it('falls back to egg:Paste#http when there is no [server:main]', async () => {
    const path = site('[app:main]\nuse = file:./m.mjs#hello\n');
    const deployment = await loadDeployment(path, {
      serverOptions: [{ key: 'port', value: '0', flag: '--port' }],
    });
    const server = await deployment.server(deployment.app);
    await server.close();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('names the command-line flag of a bad server option', async () => {
    const path = site('[app:main]\nuse = file:./m.mjs#hello\n');
    const error = await rejection(
      loadDeployment(path, { serverOptions: [{ key: 'port', value: 'eighty', flag: '--port' }] }),
    );
    expect(error.message).toBe('the command line --port: expected an integer, got "eighty"');
  });

  it('uses another server section and application by name', async () => {
    const path = site(
      '[server:dev]\nuse = egg:Paste#http\nport = 0\n[app:other]\nuse = file:./m.mjs#hello\n',
    );
    const deployment = await loadDeployment(path, { appName: 'other', serverName: 'dev' });
    const server = await deployment.server(deployment.app);
    await server.close();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('reports a server section that is named but missing', async () => {
    const path = site('[app:main]\nuse = file:./m.mjs#hello\n');
    expect((await rejection(loadDeployment(path, { serverName: 'prod' }))).detail).toContain(
      'there is no server named "prod"',
    );
  });

  it('passes warnings to onWarning', async () => {
    const warnings: DeployWarning[] = [];
    const path = site(
      '[server:main]\nuse = egg:Paste#http\nthreadpool_workers = 20\n[app:main]\nuse = file:./m.mjs#hello\n',
    );
    await loadDeployment(path, { onWarning: (w) => warnings.push(w) });
    expect(warnings.map((w) => w.message)).toEqual([
      `${path}:3 [server:main] threadpool_workers: ignored: there is no thread pool; use workers (or --workers) for worker processes`,
    ]);
  });
});

describe('appConfig', () => {
  it('returns the options, the globals and both merged, without building', async () => {
    const path = site(
      '[DEFAULT]\na = global\nb = global\n[app:main]\nuse = file:./m.mjs#echo\nb = local\nfilter-with = f\n[filter:f]\nuse = egg:Paste#lint\n',
    );
    const config = await appConfig(path);
    expect({ ...config.local }).toEqual({ b: 'local' });
    expect(config.global['a']).toBe('global');
    expect(config.merged['b']).toBe('local');
    expect(config.merged['here']).toBe(path.replace('/site.ini', ''));
  });

  it('refuses a pipeline, which has no configuration of its own', async () => {
    const error = await rejection(
      appConfig(site('[pipeline:main]\npipeline = hello\n[app:hello]\nuse = file:./m.mjs#hello\n')),
    );
    expect(error.detail).toContain('is a pipeline');
  });
});
