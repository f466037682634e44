import { utimesSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatHttpDate } from '../core/index.ts';
import { TestApp } from '../testing/index.ts';
import { tree } from '../../test/static/tree.ts';
import { staticFiles } from './index.ts';

const MTIME = new Date('2024-03-01T12:00:00.250Z');
const BEFORE = formatHttpDate(MTIME.getTime() - 60_000);
const AT = formatHttpDate(MTIME);
const AFTER = formatHttpDate(MTIME.getTime() + 60_000);

async function fixture(): Promise<{ app: TestApp; etag: string }> {
  const root = tree({ 'page.html': '<p>page</p>' });
  utimesSync(`${root}/page.html`, MTIME, MTIME);
  const app = new TestApp(staticFiles({ root, cacheMaxAge: 60 }));
  const etag = (await app.get('/page.html')).headers.get('etag') ?? '';
  return { app, etag };
}

describe('staticFiles() preconditions', () => {
  it('sends Last-Modified to the second of the file time', async () => {
    const { app } = await fixture();
    expect((await app.get('/page.html')).headers.get('last-modified')).toBe(AT);
  });

  it.each([
    ['If-None-Match with the current tag', (tag: string) => ({ 'if-none-match': tag }), 304],
    ['If-None-Match with its weak form', (tag: string) => ({ 'if-none-match': `W/${tag}` }), 304],
    ['If-None-Match in a list', (tag: string) => ({ 'if-none-match': `"x", ${tag}` }), 304],
    ['If-None-Match: *', () => ({ 'if-none-match': '*' }), 304],
    ['If-None-Match with another tag', () => ({ 'if-none-match': '"other"' }), 200],
    ['If-Modified-Since at the file time', () => ({ 'if-modified-since': AT }), 304],
    ['If-Modified-Since after it', () => ({ 'if-modified-since': AFTER }), 304],
    ['If-Modified-Since before it', () => ({ 'if-modified-since': BEFORE }), 200],
    ['If-Modified-Since that is not a date', () => ({ 'if-modified-since': 'yesterday' }), 200],
    [
      'If-Modified-Since ignored beside a non-matching If-None-Match',
      () => ({ 'if-none-match': '"other"', 'if-modified-since': AFTER }),
      200,
    ],
    ['If-Match with the current tag', (tag: string) => ({ 'if-match': tag }), 200],
    ['If-Match: *', () => ({ 'if-match': '*' }), 200],
    ['If-Match with another tag', () => ({ 'if-match': '"other"' }), 412],
    [
      'If-Match with the weak form (strong comparison)',
      (tag: string) => ({ 'if-match': `W/${tag}` }),
      412,
    ],
    ['If-Unmodified-Since after the file time', () => ({ 'if-unmodified-since': AFTER }), 200],
    ['If-Unmodified-Since before it', () => ({ 'if-unmodified-since': BEFORE }), 412],
    ['If-Unmodified-Since that is not a date', () => ({ 'if-unmodified-since': '1 day ago' }), 200],
  ])('answers %s with %i', async (_what, headers, status) => {
    const { app, etag } = await fixture();
    const res = await app.get('/page.html', { headers: headers(etag), status });
    expect(res.status).toBe(status);
  });

  it('sends 304 with the validators and Cache-Control of a 200, and no body', async () => {
    const { app, etag } = await fixture();
    const res = await app.get('/page.html', { headers: { 'if-none-match': etag }, status: 304 });
    expect(res.headers.get('etag')).toBe(etag);
    expect(res.headers.get('last-modified')).toBe(AT);
    expect(res.headers.get('cache-control')).toBe('max-age=60');
    expect(res.headers.get('vary')).toBe('accept-encoding');
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.body.byteLength).toBe(0);
  });

  it('answers HEAD with 304 too', async () => {
    const { app, etag } = await fixture();
    await app.head('/page.html', { headers: { 'if-none-match': etag }, status: 304 });
  });

  it('changes the tag when the file changes', async () => {
    const root = tree({ 'a.txt': 'one' });
    const app = new TestApp(staticFiles({ root }));
    const first = (await app.get('/a.txt')).headers.get('etag');
    utimesSync(`${root}/a.txt`, MTIME, new Date(MTIME.getTime() + 1));
    const second = (await app.get('/a.txt')).headers.get('etag');
    expect(second).not.toBe(first);
  });

  it('ignores date conditions when Last-Modified is off', async () => {
    const root = tree({ 'a.txt': 'one' });
    const app = new TestApp(staticFiles({ root, lastModified: false }));
    await app.get('/a.txt', { headers: { 'if-modified-since': AFTER }, status: 200 });
  });

  it('fails If-Match when ETags are off', async () => {
    const root = tree({ 'a.txt': 'one' });
    const app = new TestApp(staticFiles({ root, etag: false }));
    await app.get('/a.txt', { headers: { 'if-match': '"anything"' }, status: 412 });
  });
});
