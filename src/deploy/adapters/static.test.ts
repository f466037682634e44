import { describe, expect, it } from 'vitest';
import { get, rejection, tree } from '../../../test/deploy/helpers.ts';
import type { DeployWarning } from '../errors.ts';
import { defaultRegistry } from '../entry-points.ts';
import { loadApp } from '../loader.ts';
import type { Registry } from '../registry.ts';
import { pkgResourcesApp, staticApp } from './static.ts';

/** The default registry with the entry points this adapter provides. */
function withStatic(registry: Registry = defaultRegistry()): Registry {
  return registry
    .register('egg:Paste#static', {
      status: 'available',
      protocol: 'app',
      capability: 'trowel/static',
      load: () => ({ protocol: 'app', create: staticApp }),
    })
    .register('egg:Paste#pkg_resources', {
      status: 'available',
      protocol: 'app',
      capability: 'trowel/static',
      load: () => ({ protocol: 'app', create: pkgResourcesApp }),
    });
}

async function load(
  ini: string,
  files: Record<string, string> = {},
  warnings: DeployWarning[] = [],
) {
  const dir = tree({ 'site.ini': ini, ...files });
  return loadApp(`${dir}/site.ini`, { registry: withStatic(), onWarning: (w) => warnings.push(w) });
}

describe('egg:Paste#static', () => {
  it('serves document_root, relative to the config file', async () => {
    const app = await load(
      '[app:main]\nuse = egg:Paste#static\ndocument_root = %(here)s/htdocs\n',
      {
        'htdocs/index.html': 'home',
      },
    );
    expect(await (await get(app, '/')).text()).toBe('home');
    const relative = await load('[app:main]\nuse = egg:Paste#static\ndocument_root = htdocs\n', {
      'htdocs/a.txt': 'a',
    });
    expect(await (await get(relative, '/a.txt')).text()).toBe('a');
  });

  it('reads cache_max_age as seconds or a duration', async () => {
    const app = await load(
      '[app:main]\nuse = egg:Paste#static\ndocument_root = www\ncache_max_age = 1h\nimmutable = true\n',
      {
        'www/a.txt': 'a',
      },
    );
    expect((await get(app, '/a.txt')).headers.get('cache-control')).toBe('max-age=3600, immutable');
    const bare = await load(
      '[app:main]\nuse = egg:Paste#static\ndocument_root = www\ncache_max_age = 60\n',
      {
        'www/a.txt': 'a',
      },
    );
    expect((await get(bare, '/a.txt')).headers.get('cache-control')).toBe('max-age=60');
  });

  it('turns metadata_cache on for revalidations, and refuses an age out of range', async () => {
    const app = await load(
      '[app:main]\nuse = egg:Paste#static\ndocument_root = www\nmetadata_cache = 1s\n',
      { 'www/a.txt': 'a' },
    );
    const first = await get(app, '/a.txt');
    const etag = first.headers.get('etag') ?? '';
    expect((await get(app, '/a.txt', { 'if-none-match': etag })).status).toBe(304);
    await expect(
      load('[app:main]\nuse = egg:Paste#static\ndocument_root = www\nmetadata_cache = 2h\n', {
        'www/a.txt': 'a',
      }),
    ).rejects.toThrow(/metadataCache|maxAge/);
  });

  it("takes trowel's options", async () => {
    const app = await load(
      `[app:main]
use = egg:Paste#static
document_root = www
index = home.html
dotfiles = allow
follow_symlinks = yes
precompressed = gzip
etag = false
last_modified = off
redirect = no
`,
      { 'www/home.html': 'home', 'www/.env': 'dot', 'www/sub/home.html': 'sub' },
    );
    const home = await get(app, '/');
    expect(await home.text()).toBe('home');
    expect([home.headers.get('etag'), home.headers.get('last-modified')]).toEqual([null, null]);
    expect((await get(app, '/.env')).status).toBe(200);
    expect((await get(app, '/sub')).status).toBe(404);
  });

  it.each([
    ['a missing document_root', '', 'TROWEL_ERR_DEPLOY_OPTION', 'document_root'],
    [
      'a document_root that does not exist',
      'document_root = nowhere\n',
      'TROWEL_ERR_STATIC_ROOT',
      'document_root',
    ],
    [
      'an unknown option',
      'document_root = www\ncache_maxage = 1\n',
      'TROWEL_ERR_DEPLOY_OPTION',
      'cache_maxage',
    ],
    [
      'a bad cache_max_age',
      'document_root = www\ncache_max_age = soon\n',
      'TROWEL_ERR_DEPLOY_VALUE',
      'cache_max_age',
    ],
    [
      'a bad dotfiles',
      'document_root = www\ndotfiles = ignore\n',
      'TROWEL_ERR_DEPLOY_VALUE',
      'dotfiles',
    ],
    [
      'a bad precompressed',
      'document_root = www\nprecompressed = zstd\n',
      'TROWEL_ERR_DEPLOY_VALUE',
      'precompressed',
    ],
    [
      'a bad index',
      'document_root = www\nindex = ../x\n',
      'TROWEL_ERR_STATIC_INVALID_OPTION',
      undefined,
    ],
  ])('refuses %s, naming the key', async (_what, body, code, key) => {
    const error = await rejection(
      load(`[app:main]\nuse = egg:Paste#static\n${body}`, { 'www/a': 'a' }),
    );
    expect(error.code).toBe(code);
    expect(error.key).toBe(key);
  });
});

describe('egg:Paste#pkg_resources', () => {
  const PACKAGE = {
    'node_modules/ui-kit/package.json': '{"name":"ui-kit"}',
    'node_modules/ui-kit/static/app.css': 'body{}',
  };

  it('serves resource_name of the package named by egg, found from the config file', async () => {
    const app = await load(
      '[app:main]\nuse = egg:Paste#pkg_resources\negg = ui-kit\nresource_name = /static\n',
      PACKAGE,
    );
    expect(await (await get(app, '/app.css')).text()).toBe('body{}');
  });

  it('accepts package instead of egg', async () => {
    const app = await load(
      '[app:main]\nuse = egg:Paste#pkg_resources\npackage = ui-kit\ncache_max_age = 5\n',
      PACKAGE,
    );
    const res = await get(app, '/static/app.css');
    expect([res.status, res.headers.get('cache-control')]).toEqual([200, 'max-age=5']);
  });

  it.each([
    ['a package that is not installed', 'egg = nothing-here\n', 'TROWEL_ERR_STATIC_PACKAGE', 'egg'],
    [
      'egg and package both',
      'egg = ui-kit\npackage = ui-kit\n',
      'TROWEL_ERR_DEPLOY_OPTION',
      'package',
    ],
    ['no package at all', '', 'TROWEL_ERR_DEPLOY_OPTION', 'egg'],
    [
      'a resource outside the package',
      'egg = ui-kit\nresource_name = ../..\n',
      'TROWEL_ERR_STATIC_PACKAGE',
      'egg',
    ],
  ])('refuses %s', async (_what, body, code, key) => {
    const error = await rejection(
      load(`[app:main]\nuse = egg:Paste#pkg_resources\n${body}`, PACKAGE),
    );
    expect([error.code, error.key]).toEqual([code, key]);
  });
});
