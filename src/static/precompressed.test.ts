import { brotliCompressSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TestApp } from '../testing/index.ts';
import { tree, type Entry } from '../../test/static/tree.ts';
import { staticFiles, type StaticFilesOptions } from './index.ts';

const SOURCE = 'body { color: red; }\n'.repeat(50);

function app(
  options: Partial<StaticFilesOptions> = {},
  extra: Record<string, Entry> = {},
): TestApp {
  const root = tree({
    'style.css': SOURCE,
    'style.css.br': brotliCompressSync(SOURCE),
    'style.css.gz': gzipSync(SOURCE),
    'only-gz.js': 'let a = 1;',
    'only-gz.js.gz': gzipSync('let a = 1;'),
    'plain.txt': 'no siblings',
    'archive.tar.gz': gzipSync('tar'),
    ...extra,
  });
  return new TestApp(staticFiles({ root, ...options }));
}

describe('staticFiles() precompressed siblings', () => {
  it.each([
    ['br', 'br'],
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0.5, gzip', 'gzip'],
    ['*', 'br'],
    ['br;q=0, gzip;q=0', null],
    ['identity', null],
  ])('for Accept-Encoding %j sends the %s variant', async (accept, coding) => {
    const res = await app().get('/style.css', { headers: { 'accept-encoding': accept } });
    expect(res.headers.get('content-encoding')).toBe(coding);
    expect(res.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(res.headers.get('vary')).toBe('accept-encoding');
    expect(res.text).toBe(SOURCE); // TestApp undoes the coding
  });

  it('sends the length and a distinct ETag of the compressed bytes', async () => {
    const client = app();
    const plain = await client.get('/style.css');
    const br = await client.get('/style.css', { headers: { 'accept-encoding': 'br' } });
    expect(br.headers.get('content-length')).toBe(String(brotliCompressSync(SOURCE).byteLength));
    expect(br.headers.get('etag')).toMatch(/-br"$/);
    expect(br.headers.get('etag')).not.toBe(plain.headers.get('etag'));
  });

  it('falls back to the next coding when the preferred sibling is missing', async () => {
    const res = await app().get('/only-gz.js', { headers: { 'accept-encoding': 'br, gzip' } });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('sends the file itself when there is no sibling', async () => {
    const res = await app().get('/plain.txt', { headers: { 'accept-encoding': 'br, gzip' } });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.text).toBe('no siblings');
  });

  it('serves a .gz file asked for by name as itself, without Content-Encoding', async () => {
    const res = await app().get('/archive.tar.gz', { headers: { 'accept-encoding': 'gzip' } });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('content-type')).toBe('application/gzip');
  });

  it('answers 304 for the ETag of the variant it would send', async () => {
    const client = app();
    const headers = { 'accept-encoding': 'br' };
    const etag = (await client.get('/style.css', { headers })).headers.get('etag') ?? '';
    await client.get('/style.css', { headers: { ...headers, 'if-none-match': etag }, status: 304 });
  });

  it('ignores a sibling that is a directory', async () => {
    const res = await app({}, { 'x.txt': 'x', 'x.txt.br/inner': 'y' }).get('/x.txt', {
      headers: { 'accept-encoding': 'br' },
    });
    expect([res.headers.get('content-encoding'), res.text]).toEqual([null, 'x']);
  });

  it('does not serve a sibling that is a symlink when symlinks are refused', async () => {
    const res = await app({}, { 'y.txt': 'y', 'y.txt.gz': { symlink: 'style.css.gz' } }).get(
      '/y.txt',
      { headers: { 'accept-encoding': 'gzip' } },
    );
    expect(res.text).toBe('y');
  });

  it('uses only the codings it is given, and none when off', async () => {
    const headers = { 'accept-encoding': 'br, gzip' };
    const gzOnly = await app({ precompressed: ['gzip'] }).get('/style.css', { headers });
    expect(gzOnly.headers.get('content-encoding')).toBe('gzip');
    const off = await app({ precompressed: false }).get('/style.css', { headers });
    expect([off.headers.get('content-encoding'), off.headers.get('vary')]).toEqual([null, null]);
  });

  it('serves ranges of the compressed bytes', async () => {
    const res = await app().get('/style.css', {
      headers: { 'accept-encoding': 'gzip', range: 'bytes=0-1' },
      status: 206,
    });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect([...res.rawBody]).toEqual([0x1f, 0x8b]);
  });
});
