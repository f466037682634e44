import { describe, expect, it } from 'vitest';
import { TAG_MODULE, get, rejection, tree } from '../../../test/deploy/helpers.ts';
import { defaultRegistry } from '../entry-points.ts';
import { loadApp } from '../loader.ts';
import { errorDocumentFilterApp } from './errordocument.ts';
import { recursiveFilterApp } from './recursive.ts';

const registry = defaultRegistry()
  .register('egg:Paste#errordocument', {
    status: 'available',
    protocol: 'filter-app',
    capability: 'trowel/errordocument',
    load: () => ({ protocol: 'filter-app', create: errorDocumentFilterApp }),
  })
  .register('egg:Paste#recursive', {
    status: 'available',
    protocol: 'filter-app',
    capability: 'trowel/recursive',
    load: () => ({ protocol: 'filter-app', create: recursiveFilterApp }),
  });

/** `hello` (from TAG_MODULE) answers "hello /path"; `site` has a page at /errors/404.html. */
const SITE = `${TAG_MODULE}
export const site = (request, ctx) => ctx.pathInfo === '/errors/404.html'
  ? new Response('custom not found', { headers: { 'content-type': 'text/html' } })
  : new Response('missing', { status: 404 });
export const forwarding = async (request, ctx) => {
  const { RECURSIVE } = await import(${JSON.stringify(`${import.meta.dirname}/../../recursive/index.ts`)});
  if (ctx.pathInfo === '/loop') return ctx.require(RECURSIVE).forward('/loop');
  if (ctx.pathInfo === '/start') return ctx.require(RECURSIVE).forward('/target');
  return new Response('target reached');
};
`;

async function load(filter: string, app = 'site'): Promise<ReturnType<typeof loadApp>> {
  const dir = tree({
    'apps.mjs': SITE,
    'site.ini': `[app:main]\nuse = file:./apps.mjs#${app}\nfilter-with = filter\n\n[filter:filter]\n${filter}`,
  });
  return loadApp(`${dir}/site.ini`, { registry });
}

describe('egg:Paste#errordocument', () => {
  it('shows the page configured for a status, keeping the status', async () => {
    const app = await load(
      'use = egg:Paste#errordocument\n404 = /errors/404.html\n500 = /errors/500.html\n',
    );
    const res = await get(app, '/nothing');
    expect([res.status, await res.text()]).toEqual([404, 'custom not found']);
  });

  it.each([
    ['a key that is not a status', 'notfound = /x\n', 'notfound', 'TROWEL_ERR_DEPLOY_OPTION'],
    ['a status out of range', '200 = /x\n', '200', 'TROWEL_ERR_DEPLOY_VALUE'],
    ['a page that is not a path', '404 = errors/404.html\n', '404', 'TROWEL_ERR_DEPLOY_VALUE'],
  ])('refuses %s, naming the key', async (_name, options, key, code) => {
    const error = await rejection(load(`use = egg:Paste#errordocument\n${options}`));
    expect(error).toMatchObject({ key, code, section: 'filter:filter' });
  });

  it('refuses a section without pages', async () => {
    const error = await rejection(load('use = egg:Paste#errordocument\n'));
    expect(error.detail).toMatch(/at least one status = page/);
  });
});

describe('egg:Paste#recursive', () => {
  it('gives the application forward()', async () => {
    const app = await load('use = egg:Paste#recursive\n', 'forwarding');
    expect(await (await get(app, '/start')).text()).toBe('target reached');
  });

  it('refuses a loop', async () => {
    const app = await load('use = egg:Paste#recursive\nmax_depth = 3\n', 'forwarding');
    await expect(get(app, '/loop')).rejects.toThrow(/internal request loop/);
  });

  it.each([
    ['an unknown option', 'depth = 3\n', 'depth', 'TROWEL_ERR_DEPLOY_OPTION'],
    ['a max_depth of 0', 'max_depth = 0\n', 'max_depth', 'TROWEL_ERR_DEPLOY_VALUE'],
  ])('refuses %s, naming the key', async (_name, options, key, code) => {
    const error = await rejection(load(`use = egg:Paste#recursive\n${options}`));
    expect(error).toMatchObject({ key, code });
  });
});
