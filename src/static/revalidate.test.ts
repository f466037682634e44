import { rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { TestApp } from '../testing/index.ts';
import { fill, scratch, tree } from '../../test/static/tree.ts';
import { fileETag } from './file-representation.ts';
import { staticFiles, type StaticFilesOptions } from './index.ts';
import { lookupInside, type FileFacts } from './open-file.ts';
import { MetadataCache } from './revalidate.ts';

const SITE = {
  'a.txt': 'alpha',
  'docs/index.html': '<h1>docs</h1>',
  'app.js': 'let x = 1;',
  'app.js.br': 'BR',
  'app.js.gz': 'GZ',
  '.env': 'SECRET=1',
};

function etagOf(path: string, coding?: string): string {
  return fileETag(statSync(path), coding);
}

function app(root: string, options: Partial<StaticFilesOptions> = {}): TestApp {
  return new TestApp(staticFiles({ root, ...options }));
}

/** Moves a file's mtime by `seconds`, as an edit would. */
function touch(path: string, seconds: number): void {
  const { mtimeMs } = statSync(path);
  const when = new Date(mtimeMs + seconds * 1000);
  utimesSync(path, when, when);
}

describe('lookupInside()', () => {
  it.each([
    ['a.txt', 'file'],
    ['docs', 'directory'],
  ] as const)('reports %s as a %s with its canonical path', (name, kind) => {
    const root = tree(SITE);
    const facts = lookupInside(root, `${root}/${name}`, false) as FileFacts;
    expect([facts.kind, facts.path]).toEqual([kind, `${root}/${name}`]);
  });

  it('reports a FIFO as other, without waiting for a writer', () => {
    const root = tree({ pipe: { fifo: true } });
    expect((lookupInside(root, `${root}/pipe`, false) as FileFacts).kind).toBe('other');
  });

  it.each([
    ['a missing name', 'nope.txt', false],
    ['a final symlink', 'link.txt', false],
    ['a symlinked directory on the way', 'dir-link/a.txt', false],
    ['a symlink out of the root, even when followed', 'out.txt', true],
  ])('answers missing for %s', (_what, name, follow) => {
    const outside = tree({ 'canary.txt': 'CANARY' });
    const root = tree({
      'a.txt': 'a',
      'link.txt': { symlink: 'a.txt' },
      'dir/a.txt': 'a',
      'dir-link': { symlink: 'dir' },
      'out.txt': { symlink: `${outside}/canary.txt` },
    });
    expect(lookupInside(root, `${root}/${name}`, follow)).toBe('missing');
  });

  it('follows a symlink inside the root when allowed', () => {
    const root = tree({ 'a.txt': 'a', 'link.txt': { symlink: 'a.txt' } });
    expect((lookupInside(root, `${root}/link.txt`, true) as FileFacts).path).toBe(`${root}/a.txt`);
  });
});

describe('MetadataCache', () => {
  const facts: FileFacts = { path: '/r/a', kind: 'file', mtimeMs: 1, size: 1 };

  it('reuses a result younger than maxAge', () => {
    let now = 0;
    const cache = new MetadataCache(1000, 10, () => now);
    const lookup = vi.fn(() => facts);
    cache.get('/r/a', lookup);
    now = 999;
    expect(cache.get('/r/a', lookup)).toBe(facts);
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('looks again once maxAge has passed', () => {
    let now = 0;
    const cache = new MetadataCache(1000, 10, () => now);
    const lookup = vi.fn((): FileFacts | 'missing' => (now < 1000 ? facts : 'missing'));
    cache.get('/r/a', lookup);
    now = 1000;
    expect(cache.get('/r/a', lookup)).toBe('missing');
    expect(lookup).toHaveBeenCalledTimes(2);
  });

  it('forgets the oldest name past maxEntries', () => {
    const cache = new MetadataCache(1000, 2, () => 0);
    const lookup = vi.fn(() => facts);
    for (const path of ['/a', '/b', '/c']) cache.get(path, lookup);
    expect(cache.size).toBe(2);
    cache.get('/a', lookup);
    expect(lookup).toHaveBeenCalledTimes(4);
  });

  it('remembers nothing when the lookup could not be made', () => {
    const cache = new MetadataCache(1000, 2, () => 0);
    cache.get('/a', () => undefined);
    expect(cache.size).toBe(0);
  });
});

describe('staticFiles() revalidation', () => {
  it.each([
    ['GET', {}],
    ['HEAD', {}],
    ['GET', { metadataCache: true }],
  ] as const)(
    'answers a %s with the current ETag 304 with its validators (%o)',
    async (method, options) => {
      const root = tree(SITE);
      const etag = etagOf(`${root}/a.txt`);
      const res = await app(root, { cacheMaxAge: 60, ...options }).request(method, '/a.txt', {
        headers: { 'if-none-match': etag },
        status: 304,
      });
      expect(res.body.byteLength).toBe(0);
      expect(res.headers.get('etag')).toBe(etag);
      expect(res.headers.get('cache-control')).toBe('max-age=60');
      expect(res.headers.get('vary')).toBe('accept-encoding');
      expect(res.headers.get('last-modified')).toMatch(/ GMT$/);
    },
  );

  it('answers If-Modified-Since at or after the file 304', async () => {
    const root = tree(SITE);
    const since = new Date(statSync(`${root}/a.txt`).mtimeMs + 1000).toUTCString();
    await app(root).get('/a.txt', { headers: { 'if-modified-since': since }, status: 304 });
  });

  it('answers a directory’s index 304', async () => {
    const root = tree(SITE);
    const etag = etagOf(`${root}/docs/index.html`);
    await app(root).get('/docs/', { headers: { 'if-none-match': etag }, status: 304 });
  });

  it('compares the precompressed variant the client would get', async () => {
    const root = tree(SITE);
    const headers = { 'accept-encoding': 'br', 'if-none-match': etagOf(`${root}/app.js.br`, 'br') };
    await app(root).get('/app.js', { headers, status: 304 });
    const stale = { 'accept-encoding': 'br', 'if-none-match': etagOf(`${root}/app.js`) };
    const res = await app(root).get('/app.js', { headers: stale, status: 200 });
    expect(res.headers.get('content-encoding')).toBe('br');
  });

  it('falls back to identity when no acceptable sibling exists', async () => {
    const root = tree({ 'b.js': 'let b;', 'b.js.gz': 'GZ' });
    const headers = { 'accept-encoding': 'br', 'if-none-match': etagOf(`${root}/b.js`) };
    await app(root).get('/b.js', { headers, status: 304 });
  });

  it('sees a changed file at once without a metadata cache', async () => {
    const root = tree(SITE);
    const etag = etagOf(`${root}/a.txt`);
    touch(`${root}/a.txt`, -60);
    const res = await app(root).get('/a.txt', { headers: { 'if-none-match': etag }, status: 200 });
    expect(res.text).toBe('alpha');
  });

  it.each([
    ['a file asked for as a directory', '/a.txt/', 'a.txt'],
    ['a directory without its slash', '/docs', 'docs/index.html'],
    ['a dotfile', '/.env', '.env'],
  ])('never answers %s 304', async (_what, path, file) => {
    const root = tree(SITE);
    const res = await app(root).get(path, {
      headers: { 'if-none-match': etagOf(`${root}/${file}`) },
      status: [301, 404],
    });
    expect(res.status).not.toBe(304);
  });

  it.each([
    ['/link.txt', false],
    ['/dir-link/inner.txt', false],
    ['/out.txt', true],
    ['/dir-out/canary.txt', true],
  ])('answers %s 404, not 304, even with the target’s ETag (follow: %s)', async (path, follow) => {
    const outside = tree({ 'canary.txt': 'CANARY' });
    const root = fill(scratch(), {
      'real.txt': 'real',
      'dir/inner.txt': 'inner',
      'link.txt': { symlink: 'real.txt' },
      'dir-link': { symlink: 'dir' },
      'out.txt': { symlink: `${outside}/canary.txt` },
      'dir-out': { symlink: outside },
    });
    const target = statSync(`${root}${path}`);
    await app(root, { followSymlinks: follow, metadataCache: true }).get(path, {
      headers: { 'if-none-match': fileETag(target) },
      status: 404,
    });
  });

  it('answers 412 when If-Match fails, whatever If-None-Match says', async () => {
    const root = tree(SITE);
    const headers = { 'if-match': '"other"', 'if-none-match': etagOf(`${root}/a.txt`) };
    await app(root).get('/a.txt', { headers, status: 412 });
  });
});

describe('staticFiles() metadataCache', () => {
  it('answers from what it learned within maxAge, then sees the change', async () => {
    const root = tree(SITE);
    const file = `${root}/a.txt`;
    const etag = etagOf(file);
    const site = app(root, { metadataCache: { maxAge: 150 } });
    await site.get('/a.txt', { headers: { 'if-none-match': etag }, status: 304 });
    writeFileSync(file, 'changed');
    // Within the window the old metadata answers: this is the documented staleness.
    await site.get('/a.txt', { headers: { 'if-none-match': etag }, status: 304 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const res = await site.get('/a.txt', { headers: { 'if-none-match': etag }, status: 200 });
    expect(res.text).toBe('changed');
  });

  it('always reads the file for a request without validators', async () => {
    const root = tree(SITE);
    const site = app(root, { metadataCache: { maxAge: 60_000 } });
    await site.get('/a.txt', { headers: { 'if-none-match': etagOf(`${root}/a.txt`) } });
    rmSync(`${root}/a.txt`);
    await site.get('/a.txt', { status: 404 });
  });

  it('sends a revalidation that does not match to the full path, which sees the file', async () => {
    const root = tree(SITE);
    const site = app(root, { metadataCache: { maxAge: 60_000 } });
    await site.get('/a.txt', { headers: { 'if-none-match': etagOf(`${root}/a.txt`) } });
    rmSync(`${root}/a.txt`);
    await site.get('/a.txt', { headers: { 'if-none-match': '"old"' }, status: 404 });
  });
});
