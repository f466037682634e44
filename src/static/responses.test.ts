import { utimesSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatHttpDate, isConfigError, type Handler } from '../core/index.ts';
import { TestApp } from '../testing/index.ts';
import { tree } from '../../test/static/tree.ts';
import { dataResponse, fileResponse } from './index.ts';

describe('fileResponse()', () => {
  function client(path: (root: string) => string | URL, options = {}): TestApp {
    const root = tree({
      'report.pdf': '%PDF-1.7',
      'dir/x': 'x',
      'link.pdf': { symlink: 'report.pdf' },
    });
    const handler: Handler = (request) => fileResponse(path(root), request, options);
    return new TestApp(handler);
  }

  it('serves the file with its type from the name', async () => {
    const res = await client((root) => `${root}/report.pdf`).get('/');
    expect(res.text).toBe('%PDF-1.7');
    expect(res.headers.get('content-type')).toBe('application/pdf');
  });

  it('takes a file: URL', async () => {
    const res = await client((root) => pathToFileURL(`${root}/report.pdf`)).get('/');
    expect(res.status).toBe(200);
  });

  it('follows a symlink the caller chose', async () => {
    expect((await client((root) => `${root}/link.pdf`).get('/')).text).toBe('%PDF-1.7');
  });

  it('sends the given type and extra headers', async () => {
    const res = await client((root) => `${root}/report.pdf`, {
      contentType: 'application/x-report',
      headers: { 'content-disposition': 'attachment; filename="r.pdf"' },
      cacheMaxAge: 10,
    }).get('/');
    expect(res.headers.get('content-type')).toBe('application/x-report');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="r.pdf"');
    expect(res.headers.get('cache-control')).toBe('max-age=10');
  });

  it.each([
    ['a missing file', (root: string) => `${root}/nope.pdf`],
    ['a directory', (root: string) => `${root}/dir`],
  ])('answers 404 for %s', async (_what, path) => {
    await client(path).get('/', { status: 404 });
  });

  it('answers 405 to POST', async () => {
    await client((root) => `${root}/report.pdf`).post('/', { status: 405 });
  });

  it('honours ranges', async () => {
    const res = await client((root) => `${root}/report.pdf`).get('/', {
      headers: { range: 'bytes=1-3' },
      status: 206,
    });
    expect(res.text).toBe('PDF');
  });

  it('refuses a bad content type when called', async () => {
    const request = new Request('http://x/');
    await expect(fileResponse('/x', request, { contentType: 'a\r\nb' })).rejects.toSatisfy(
      (e) => isConfigError(e) && e.code === 'TROWEL_ERR_STATIC_INVALID_OPTION',
    );
  });

  it('uses Last-Modified for 304', async () => {
    const root = tree({ 'a.txt': 'a' });
    const when = new Date('2020-01-01T00:00:00Z');
    utimesSync(`${root}/a.txt`, when, when);
    const app = new TestApp((request) => fileResponse(`${root}/a.txt`, request));
    await app.get('/', { headers: { 'if-modified-since': formatHttpDate(when) }, status: 304 });
  });
});

describe('dataResponse()', () => {
  const get = (
    handler: Handler,
    options = {},
  ): Promise<import('../testing/index.ts').TestResponse> => new TestApp(handler).get('/', options);

  it('sends a string as UTF-8 text with a content-derived strong ETag', async () => {
    const res = await get((request) => dataResponse('héllo', request));
    expect(res.text).toBe('héllo');
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-length')).toBe('6');
    expect(res.headers.get('etag')).toMatch(/^"[\w-]{32}"$/);
  });

  it('gives the same bytes the same tag and other bytes another', async () => {
    const tag = async (data: string): Promise<string | null> =>
      (await get((request) => dataResponse(data, request))).headers.get('etag');
    expect(await tag('a')).toBe(await tag('a'));
    expect(await tag('a')).not.toBe(await tag('b'));
  });

  it('sends bytes as application/octet-stream by default', async () => {
    const res = await get((request) => dataResponse(new Uint8Array([1, 2, 3]), request));
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect([...res.body]).toEqual([1, 2, 3]);
  });

  it('takes an ArrayBuffer', async () => {
    const res = await get((request) => dataResponse(new Uint8Array([9]).buffer, request));
    expect([...res.body]).toEqual([9]);
  });

  it('copies a view of shared memory', async () => {
    const shared = new Uint8Array(new SharedArrayBuffer(2));
    shared.set([4, 5]);
    const res = await get((request) => dataResponse(shared, request));
    expect([...res.body]).toEqual([4, 5]);
  });

  it('uses a given ETag and date for the conditions', async () => {
    const when = new Date('2021-06-01T00:00:00Z');
    const handler: Handler = (request) =>
      dataResponse('x', request, { etag: 'v7', modifiedAt: when, cacheMaxAge: 5, immutable: true });
    const res = await get(handler);
    expect(res.headers.get('etag')).toBe('"v7"');
    expect(res.headers.get('last-modified')).toBe(formatHttpDate(when));
    expect(res.headers.get('cache-control')).toBe('max-age=5, immutable');
    await get(handler, { headers: { 'if-none-match': '"v7"' }, status: 304 });
    await get(handler, { headers: { 'if-modified-since': formatHttpDate(when) }, status: 304 });
  });

  it('sends no ETag when told not to', async () => {
    const res = await get((request) => dataResponse('x', request, { etag: false }));
    expect(res.headers.get('etag')).toBeNull();
  });

  it('sends several ranges as multipart', async () => {
    const res = await get(
      (request) => dataResponse('abcdefghij', request, { headers: { 'x-extra': '1' } }),
      { headers: { range: 'bytes=0-1,8-9' }, status: 206 },
    );
    expect(res.headers.get('content-type')).toMatch(/^multipart\/byteranges/);
    expect(res.headers.get('x-extra')).toBe('1');
    expect(res.text).toContain('ab');
    expect(res.text).toContain('ij');
  });

  it.each([
    ['an ETag with a quote', { etag: 'a"b' }],
    ['a date that is not one', { modifiedAt: Number.NaN }],
    ['a negative max age', { cacheMaxAge: -1 }],
    ['immutable without a max age', { immutable: true }],
    ['a content type with CR LF', { contentType: 'text/plain\r\nx: y' }],
  ])('refuses %s', async (_what, options) => {
    await expect(dataResponse('x', new Request('http://x/'), options)).rejects.toSatisfy(
      (e) => isConfigError(e) && e.code === 'TROWEL_ERR_STATIC_INVALID_OPTION',
    );
  });
});
