import { describe, expect, it } from 'vitest';
import { DEPLOY, get, rejection, send, tree } from '../../../test/deploy/helpers.ts';
import { defaultRegistry } from '../entry-points.ts';
import { loadApp } from '../loader.ts';
import { cascadeComposite } from './cascade.ts';

const registry = defaultRegistry().register('egg:Paste#cascade', {
  status: 'available',
  protocol: 'composite',
  capability: 'trowel/cascade',
  load: () => ({ protocol: 'composite', create: cascadeComposite }),
});

/** A module of small applications: `status` answers its `status` option with its `name`. */
const APPS = `
import { appFactory } from ${JSON.stringify(DEPLOY)};
export const status = appFactory(
  (options) => () => new Response(options.name, { status: Number(options.status) }),
);
export const reader = appFactory(() => async (request) => {
  await request.text();
  return new Response('', { status: 404 });
});
`;

function site(composite: string, apps: Record<string, [name: string, status: number]>): string {
  const sections = Object.entries(apps).map(
    ([section, [name, status]]) =>
      `[app:${section}]\nuse = file:./apps.mjs#status\nname = ${name}\nstatus = ${status}\n`,
  );
  return tree({
    'apps.mjs': APPS,
    'site.ini': `[composite:main]\nuse = egg:Paste#cascade\n${composite}\n${sections.join('\n')}`,
  });
}

describe('egg:Paste#cascade', () => {
  it('tries app1, app2, … in numeric order and answers with the first that is not caught', async () => {
    const dir = site('app10 = ten\napp2 = two\napp1 = one\n', {
      one: ['one', 404],
      two: ['two', 404],
      ten: ['ten', 200],
    });
    const app = await loadApp(`${dir}/site.ini`, { registry });
    const res = await get(app);
    expect([res.status, await res.text()]).toEqual([200, 'ten']);
  });

  it('catches the statuses listed in catch', async () => {
    const dir = site('app1 = one\napp2 = two\ncatch = 404 403\n', {
      one: ['one', 403],
      two: ['two', 200],
    });
    const app = await loadApp(`${dir}/site.ini`, { registry });
    expect(await (await get(app)).text()).toBe('two');
  });

  it('catches only 404 by default', async () => {
    const dir = site('app1 = one\napp2 = two\n', { one: ['one', 403], two: ['two', 200] });
    const app = await loadApp(`${dir}/site.ini`, { registry });
    expect((await get(app)).status).toBe(403);
  });

  it.each([
    ['a key that is not appN', 'apple = one\n', 'apple', 'TROWEL_ERR_DEPLOY_OPTION'],
    ['an unknown option', 'app1 = one\ncatches = 404\n', 'catches', 'TROWEL_ERR_DEPLOY_OPTION'],
    [
      'a catch that is not a status',
      'app1 = one\ncatch = 404 nope\n',
      'catch',
      'TROWEL_ERR_DEPLOY_VALUE',
    ],
    [
      'a body_limit that is not a size',
      'app1 = one\nbody_limit = lots\n',
      'body_limit',
      'TROWEL_ERR_DEPLOY_VALUE',
    ],
    [
      'an application that does not exist',
      'app1 = missing\n',
      'app1',
      'TROWEL_ERR_DEPLOY_NOT_FOUND',
    ],
  ])('refuses %s, naming the key', async (_name, composite, key, code) => {
    const dir = site(composite, { one: ['one', 200] });
    const error = await rejection(loadApp(`${dir}/site.ini`, { registry }));
    expect(error).toMatchObject({ key, code, section: 'composite:main' });
  });

  it('refuses a cascade without applications', async () => {
    const dir = site('catch = 404\n', {});
    const error = await rejection(loadApp(`${dir}/site.ini`, { registry }));
    expect(error.detail).toMatch(/at least one application/);
  });

  it('passes body_limit on', async () => {
    const dir = tree({
      'apps.mjs': APPS,
      'site.ini':
        '[composite:main]\nuse = egg:Paste#cascade\napp1 = reader\napp2 = other\nbody_limit = 4\n\n[app:reader]\nuse = file:./apps.mjs#reader\n\n[app:other]\nuse = file:./apps.mjs#status\nname = other\nstatus = 200\n',
    });
    const app = await loadApp(`${dir}/site.ini`, { registry });
    const request = new Request('http://localhost/', { method: 'POST', body: 'too long' });
    expect((await send(app, request)).status).toBe(413);
  });
});
