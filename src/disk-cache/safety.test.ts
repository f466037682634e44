/**
 * The hostile-path table: every request here is answered by the origin (never a 500, never a
 * file from outside the cache), and nothing is written outside the cache directory. A canary file
 * beside the cache directory has a valid sidecar, so a lookup that strayed there would serve it.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cached, fetchText, origin, scratch, type Scratch } from './harness.fixture.ts';

let s: Scratch;
beforeEach(() => {
  s = scratch();
  const stats = statSync(join(s.canary, 'secret.txt'));
  writeFileSync(
    join(s.canary, '.secret.txt.trowel.json'),
    JSON.stringify({
      v: 1,
      status: 200,
      headers: [['content-type', 'text/plain']],
      storedAt: Date.now(),
      size: stats.size,
      mtimeMs: stats.mtimeMs,
      ino: stats.ino,
    }),
  );
});
afterEach(() => {
  s.remove();
});

function outsideCache(): string[] {
  return s
    .files()
    .filter(
      (f) =>
        !f.startsWith('cache/') &&
        !['canary/', 'canary/secret.txt', 'canary/.secret.txt.trowel.json'].includes(f),
    );
}

const echo = (): ReturnType<typeof origin> =>
  origin((request) => new Response(`origin ${new URL(request.url).pathname}`));

describe('hostile paths', () => {
  it.each([
    '/..%2f..%2fetc/passwd',
    '/..%2fcanary/secret.txt',
    '/%2e%2e/canary/secret.txt',
    '/../canary/secret.txt',
    '/%2e%2e%2f',
    '/%2e%2e%2fcanary%2fsecret.txt',
    '//etc/hostname',
    '/a%2Fb',
    '/a%5Cb',
    '/..%5ccanary%5csecret.txt',
    '/a\\..\\..\\canary',
    '/a%00b',
    '/secret.txt%00.html',
    '/.trowel.json',
    '/.secret.txt.trowel.json',
    '/%c0%ae%c0%ae/canary/secret.txt',
    '/%252e%252e/canary',
    `/${'a'.repeat(300)}`,
  ])('answers %j from the origin and writes nothing outside the cache', async (path) => {
    const app = echo();
    const handler = cached({ cacheDir: s.cacheDir }, app);
    for (let i = 0; i < 2; i++) {
      const answer = await fetchText(handler, path);
      expect(answer.status).toBe(200);
      expect(answer.text).not.toContain('CANARY');
      expect(answer.text).toMatch(/^origin /);
    }
    expect(outsideCache()).toEqual([]);
    expect(readFileSync(join(s.canary, 'secret.txt'), 'utf8')).toBe('CANARY');
  });

  it('never joins a leading // as an absolute path', async () => {
    const app = echo();
    const handler = cached({ cacheDir: s.cacheDir }, app);
    const answer = await fetchText(handler, `/${join(s.canary, 'secret.txt')}`);
    expect(answer.text).not.toContain('CANARY');
    expect(answer.headers.get('cache-status')).toBe('trowel; fwd=bypass; detail=path');
    expect(outsideCache()).toEqual([]);
  });

  it.each([[['/f', '/f/child']], [['/h/child', '/h']], [['/foo/', '/foo']], [['/foo', '/foo/']]])(
    'treats a file/directory clash in %j as a miss, never a 500',
    async (paths) => {
      const app = echo();
      const handler = cached({ cacheDir: s.cacheDir }, app);
      const [first, second] = paths;
      const a = await fetchText(handler, first ?? '');
      const b = await fetchText(handler, second ?? '');
      expect(a).toMatchObject({ status: 200, text: `origin ${first ?? ''}` });
      expect(b).toMatchObject({ status: 200, text: `origin ${second ?? ''}` });
      expect(a.headers.get('cache-status')).toBe('trowel; fwd=miss; stored');
      expect(b.headers.get('cache-status')).toBe('trowel; fwd=miss; detail=unwritable');
      // Each path keeps answering its own content.
      expect((await fetchText(handler, first ?? '')).text).toBe(`origin ${first ?? ''}`);
      expect((await fetchText(handler, second ?? '')).text).toBe(`origin ${second ?? ''}`);
      expect(outsideCache()).toEqual([]);
    },
  );

  it('does not let a request for the index file name poison the directory entry', async () => {
    const app = echo();
    const handler = cached({ cacheDir: s.cacheDir }, app);
    await fetchText(handler, '/docs/');
    const poisoned = await fetchText(handler, '/docs/__index.html');
    expect(poisoned.headers.get('cache-status')).toBe('trowel; fwd=bypass; detail=path');
    expect((await fetchText(handler, '/docs/')).text).toBe('origin /docs/');
  });
});
