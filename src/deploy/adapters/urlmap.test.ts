import { describe, expect, it } from 'vitest';
import { DEPLOY, rejection, send, tree } from '../../../test/deploy/helpers.ts';
import { KeyError } from '../../urlmap/keys.ts';
import { defaultRegistry } from '../entry-points.ts';
import { loadApp } from '../loader.ts';
import { parsePathExpression, urlMapComposite } from './urlmap.ts';

const registry = defaultRegistry().register('egg:Paste#urlmap', {
  status: 'available',
  protocol: 'composite',
  capability: 'trowel/urlmap',
  load: () => ({ protocol: 'composite', create: urlMapComposite }),
});

/** `named` answers with its `name` option and the mount split it sees. */
const APPS = `
import { appFactory } from ${JSON.stringify(DEPLOY)};
export const named = appFactory((options) => (request, ctx) =>
  new Response(options.name + ' ' + ctx.scriptName + ' ' + ctx.pathInfo),
);
`;

const app = (name: string): string =>
  `[app:${name}]\nuse = file:./apps.mjs#named\nname = ${name}\n`;

async function load(composite: string, extra = ''): Promise<ReturnType<typeof loadApp>> {
  const dir = tree({
    'apps.mjs': APPS,
    'other.ini': app('main'),
    'site.ini': `[composite:main]\nuse = egg:Paste#urlmap\n${composite}\n${['site', 'static', 'api', 'admin', 'missing'].map(app).join('\n')}\n${extra}`,
  });
  return loadApp(`${dir}/site.ini`, { registry });
}

async function text(handler: Awaited<ReturnType<typeof loadApp>>, url: string): Promise<string> {
  const res = await send(handler, new Request(url));
  return `${res.status} ${await res.text()}`;
}

describe('egg:Paste#urlmap', () => {
  it.each([
    ['http://localhost/', '200 site  /'],
    ['http://localhost/static/app.css', '200 static /static /app.css'],
    ['http://api.example.com/v1', '200 api  /v1'],
    ['http://example.com:8080/admin/users', '200 admin /admin /users'],
    ['http://example.com/admin/users', '200 site  /admin/users'],
    ['http://localhost/other/x', '200 main /other /x'],
  ])('mounts paths, URLs and path expressions: %s', async (url, expected) => {
    const handler = await load(
      [
        '/ = site',
        '/static = static',
        'domain api.example.com / = api',
        'http://Example.com:8080/admin = admin',
        '/other = config:other.ini',
      ].join('\n'),
    );
    expect(await text(handler, url)).toBe(expected);
  });

  it('answers with not_found_app when nothing matches', async () => {
    const handler = await load('/static = static\nnot_found_app = missing\n');
    expect(await text(handler, 'http://localhost/nope')).toBe('200 missing  /nope');
  });

  it('reads not_found_app from the globals too', async () => {
    const dir = tree({
      'apps.mjs': APPS,
      'site.ini': `[DEFAULT]\nnot_found_app = missing\n[composite:main]\nuse = egg:Paste#urlmap\n/static = static\n${app('static')}\n${app('missing')}`,
    });
    const handler = await loadApp(`${dir}/site.ini`, { registry });
    expect(await text(handler, 'http://localhost/nope')).toBe('200 missing  /nope');
  });

  it('matches subdomains with domain_matching = subdomains', async () => {
    const handler = await load('domain example.com / = api\ndomain_matching = subdomains\n');
    expect(await text(handler, 'http://www.example.com/')).toBe('200 api  /');
  });

  it('answers 404 by default', async () => {
    const handler = await load('/static = static\n');
    expect((await send(handler, new Request('http://localhost/x'))).status).toBe(404);
  });

  it.each([
    ['a key that is no mount', 'blog = site\n', 'blog', 'TROWEL_ERR_DEPLOY_OPTION'],
    [
      'a port without a domain',
      'port 8080 /x = site\n',
      'port 8080 /x',
      'TROWEL_ERR_DEPLOY_OPTION',
    ],
    [
      'a bad domain_matching',
      '/ = site\ndomain_matching = fuzzy\n',
      'domain_matching',
      'TROWEL_ERR_DEPLOY_VALUE',
    ],
    ['an application that does not exist', '/ = nowhere\n', '/', 'TROWEL_ERR_DEPLOY_NOT_FOUND'],
  ])('refuses %s, naming the key', async (_name, composite, key, code) => {
    const error = await rejection(load(composite));
    expect(error).toMatchObject({ key, code });
  });

  it('refuses two keys for one mount', async () => {
    const error = await rejection(load('/a = site\n/a/ = static\n'));
    expect(error).toMatchObject({ code: 'TROWEL_ERR_URLMAP_DUPLICATE', section: 'composite:main' });
  });
});

describe('parsePathExpression()', () => {
  it.each([
    ['/blog', '/blog'],
    ['http://x/y', 'http://x/y'],
    ['domain example.com /', 'http://example.com/'],
    ['domain example.com', 'http://example.com'],
    ['/admin domain example.com port 8080', 'http://example.com:8080/admin'],
  ])('reads %j as %j', (text, key) => {
    expect(parsePathExpression(text)).toBe(key);
  });

  it.each([
    ['/x domain', /followed by a value/],
    ['domain a domain b /', /given twice/],
    ['port 80 /', /needs a domain/],
    ['/a /b', /more than one path/],
    ['domain a x', /must start with/],
    ['/a /b domain x', /more than one path/],
    ['a b', /one path/],
  ])('refuses %j', (text, message) => {
    expect(() => parsePathExpression(text)).toThrow(KeyError);
    expect(() => parsePathExpression(text)).toThrow(message);
  });
});
