import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatHttpDate } from '../core/http-date.ts';
import { cached, fetchText, origin, scratch, type Scratch } from './harness.fixture.ts';
import type { DiskCacheOptions } from './options.ts';

let s: Scratch;
beforeEach(() => {
  s = scratch();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2025-03-01T12:00:00Z'));
});
afterEach(() => {
  vi.useRealTimers();
  s.remove();
});

const http = (more: Partial<DiskCacheOptions> = {}): DiskCacheOptions => ({
  cacheDir: s.cacheDir,
  policy: 'http',
  ...more,
});

/** An origin whose answers carry `headers`, and a 304 when the client's If-None-Match matches. */
function validating(headers: Record<string, string>, body = 'body'): ReturnType<typeof origin> {
  return origin((request) => {
    const etag = headers['etag'];
    if (etag !== undefined && request.headers.get('if-none-match') === etag) {
      return new Response(null, { status: 304, headers });
    }
    return new Response(body, { headers: { 'content-type': 'text/plain', ...headers } });
  });
}

describe('diskCache() with the http policy', () => {
  it('serves a fresh entry with Age and its remaining freshness', async () => {
    const app = validating({ 'cache-control': 'max-age=60' });
    const handler = cached(http(), app);
    await fetchText(handler, '/p');
    vi.advanceTimersByTime(10_000);
    const hit = await fetchText(handler, '/p');
    expect(hit.headers.get('cache-status')).toBe('trowel; hit; ttl=50');
    expect(hit.headers.get('age')).toBe('10');
    expect(hit.text).toBe('body');
    expect(app.calls).toHaveLength(1);
  });

  it('prefers s-maxage, as a shared cache must', async () => {
    const app = validating({ 'cache-control': 'max-age=0, s-maxage=60' });
    const handler = cached(http(), app);
    await fetchText(handler, '/p');
    expect((await fetchText(handler, '/p')).headers.get('cache-status')).toMatch(/^trowel; hit/);
  });

  it('takes freshness from Expires', async () => {
    const expires = formatHttpDate(Date.now() + 30_000);
    const app = validating({ expires, etag: '"e"' });
    const handler = cached(http(), app);
    await fetchText(handler, '/p');
    expect((await fetchText(handler, '/p')).headers.get('cache-status')).toMatch(/^trowel; hit/);
    vi.advanceTimersByTime(31_000);
    expect((await fetchText(handler, '/p')).headers.get('cache-status')).toBe(
      'trowel; fwd=stale; fwd-status=304',
    );
  });

  it('validates a stale entry with the origin and serves it on 304, updating its sidecar', async () => {
    let maxAge = 1;
    const app = origin((request) => {
      const headers = { etag: '"v1"', 'cache-control': `max-age=${maxAge}` };
      if (request.headers.get('if-none-match') === '"v1"') {
        return new Response(null, { status: 304, headers });
      }
      return new Response('body', { headers });
    });
    const handler = cached(http(), app);
    await fetchText(handler, '/p');
    vi.advanceTimersByTime(2000);
    maxAge = 600;
    const validated = await fetchText(handler, '/p');
    expect(validated).toMatchObject({ status: 200, text: 'body' });
    expect(validated.headers.get('cache-status')).toBe('trowel; fwd=stale; fwd-status=304');
    expect(app.calls[1]?.headers.get('if-none-match')).toBe('"v1"');
    const sidecar = readFileSync(join(s.cacheDir, '.p.trowel.json'), 'utf8');
    expect(sidecar).toContain('max-age=600');
    expect((await fetchText(handler, '/p')).headers.get('cache-status')).toMatch(/^trowel; hit/);
    expect(app.calls).toHaveLength(2);
  });

  it('replaces a stale entry the origin answers 200', async () => {
    let version = 1;
    const app = origin(
      () =>
        new Response(`v${version}`, {
          headers: { etag: `"v${version}"`, 'cache-control': 'max-age=1' },
        }),
    );
    const handler = cached(http(), app);
    await fetchText(handler, '/p');
    vi.advanceTimersByTime(2000);
    version = 2;
    const replaced = await fetchText(handler, '/p');
    expect(replaced.text).toBe('v2');
    expect(replaced.headers.get('cache-status')).toBe('trowel; fwd=stale; fwd-status=200; stored');
    expect(readFileSync(join(s.cacheDir, 'p'), 'utf8')).toBe('v2');
  });

  it('gives no heuristic freshness unless enabled', async () => {
    const lastModified = formatHttpDate(Date.now() - 100 * 86_400_000);
    const off = validating({ 'last-modified': lastModified, etag: '"h"' });
    const handlerOff = cached(http(), off);
    await fetchText(handlerOff, '/p');
    expect((await fetchText(handlerOff, '/p')).headers.get('cache-status')).toBe(
      'trowel; fwd=stale; fwd-status=304',
    );
    const on = validating({ 'last-modified': lastModified, etag: '"h"' });
    const handlerOn = cached(http({ heuristic: true, cacheDir: join(s.dir, 'heuristic') }), on);
    await fetchText(handlerOn, '/p');
    expect((await fetchText(handlerOn, '/p')).headers.get('cache-status')).toMatch(/^trowel; hit/);
  });

  it('validates a no-cache entry on every use', async () => {
    const app = validating({ 'cache-control': 'no-cache', etag: '"n"' });
    const handler = cached(http(), app);
    await fetchText(handler, '/p');
    await fetchText(handler, '/p');
    expect(app.calls.map((r) => r.headers.get('if-none-match'))).toEqual([null, '"n"']);
  });

  it.each([
    [{ 'cache-control': 'private, max-age=60' }, 'private'],
    [{ 'cache-control': 'no-store' }, 'no-store'],
    [{ 'cache-control': 'max-age=60', 'set-cookie': 'a=1' }, 'set-cookie'],
    [{ 'cache-control': 'max-age=60', vary: '*' }, 'vary'],
    [{}, 'not-reusable'],
  ])('does not store an answer with %j', async (headers, detail) => {
    const app = origin(() => new Response('x', { headers }));
    const handler = cached(http(), app);
    const miss = await fetchText(handler, '/p');
    expect(miss.headers.get('cache-status')).toBe(`trowel; fwd=miss; detail=${detail}`);
  });

  it.each([
    ['max-age=60', false],
    ['public, max-age=60', true],
    ['s-maxage=60', true],
  ])('with shareAuthorized, stores an authorized answer with %j: %s', async (cc, stored) => {
    const app = origin(() => new Response('x', { headers: { 'cache-control': cc } }));
    const handler = cached(http({ shareAuthorized: true }), app);
    const miss = await fetchText(handler, '/p', { headers: { authorization: 'Bearer t' } });
    expect(miss.headers.get('cache-status')).toBe(
      stored ? 'trowel; fwd=miss; stored' : 'trowel; fwd=miss; detail=authorization',
    );
  });

  it('never stores a response that varies on Cookie or Authorization, nor their values', async () => {
    const app = origin(
      () =>
        new Response('x', {
          headers: { 'cache-control': 'public, max-age=60', vary: 'Cookie, Authorization' },
        }),
    );
    const handler = cached(http({ shareAuthorized: true, ignoreCookies: true }), app);
    const init = { headers: { authorization: 'Bearer t0ken', cookie: 'sid=s3cret' } };
    await fetchText(handler, '/p', init);
    // Such an entry could only be matched by keeping the credential: it is not stored at all.
    expect(existsSync(join(s.cacheDir, '.p.trowel.json'))).toBe(false);
    expect(existsSync(join(s.cacheDir, 'p'))).toBe(false);
    await fetchText(handler, '/p', init);
    expect(app.calls).toHaveLength(2);
  });

  it('keeps one variant per path: a Vary mismatch goes to the origin and replaces it', async () => {
    const app = origin(
      (r) =>
        new Response(`lang ${r.headers.get('accept-language') ?? ''}`, {
          headers: { vary: 'Accept-Language', 'cache-control': 'max-age=60' },
        }),
    );
    const handler = cached(http(), app);
    const en = { headers: { 'accept-language': 'en' } };
    const fr = { headers: { 'accept-language': 'fr' } };
    await fetchText(handler, '/p', en);
    expect((await fetchText(handler, '/p', en)).headers.get('cache-status')).toMatch(
      /^trowel; hit/,
    );
    const other = await fetchText(handler, '/p', fr);
    expect(other.text).toBe('lang fr');
    expect(other.headers.get('cache-status')).toBe('trowel; fwd=vary-miss; stored');
    expect((await fetchText(handler, '/p', fr)).text).toBe('lang fr');
    expect(app.calls).toHaveLength(2);
  });

  it('goes to the origin when the request says no-cache', async () => {
    const app = validating({ 'cache-control': 'max-age=60', etag: '"r"' });
    const handler = cached(http(), app);
    await fetchText(handler, '/p');
    const forced = await fetchText(handler, '/p', { headers: { 'cache-control': 'no-cache' } });
    expect(forced.headers.get('cache-status')).toBe('trowel; fwd=request; fwd-status=304');
    expect(app.calls).toHaveLength(2);
  });

  it('answers only-if-cached without an entry with 504', async () => {
    const app = validating({ 'cache-control': 'max-age=60' });
    const handler = cached(http(), app);
    const answer = await fetchText(handler, '/p', {
      headers: { 'cache-control': 'only-if-cached' },
    });
    expect(answer.status).toBe(504);
    expect(app.calls).toHaveLength(0);
  });

  it('passes HEAD for a stale entry through', async () => {
    const app = validating({ 'cache-control': 'max-age=1', etag: '"h"' });
    const handler = cached(http(), app);
    await fetchText(handler, '/p');
    vi.advanceTimersByTime(2000);
    const head = await fetchText(handler, '/p', { method: 'HEAD' });
    expect(head.headers.get('cache-status')).toBe('trowel; fwd=stale');
    expect(app.calls.map((r) => r.method)).toEqual(['GET', 'HEAD']);
  });

  it('fetches the whole answer when a 304 does not match the stored entry', async () => {
    let version = 1;
    const app = origin((request) => {
      const headers = { etag: `"v${version}"`, 'cache-control': 'max-age=1' };
      if (request.headers.has('if-none-match')) {
        return new Response(null, { status: 304, headers });
      }
      return new Response(`v${version}`, { headers });
    });
    const handler = cached(http(), app);
    await fetchText(handler, '/p');
    vi.advanceTimersByTime(2000);
    version = 2;
    const answer = await fetchText(handler, '/p');
    expect(answer.text).toBe('v2');
    expect(answer.headers.get('cache-status')).toBe('trowel; fwd=stale; stored');
    expect(app.calls.map((r) => r.headers.get('if-none-match'))).toEqual([null, '"v1"', null]);
  });

  it('keeps a stale entry the origin fails to validate, and forwards the failure', async () => {
    let down = false;
    const app = origin(() =>
      down
        ? new Response('oops', { status: 503 })
        : new Response('kept', { headers: { 'cache-control': 'max-age=1', etag: '"k"' } }),
    );
    const handler = cached(http(), app);
    await fetchText(handler, '/p');
    vi.advanceTimersByTime(2000);
    down = true;
    const failed = await fetchText(handler, '/p');
    expect(failed.status).toBe(503);
    expect(failed.headers.get('cache-status')).toBe('trowel; fwd=stale; fwd-status=503');
    expect(readFileSync(join(s.cacheDir, 'p'), 'utf8')).toBe('kept');
  });

  it('validates a stale entry once for many concurrent requests', async () => {
    const app = origin(async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      const headers = { etag: '"c"', 'cache-control': 'max-age=1' };
      return request.headers.get('if-none-match') === '"c"'
        ? new Response(null, { status: 304, headers })
        : new Response('body', { headers });
    });
    const handler = cached(http(), app);
    await fetchText(handler, '/p');
    vi.advanceTimersByTime(2000);
    const answers = await Promise.all(Array.from({ length: 10 }, () => fetchText(handler, '/p')));
    expect(app.calls).toHaveLength(2);
    expect(answers.map((a) => a.text)).toEqual(Array.from({ length: 10 }, () => 'body'));
    expect(
      answers.filter((a) => a.headers.get('cache-status') === 'trowel; fwd=stale; collapsed'),
    ).toHaveLength(9);
  });
});

describe('diskCache() with the http policy and credentials allowed through', () => {
  it.each([
    ['Cookie', { cookie: 'session=alice' }],
    ['Authorization', { authorization: 'Bearer alice' }],
  ])(
    'never serves a response that varies on %s to a client without it',
    async (field, credential) => {
      const app = origin(
        (request) =>
          new Response(`hello ${request.headers.get(field) ?? 'nobody'}`, {
            headers: { 'cache-control': 'public, max-age=600', vary: field },
          }),
      );
      const handler = cached(http({ ignoreCookies: true, shareAuthorized: true }), app);
      expect((await fetchText(handler, '/a', { headers: credential })).text).toContain('alice');
      const anonymous = await fetchText(handler, '/a');
      expect(anonymous.text).toBe('hello nobody');
      expect(app.calls).toHaveLength(2);
    },
  );
});
