import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cached, fetchText, origin, page, scratch, send, type Scratch } from './harness.fixture.ts';

let s: Scratch;
beforeEach(() => {
  s = scratch();
});
afterEach(() => {
  vi.useRealTimers();
  s.remove();
});

describe('diskCache() with the static policy', () => {
  it('stores a 200 GET and answers the next one from disk without the origin', async () => {
    const app = page('<h1>hello</h1>');
    const handler = cached({ cacheDir: s.cacheDir }, app);
    const first = await fetchText(handler, '/foo/bar');
    const second = await fetchText(handler, '/foo/bar');
    expect(first).toMatchObject({ status: 200, text: '<h1>hello</h1>' });
    expect(first.headers.get('cache-status')).toBe('trowel; fwd=miss; stored');
    expect(second).toMatchObject({ status: 200, text: '<h1>hello</h1>' });
    expect(second.headers.get('cache-status')).toBe('trowel; hit');
    expect(second.headers.get('content-type')).toBe('text/html');
    expect(second.headers.get('content-length')).toBe('14');
    expect(app.calls).toHaveLength(1);
  });

  it('mirrors the request path on disk, with the sidecar beside the body', async () => {
    const handler = cached({ cacheDir: s.cacheDir }, page('<p>monkeys</p>'));
    await fetchText(handler, '/monkeys/');
    await fetchText(handler, '/foo/bar');
    expect(readFileSync(join(s.cacheDir, 'monkeys/__index.html'), 'utf8')).toBe('<p>monkeys</p>');
    expect(readFileSync(join(s.cacheDir, 'foo/bar'), 'utf8')).toBe('<p>monkeys</p>');
    const sidecar = JSON.parse(
      readFileSync(join(s.cacheDir, 'monkeys/.__index.html.trowel.json'), 'utf8'),
    ) as { v: number; status: number; headers: [string, string][] };
    expect(sidecar).toMatchObject({ v: 1, status: 200, headers: [['content-type', 'text/html']] });
  });

  it('stores decoded segment names, as nginx $uri decodes them', async () => {
    const handler = cached({ cacheDir: s.cacheDir }, page('spaced'));
    await fetchText(handler, '/a%20b');
    expect(readFileSync(join(s.cacheDir, 'a b'), 'utf8')).toBe('spaced');
  });

  it('keeps each entry’s own Content-Type, and uses contentType when the origin sent none', async () => {
    const app = origin((request) =>
      request.url.endsWith('.css')
        ? new Response('a{}', { headers: { 'content-type': 'text/css' } })
        : new Response(new TextEncoder().encode('plain')),
    );
    const handler = cached({ cacheDir: s.cacheDir, contentType: 'text/plain' }, app);
    await fetchText(handler, '/site.css');
    await fetchText(handler, '/page');
    expect((await fetchText(handler, '/site.css')).headers.get('content-type')).toBe('text/css');
    expect((await fetchText(handler, '/page')).headers.get('content-type')).toBe('text/plain');
    expect(app.calls).toHaveLength(2);
  });

  it('answers HEAD from the GET entry', async () => {
    const app = page('<h1>hello</h1>');
    const handler = cached({ cacheDir: s.cacheDir }, app);
    await fetchText(handler, '/x');
    const head = await fetchText(handler, '/x', { method: 'HEAD' });
    expect(head).toMatchObject({ status: 200, text: '' });
    expect(head.headers.get('content-length')).toBe('14');
    expect(head.headers.get('cache-status')).toBe('trowel; hit');
    expect(app.calls).toHaveLength(1);
  });

  it('passes a HEAD miss through and stores nothing', async () => {
    const app = page('<h1>hello</h1>');
    const handler = cached({ cacheDir: s.cacheDir }, app);
    const head = await fetchText(handler, '/x', { method: 'HEAD' });
    expect(head.headers.get('cache-status')).toBe('trowel; fwd=miss');
    expect(s.files().filter((f) => f.startsWith('cache/x'))).toEqual([]);
    expect(app.calls).toHaveLength(1);
  });

  it('never answers POST from the cache, nor stores its answer', async () => {
    const app = origin((request) => new Response(`answer to ${request.method}`));
    const handler = cached({ cacheDir: s.cacheDir }, app);
    await fetchText(handler, '/form');
    const post = await fetchText(handler, '/form', { method: 'POST', body: 'x=1' });
    expect(post.text).toBe('answer to POST');
    expect(post.headers.get('cache-status')).toBe('trowel; fwd=method');
    const get = await fetchText(handler, '/form');
    expect(get.text).toBe('answer to GET');
    expect(get.headers.get('cache-status')).toBe('trowel; fwd=miss; stored');
    expect(app.calls.map((r) => r.method)).toEqual(['GET', 'POST', 'GET']);
  });

  it.each([
    ['DELETE', 204, true],
    ['PUT', 201, true],
    ['PATCH', 303, true],
    ['POST', 403, false],
    ['POST', 500, false],
  ])('invalidates on %s answered %i: %s', async (method, status, gone) => {
    const app = origin((r) =>
      r.method === 'GET' ? new Response('page') : new Response(null, { status }),
    );
    const handler = cached({ cacheDir: s.cacheDir }, app);
    await fetchText(handler, '/doc');
    await fetchText(handler, '/doc', { method });
    expect((await fetchText(handler, '/doc')).headers.get('cache-status')).toBe(
      gone ? 'trowel; fwd=miss; stored' : 'trowel; hit',
    );
  });

  it('invalidates the same-origin Location and Content-Location of an unsafe answer', async () => {
    const app = origin((r) =>
      r.method === 'GET'
        ? new Response('page')
        : new Response(null, {
            status: 201,
            headers: { location: '/items/7', 'content-location': 'http://other.test/list' },
          }),
    );
    const handler = cached({ cacheDir: s.cacheDir }, app);
    await fetchText(handler, '/items/7');
    await fetchText(handler, '/list');
    await fetchText(handler, '/items', { method: 'POST' });
    expect((await fetchText(handler, '/items/7')).headers.get('cache-status')).toContain(
      'fwd=miss',
    );
    expect((await fetchText(handler, '/list')).headers.get('cache-status')).toBe('trowel; hit');
  });

  it.each([
    ['/search?q=x', {}, 'query'],
    ['/p', { headers: { cookie: 'sid=1' } }, 'cookie'],
    ['/p', { headers: { authorization: 'Basic YTpi' } }, 'authorization'],
    ['/.env', {}, 'path'],
  ])('passes %s through untouched (%j)', async (path, init, detail) => {
    const app = page('x');
    const handler = cached({ cacheDir: s.cacheDir }, app);
    await fetchText(handler, '/p');
    await fetchText(handler, '/search');
    const answer = await fetchText(handler, path, init);
    expect(answer.headers.get('cache-status')).toBe(`trowel; fwd=bypass; detail=${detail}`);
    expect(app.calls).toHaveLength(3);
  });

  it('lets cookie-bearing requests use the cache with ignoreCookies', async () => {
    const app = page('x');
    const handler = cached({ cacheDir: s.cacheDir, ignoreCookies: true }, app);
    await fetchText(handler, '/p', { headers: { cookie: 'a=1' } });
    const hit = await fetchText(handler, '/p', { headers: { cookie: 'a=2' } });
    expect(hit.headers.get('cache-status')).toBe('trowel; hit');
  });

  it('lets authorized requests use the cache with shareAuthorized', async () => {
    const app = page('x');
    const handler = cached({ cacheDir: s.cacheDir, shareAuthorized: true }, app);
    await fetchText(handler, '/p', { headers: { authorization: 'Basic YTpi' } });
    expect((await fetchText(handler, '/p')).headers.get('cache-status')).toBe('trowel; hit');
  });

  it.each([
    [{ 'set-cookie': 'sid=1' }, 200, 'set-cookie'],
    [{ 'cache-control': 'no-store' }, 200, 'no-store'],
    [{ 'Cache-Control': 'Private' }, 200, 'private'],
    [{ 'cache-control': 'no-cache, must-revalidate' }, 200, 'no-cache'],
    [{ vary: 'Cookie' }, 200, 'vary'],
    [{ vary: 'accept-encoding, user-agent' }, 200, 'vary'],
    [{ 'content-encoding': 'gzip' }, 200, 'encoded'],
    [{}, 404, 'status'],
    [{}, 500, 'status'],
    [{}, 203, 'status'],
  ])('does not store an answer with %j and status %i', async (headers, status, detail) => {
    const app = origin(() => new Response('x', { status, headers }));
    const handler = cached({ cacheDir: s.cacheDir }, app);
    const miss = await fetchText(handler, '/p');
    expect(miss.headers.get('cache-status')).toBe(`trowel; fwd=miss; detail=${detail}`);
    await fetchText(handler, '/p');
    expect(app.calls).toHaveLength(2);
    expect(s.files().filter((f) => f.startsWith('cache/') && f !== 'cache/')).toEqual([]);
  });

  it.each([
    [{ vary: 'Accept-Encoding' }],
    [{ 'cache-control': 'max-age=0' }],
    [{ 'cache-control': 'public, s-maxage=10' }],
  ])('stores an answer with %j', async (headers) => {
    const app = origin(() => new Response('x', { headers }));
    const handler = cached({ cacheDir: s.cacheDir }, app);
    await fetchText(handler, '/p');
    expect((await fetchText(handler, '/p')).headers.get('cache-status')).toBe('trowel; hit');
  });

  it('stores an encoded body with storeEncoded and serves it only to clients accepting it', async () => {
    const zipped = gzipSync('hello');
    const app = origin(
      () =>
        new Response(zipped, {
          headers: {
            'content-encoding': 'gzip',
            vary: 'Accept-Encoding',
            'content-type': 'text/plain',
          },
        }),
    );
    const handler = cached({ cacheDir: s.cacheDir, storeEncoded: true }, app);
    await fetchText(handler, '/z', { headers: { 'accept-encoding': 'gzip' } });
    const hit = await send(handler, '/z', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(hit.headers.get('content-encoding')).toBe('gzip');
    expect(hit.headers.get('vary')).toBe('Accept-Encoding');
    expect(Buffer.from(await hit.arrayBuffer())).toEqual(zipped);
    const plain = await send(handler, '/z', { headers: { 'accept-encoding': 'identity' } });
    await plain.arrayBuffer();
    expect(plain.headers.get('cache-status')).toBe('trowel; fwd=miss; detail=encoding');
    expect(app.calls).toHaveLength(2);
  });

  it('keeps the origin’s ETag and gives the file its Last-Modified', async () => {
    const lastModified = 'Wed, 01 May 2024 10:00:00 GMT';
    const app = page('x', { etag: '"v1"', 'last-modified': lastModified });
    const handler = cached({ cacheDir: s.cacheDir }, app);
    await fetchText(handler, '/p');
    const hit = await fetchText(handler, '/p');
    expect(hit.headers.get('etag')).toBe('"v1"');
    expect(hit.headers.get('last-modified')).toBe(lastModified);
    expect(statSync(join(s.cacheDir, 'p')).mtime.toUTCString()).toBe(lastModified);
  });

  it('sends nginx’s ETag when the origin sent none', async () => {
    const handler = cached({ cacheDir: s.cacheDir }, page('hello'));
    await fetchText(handler, '/p');
    const stats = statSync(join(s.cacheDir, 'p'));
    const hit = await fetchText(handler, '/p');
    expect(hit.headers.get('etag')).toBe(
      `"${Math.floor(stats.mtimeMs / 1000).toString(16)}-${(5).toString(16)}"`,
    );
  });

  it.each([
    ['if-none-match', () => '"v1"'],
    ['if-modified-since', () => 'Wed, 01 May 2024 10:00:00 GMT'],
  ])('answers a hit with %s matching 304', async (name, value) => {
    const app = page('x', { etag: '"v1"', 'last-modified': 'Wed, 01 May 2024 10:00:00 GMT' });
    const handler = cached({ cacheDir: s.cacheDir }, app);
    await fetchText(handler, '/p');
    const answer = await fetchText(handler, '/p', { headers: { [name]: value() } });
    expect(answer.status).toBe(304);
    expect(answer.headers.get('cache-status')).toBe('trowel; hit');
    expect(app.calls).toHaveLength(1);
  });

  it('answers a Range on a hit with 206', async () => {
    const handler = cached({ cacheDir: s.cacheDir }, page('0123456789'));
    await fetchText(handler, '/p');
    const part = await fetchText(handler, '/p', { headers: { range: 'bytes=2-4' } });
    expect(part).toMatchObject({ status: 206, text: '234' });
  });

  it('asks the origin unconditionally on a miss, stores, and answers the client’s 304', async () => {
    const app = page('x', { etag: '"v1"' });
    const handler = cached({ cacheDir: s.cacheDir }, app);
    const answer = await fetchText(handler, '/p', { headers: { 'if-none-match': '"v1"' } });
    expect(answer.status).toBe(304);
    expect(app.calls[0]?.headers.has('if-none-match')).toBe(false);
    await vi.waitFor(() => {
      expect(readFileSync(join(s.cacheDir, 'p'), 'utf8')).toBe('x');
    });
    expect((await fetchText(handler, '/p')).headers.get('cache-status')).toBe('trowel; hit');
  });

  it('answers a Range on a miss with the whole body, and stores it', async () => {
    const handler = cached({ cacheDir: s.cacheDir }, page('0123456789'));
    const whole = await fetchText(handler, '/p', { headers: { range: 'bytes=2-4' } });
    expect(whole).toMatchObject({ status: 200, text: '0123456789' });
  });

  it.each([
    ['/lic', true],
    ['/lic/', true],
    ['/lic/x', true],
    ['/licenses', false],
    ['/other', false],
  ])('matches cachePaths on segment boundaries: %s cached is %s', async (path, stored) => {
    const handler = cached({ cacheDir: s.cacheDir, cachePaths: ['/lic'] }, page('x'));
    const first = await fetchText(handler, path);
    expect(first.headers.get('cache-status')).toBe(
      stored ? 'trowel; fwd=miss; stored' : 'trowel; fwd=bypass; detail=cache-paths',
    );
  });

  it('treats an entry older than maxAge as a miss and replaces it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    let n = 0;
    const app = origin(() => new Response(`v${++n}`));
    const handler = cached({ cacheDir: s.cacheDir, maxAge: 60_000 }, app);
    await fetchText(handler, '/p');
    vi.advanceTimersByTime(30_000);
    expect((await fetchText(handler, '/p')).text).toBe('v1');
    vi.advanceTimersByTime(31_000);
    const replaced = await fetchText(handler, '/p');
    expect(replaced.text).toBe('v2');
    expect(replaced.headers.get('cache-status')).toBe('trowel; fwd=miss; stored');
  });

  it('keeps entries per host with byHost', async () => {
    const app = origin((r) => new Response(new URL(r.url).host));
    const handler = cached({ cacheDir: s.cacheDir, byHost: true }, app);
    await fetchText(handler, '/p', { host: 'a.test' });
    await fetchText(handler, '/p', { host: 'B.test:8080' });
    expect(readFileSync(join(s.cacheDir, 'a.test/p'), 'utf8')).toBe('a.test');
    expect(readFileSync(join(s.cacheDir, 'b.test/p'), 'utf8')).toBe('b.test:8080');
    expect((await fetchText(handler, '/p', { host: 'b.test' })).text).toBe('b.test:8080');
  });

  it('appends its Cache-Status to one the origin sent, even on a response it cannot change', async () => {
    const app = origin(() => {
      const response = Response.redirect('http://example.test/elsewhere', 302);
      return response;
    });
    const handler = cached({ cacheDir: s.cacheDir }, app);
    const first = await send(handler, '/r');
    expect(first.status).toBe(302);
    expect(first.headers.get('cache-status')).toBe('trowel; fwd=miss; detail=status');
    const upstream = origin(() => new Response('x', { headers: { 'cache-status': 'edge; hit' } }));
    const chained = await fetchText(cached({ cacheDir: s.cacheDir }, upstream), '/q');
    expect(chained.headers.get('cache-status')).toBe('edge; hit, trowel; fwd=miss; stored');
  });

  it('lets an upgrade request through untouched', async () => {
    const app = page('x');
    const handler = cached({ cacheDir: s.cacheDir }, app);
    const answer = await fetchText(handler, '/ws', {
      headers: { connection: 'upgrade', upgrade: 'websocket' },
    });
    expect(answer.headers.has('cache-status')).toBe(false);
  });
});
