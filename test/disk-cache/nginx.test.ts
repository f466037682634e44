/**
 * A real nginx serving the cache directory with the configuration documented in
 * src/disk-cache/README.md (read from there, with the port and paths substituted), in front of a
 * trowel server running diskCache(): a miss reaches the application and fills the cache, after
 * which nginx serves the entry from disk with the same bytes, Content-Type, Last-Modified and
 * ETag as trowel; everything the cache would not answer still reaches the application.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskCache } from '../../src/disk-cache/index.ts';
import { serve, type TrowelServer } from '../../src/server/index.ts';
import { send } from '../helpers/http.ts';
import { findNginx, runNginx, type Nginx } from '../static/nginx.ts';

const binary = findNginx();
const README = join(import.meta.dirname, '../../src/disk-cache/README.md');

/** The documented nginx configuration, for this cache directory and application port. */
function documentedConfig(cacheDir: string, appPort: number, port: number): string {
  const match = /^```nginx\n([\s\S]*?)^```$/m.exec(readFileSync(README, 'utf8'));
  if (match?.[1] === undefined) throw new Error('no nginx block in the README');
  return match[1]
    .replace('server 127.0.0.1:8080;', `server 127.0.0.1:${appPort};`)
    .replace('listen 80;', `listen 127.0.0.1:${port};`)
    .replace('root /srv/cache;', `root ${cacheDir};`);
}

const PAGES: Readonly<Record<string, { type: string | undefined; body: string }>> = {
  '/page.html': { type: 'text/html', body: '<h1>an html page</h1>' },
  '/style.css': { type: 'text/css', body: 'body { color: teal }' },
  '/about': { type: undefined, body: '<p>an extension-less page</p>' },
  '/docs/': { type: 'text/html', body: '<h1>the docs index</h1>' },
};

describe.skipIf(binary === undefined)('nginx serving the cache directory', () => {
  let dir: string;
  let app: TrowelServer;
  let nginx: Nginx;
  const calls: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trowel-disk-cache-nginx-'));
    const cacheDir = join(dir, 'cache');
    const cache = diskCache({ cacheDir, contentType: 'text/html' });
    app = await serve(
      cache((req) => {
        const { pathname } = new URL(req.url);
        calls.push(`${req.method} ${pathname}${new URL(req.url).search}`);
        const plain = req.method === 'GET' && new URL(req.url).search === '';
        const page = plain ? PAGES[pathname] : undefined;
        if (page === undefined) return new Response(`app ${req.method}`, { status: 200 });
        const bytes = new TextEncoder().encode(page.body);
        return new Response(bytes, {
          headers: page.type === undefined ? {} : { 'content-type': page.type },
        });
      }),
      { port: 0, host: '127.0.0.1' },
    );
    nginx = await runNginx(binary ?? 'nginx', (port) => documentedConfig(cacheDir, app.port, port));
  });

  afterAll(async () => {
    await nginx.stop();
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(Object.keys(PAGES))(
    'sends a miss for %s to the application, then serves it from disk as trowel does',
    async (path) => {
      const before = calls.length;
      const miss = await send(nginx.origin, path);
      expect(miss.headers['cache-status']).toBe('trowel; fwd=miss; stored');
      expect(calls.length).toBe(before + 1);

      const fromNginx = await send(nginx.origin, path);
      const fromTrowel = await send(app.url, path);
      expect(calls.length).toBe(before + 1);
      expect(fromNginx.headers['cache-status']).toBeUndefined();
      expect(fromTrowel.headers['cache-status']).toBe('trowel; hit');
      expect(fromNginx.status).toBe(200);
      expect(fromNginx.body).toEqual(Buffer.from(PAGES[path]?.body ?? ''));
      expect(fromNginx.body).toEqual(fromTrowel.body);
      expect(fromNginx.headers['content-type']).toBe(fromTrowel.headers['content-type']);
      expect(fromNginx.headers['last-modified']).toBe(fromTrowel.headers['last-modified']);
      expect(fromNginx.headers['etag']).toBe(fromTrowel.headers['etag']);
    },
  );

  it.each([
    ['POST', '/page.html', 'trowel; fwd=method'],
    ['GET', '/page.html?x=1', 'trowel; fwd=bypass; detail=query'],
    ['GET', '/.page.html.trowel.json', 'trowel; fwd=bypass; detail=path'],
    ['GET', '/.hidden', 'trowel; fwd=bypass; detail=path'],
  ])('sends %s %s to the application', async (method, path, status) => {
    await send(nginx.origin, '/page.html');
    const answer = await send(nginx.origin, path, method);
    expect(answer.headers['cache-status']).toBe(status);
    expect(answer.body.toString()).toBe(`app ${method}`);
  });

  it('sends a request with a cookie to the application', async () => {
    await send(nginx.origin, '/page.html');
    const answer = await send(nginx.origin, '/page.html', 'GET', { cookie: 'sid=1' });
    expect(answer.headers['cache-status']).toBe('trowel; fwd=bypass; detail=cookie');
  });

  it('serves /a%2Fb the entry of /a/b, as nginx decodes $uri', async () => {
    await send(nginx.origin, '/docs/');
    const answer = await send(nginx.origin, '/docs%2F');
    expect(answer.body.toString()).toBe(PAGES['/docs/']?.body);
  });

  it('sends a directory path without its slash to the application, not the index entry', async () => {
    await send(nginx.origin, '/docs/');
    const answer = await send(nginx.origin, '/docs');
    expect(answer.body.toString()).toBe('app GET');
  });
});
