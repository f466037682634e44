/**
 * The configs of the seed documents (002: paste.proxy, 004: wsgi_cache) and the four examples of
 * the PasteDeploy spec, loaded unchanged: they must load and serve.
 */
import dns, { type LookupAddress, type LookupOptions } from 'node:dns';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadApp, loadDeployment } from '../../src/deploy/loader.ts';
import { DEPLOY, get, send, tree } from './helpers.ts';

const fixtures = join(import.meta.dirname, 'fixtures');

/** Copies files of fixtures/`folder` into a scratch directory, with `extra` files beside them. */
function copy(
  folder: string,
  paths: readonly string[],
  extra: Record<string, string> = {},
): string {
  const files: Record<string, string> = { ...extra };
  for (const path of paths) files[path] = readFileSync(join(fixtures, folder, path), 'utf8');
  return tree(files);
}

/**
 * Makes `dns.lookup` answer `name` with `address` (every other name as before) until the returned
 * function is called. net.connect, and so undici, call `dns.lookup` through the module object.
 */
function answerLookup(name: string, address: string): () => void {
  const original = dns.lookup;
  const patched = (
    hostname: string,
    options: LookupOptions | number | ((...args: unknown[]) => void),
    callback?: (...args: unknown[]) => void,
  ): void => {
    const done = typeof options === 'function' ? options : callback;
    if (hostname !== name || done === undefined) {
      Reflect.apply(
        original,
        dns,
        [hostname, options, callback].filter((x) => x !== undefined),
      );
      return;
    }
    const all = typeof options === 'object' && options.all === true;
    const answer: LookupAddress = { address, family: 4 };
    if (all) done(null, [answer]);
    else done(null, address, 4);
  };
  dns.lookup = patched as typeof dns.lookup;
  return () => {
    dns.lookup = original;
  };
}

/** The user's own application of seed 004, installed as the npm package my_wsgi_app. */
const MY_WSGI_APP = {
  'node_modules/my_wsgi_app/package.json':
    '{"name":"my_wsgi_app","type":"module","exports":"./index.js"}',
  'node_modules/my_wsgi_app/index.js':
    'export const app = (request, ctx) => new Response(`<p>page ${ctx.pathInfo}</p>`, { headers: { "content-type": "text/html" } });\n',
};

describe('seed 002: the paste.proxy example', () => {
  it('loads unchanged and refuses methods other than GET without calling the upstream', async () => {
    const dir = copy('seeds', ['002-paste-proxy.ini']);
    const app = await loadApp(join(dir, '002-paste-proxy.ini'));
    const response = await send(
      app,
      new Request('http://localhost/x', { method: 'POST', body: 'x' }),
    );
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
  });

  it('loads unchanged and forwards GETs to server3:8680 under /exist/rest/db/orgs/sch/config/', async () => {
    // The seed names the host server3, which no DNS server here knows: that one name is answered
    // in-process (the only stand-in); the upstream is a real server on port 8680 of loopback.
    const upstream = createServer((req, res) => {
      res.setHeader('content-type', 'application/xml');
      res.end(`<seen path="${req.url ?? ''}" host="${req.headers.host ?? ''}"/>`);
    });
    await new Promise<void>((resolve, reject) => {
      upstream.once('error', reject);
      upstream.listen(8680, '127.0.0.1', resolve);
    });
    const restore = answerLookup('server3', '127.0.0.1');
    try {
      const dir = copy('seeds', ['002-paste-proxy.ini']);
      const app = await loadApp(join(dir, '002-paste-proxy.ini'));
      const response = await get(app, '/school.xml?v=2');
      expect(response.status).toBe(200);
      expect(await response.text()).toBe(
        '<seen path="/exist/rest/db/orgs/sch/config/school.xml?v=2" host="server3:8680"/>',
      );
    } finally {
      restore();
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });
});

describe('seed 004: the wsgi_cache example', () => {
  it('serves the application unchanged and stores the page under cache/ beside the config', async () => {
    const dir = copy('seeds', ['004-wsgi-cache.ini'], MY_WSGI_APP);
    const app = await loadApp(join(dir, '004-wsgi-cache.ini'));
    const response = await get(app, '/about');
    expect(await response.text()).toBe('<p>page /about</p>');
    expect(readFileSync(join(dir, 'cache/about'), 'utf8')).toBe('<p>page /about</p>');
  });
});

describe('the PasteDeploy spec examples', () => {
  const wiki = `import { appFactory } from ${JSON.stringify(DEPLOY)};\nexport const wiki = appFactory((options, globalConf) => () => Response.json({ options, debug: globalConf.debug }));\n`;
  const backend = {
    'node_modules/mybackend/package.json':
      '{"name":"mybackend","type":"module","exports":"./index.js"}',
    'node_modules/mybackend/index.js': 'export default () => new Response("backend");\n',
  };

  it.each([
    [
      'A (site.ini)',
      ['site.ini'],
      'site.ini',
      { 'htdocs/index.html': '<p>a</p>' },
      { http_port: '0' },
    ],
    ['B (backend.ini)', ['backend.ini'], 'backend.ini', backend, {}],
    ['C (prod.ini)', ['prod.ini', 'apps/wiki.ini'], 'prod.ini', { 'apps/wiki.mjs': wiki }, {}],
    ['D (edge.ini)', ['edge.ini'], 'edge.ini', { 'htdocs/index.html': '<p>edge</p>' }, {}],
  ])('example %s loads unchanged', async (_name, paths, file, extra, globalConf) => {
    const dir = copy('paste-examples', paths, extra);
    const deployment = await loadDeployment(join(dir, file), {
      globalConf,
      onWarning: () => undefined,
    });
    expect(typeof deployment.app).toBe('function');
  });
});
