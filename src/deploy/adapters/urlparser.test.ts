import { describe, expect, it } from 'vitest';
import { get, rejection, tree } from '../../../test/deploy/helpers.ts';
import type { DeployWarning } from '../errors.ts';
import { defaultRegistry } from '../entry-points.ts';
import { loadApp } from '../loader.ts';
import { urlParserApp } from './urlparser.ts';

const SITE = {
  'site/main.html': 'main page',
  'site/api.js': 'export default (request, ctx) => new Response("api " + ctx.pathInfo);\n',
  'site/notes.txt': 'notes',
  'site/notes.pyc': 'compiled',
  'site/init/__init__.js': 'export default () => new Response("hooked");\n',
};

async function load(ini: string, warnings: DeployWarning[] = []) {
  const dir = tree({ 'site.ini': ini, ...SITE });
  const registry = defaultRegistry().register('egg:Paste#urlparser', {
    status: 'available',
    protocol: 'app',
    capability: 'trowel/urlparser',
    load: () => ({ protocol: 'app', create: urlParserApp }),
  });
  return loadApp(`${dir}/site.ini`, { registry, onWarning: (w) => warnings.push(w) });
}

describe('egg:Paste#urlparser', () => {
  it("walks directory, with Paste's default index names", async () => {
    const app = await load('[app:main]\nuse = egg:Paste#urlparser\ndirectory = site\n');
    expect(await (await get(app, '/')).text()).toBe('main page');
    expect(await (await get(app, '/api/x')).text()).toBe('api /x');
  });

  it('takes index_names, hide_extensions and ignore_extensions from the section', async () => {
    const app = await load(
      '[app:main]\nuse = egg:Paste#urlparser\ndirectory = site\nindex_names = notes\nhide_extensions = .pyc\nignore_extensions = .html\n',
    );
    expect(await (await get(app, '/')).text()).toBe('notes');
    expect((await get(app, '/notes.pyc')).status).toBe(404);
    expect((await get(app, '/main')).status).toBe(404);
  });

  it('takes the lists from [DEFAULT] when the section has none', async () => {
    const app = await load(
      '[DEFAULT]\nindex_names = notes\nhide_extensions = .pyc\n[app:main]\nuse = egg:Paste#urlparser\ndirectory = site\n',
    );
    expect(await (await get(app, '/')).text()).toBe('notes');
  });

  it("takes trowel's options", async () => {
    const app = await load(
      '[app:main]\nuse = egg:Paste#urlparser\ndirectory = site\nmodule_extensions = .mjs\ninit_name = false\ncache_max_age = 10\n',
    );
    const api = await get(app, '/api.js');
    expect(await api.text()).toContain('export default');
    expect(api.headers.get('cache-control')).toBe('max-age=10');
    expect((await get(app, '/init/__init__.js')).status).toBe(200);
  });

  it('accepts base_python_name with a warning', async () => {
    const warnings: DeployWarning[] = [];
    await load(
      '[app:main]\nuse = egg:Paste#urlparser\ndirectory = site\nbase_python_name = myapp.web\n',
      warnings,
    );
    expect(warnings.map((w) => [w.code, w.where.key])).toEqual([
      ['TROWEL_WARN_DEPLOY_IGNORED', 'base_python_name'],
    ]);
  });

  it('uses a custom init_name', async () => {
    const app = await load(
      '[app:main]\nuse = egg:Paste#urlparser\ndirectory = site\ninit_name = _dir\n',
    );
    expect((await get(app, '/init/__init__.js')).status).toBe(200);
  });

  it.each([
    [
      'a constructor',
      'directory = site\nconstructor .py = mod:make\n',
      'TROWEL_ERR_DEPLOY_OPTION',
      'constructor .py',
    ],
    ['no directory', '', 'TROWEL_ERR_DEPLOY_OPTION', 'directory'],
    ['a missing directory', 'directory = nowhere\n', 'TROWEL_ERR_URLPARSER_ROOT', 'directory'],
    [
      'an unknown option',
      'directory = site\nredirect = true\n',
      'TROWEL_ERR_DEPLOY_OPTION',
      'redirect',
    ],
    [
      'ignore_extensions without dots',
      'directory = site\nignore_extensions = txt\n',
      'TROWEL_ERR_URLPARSER_INVALID_OPTION',
      undefined,
    ],
  ])('refuses %s', async (_what, body, code, key) => {
    const error = await rejection(load(`[app:main]\nuse = egg:Paste#urlparser\n${body}`));
    expect([error.code, error.key]).toEqual([code, key]);
  });
});
