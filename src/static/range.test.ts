import { utimesSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatHttpDate } from '../core/index.ts';
import { TestApp } from '../testing/index.ts';
import { pattern, tree } from '../../test/static/tree.ts';
import { staticFiles } from './index.ts';

const SIZE = 600_000; // more than two 256 KiB blocks
const BYTES = pattern(SIZE);
const MTIME = new Date('2024-03-01T12:00:00Z');

function app(): TestApp {
  const root = tree({ 'big.bin': BYTES, 'small.txt': '0123456789' });
  utimesSync(`${root}/big.bin`, MTIME, MTIME);
  return new TestApp(staticFiles({ root }));
}

interface Part {
  readonly type: string | undefined;
  readonly range: string | undefined;
  readonly body: Uint8Array;
}

/** Splits a multipart/byteranges body on its boundary (RFC 9110 §14.6). */
function parts(body: Uint8Array, contentType: string): Part[] {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1] ?? '';
  const text = Buffer.from(body).toString('latin1');
  const pieces = text.split(`\r\n--${boundary}`);
  expect(pieces[0]).toBe('');
  expect(pieces.at(-1)).toBe('--\r\n');
  return pieces.slice(1, -1).map((piece) => {
    const split = piece.indexOf('\r\n\r\n');
    const head = piece.slice(2, split);
    const fields = new Map(
      head.split('\r\n').map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()] as const;
      }),
    );
    return {
      type: fields.get('content-type'),
      range: fields.get('content-range'),
      body: Buffer.from(piece.slice(split + 4), 'latin1'),
    };
  });
}

describe('staticFiles() ranges', () => {
  it.each([
    ['bytes=0-99', 0, 99],
    ['bytes=100-', 100, SIZE - 1],
    ['bytes=-500', SIZE - 500, SIZE - 1],
    ['bytes=262140-262150', 262140, 262150],
    ['bytes=599990-900000', 599990, SIZE - 1],
    ['bytes=1000-599999', 1000, SIZE - 1],
    ['bytes=-900000', 0, SIZE - 1],
    ['BYTES = 5-9', 5, 9],
    ['bytes=0-99,50-149', 0, 149],
  ])('answers %s with 206 and the bytes %i-%i', async (range, start, end) => {
    const res = await app().get('/big.bin', { headers: { range }, status: 206 });
    expect(res.headers.get('content-range')).toBe(`bytes ${start}-${end}/${SIZE}`);
    expect(res.headers.get('content-length')).toBe(String(end - start + 1));
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.compare(res.body, BYTES.subarray(start, end + 1))).toBe(0);
  });

  it('sends several ranges as multipart/byteranges, in request order', async () => {
    const res = await app().get('/big.bin', {
      headers: { range: 'bytes=150000-150009, 0-4, -3' },
      status: 206,
    });
    const type = res.headers.get('content-type') ?? '';
    expect(type).toMatch(/^multipart\/byteranges; boundary=[0-9a-f]{24}$/);
    expect(res.headers.get('content-range')).toBeNull();
    expect(res.headers.get('content-length')).toBe(String(res.body.byteLength));
    const got = parts(res.body, type);
    expect(got.map((p) => p.range)).toEqual([
      `bytes 150000-150009/${SIZE}`,
      `bytes 0-4/${SIZE}`,
      `bytes ${SIZE - 3}-${SIZE - 1}/${SIZE}`,
    ]);
    expect(got.every((p) => p.type === 'application/octet-stream')).toBe(true);
    expect(Buffer.compare(got[0]!.body, BYTES.subarray(150000, 150010))).toBe(0);
    expect(Buffer.compare(got[1]!.body, BYTES.subarray(0, 5))).toBe(0);
    expect(Buffer.compare(got[2]!.body, BYTES.subarray(SIZE - 3))).toBe(0);
  });

  it('draws a new boundary for every response', async () => {
    const client = app();
    const headers = { range: 'bytes=0-1,5-6' };
    const a = (await client.get('/big.bin', { headers })).headers.get('content-type');
    const b = (await client.get('/big.bin', { headers })).headers.get('content-type');
    expect(a).not.toBe(b);
  });

  it.each(['bytes=600000-', 'bytes=900000-900010', 'bytes=-0', 'bytes=600000-,700000-'])(
    'answers the unsatisfiable %s with 416 and Content-Range bytes */size',
    async (range) => {
      const res = await app().get('/big.bin', { headers: { range }, status: 416 });
      expect(res.headers.get('content-range')).toBe(`bytes */${SIZE}`);
    },
  );

  it.each(['bytes=abc', 'bytes=5-1', 'items=0-5', 'bytes=', 'bytes=--5', '0-5'])(
    'ignores the malformed or foreign %j and sends the whole file',
    async (range) => {
      const res = await app().get('/big.bin', { headers: { range }, status: 200 });
      expect(res.body.byteLength).toBe(SIZE);
      expect(res.headers.get('content-range')).toBeNull();
    },
  );

  it('ignores a list of more than 16 ranges', async () => {
    const range = `bytes=${Array.from({ length: 17 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')}`;
    await app().get('/big.bin', { headers: { range }, status: 200 });
  });

  it('sends an empty file whole (200) whatever the range, as nothing in it can be named', async () => {
    const root = tree({ empty: '' });
    const res = await new TestApp(staticFiles({ root })).get('/empty', {
      headers: { range: 'bytes=0-' },
      status: 200,
    });
    expect(res.headers.get('content-length')).toBe('0');
  });

  it('ignores Range on HEAD', async () => {
    const res = await app().head('/big.bin', { headers: { range: 'bytes=0-9' }, status: 200 });
    expect(res.headers.get('content-length')).toBe(String(SIZE));
  });

  it.each([
    [
      'the current ETag',
      async (c: TestApp) => (await c.get('/big.bin')).headers.get('etag') ?? '',
      206,
    ],
    ['another ETag', () => Promise.resolve('"other"'), 200],
    [
      'the weak form of the ETag',
      async (c: TestApp) => `W/${(await c.get('/big.bin')).headers.get('etag') ?? ''}`,
      200,
    ],
    ['the Last-Modified date', () => Promise.resolve(formatHttpDate(MTIME)), 206],
    ['another date', () => Promise.resolve(formatHttpDate(MTIME.getTime() - 1000)), 200],
    ['something unreadable', () => Promise.resolve('soon'), 200],
  ])('honours Range with If-Range of %s by answering %i', async (_what, ifRange, status) => {
    const client = app();
    const res = await client.get('/big.bin', {
      headers: { range: 'bytes=0-9', 'if-range': await ifRange(client) },
      status,
    });
    expect(res.body.byteLength).toBe(status === 206 ? 10 : SIZE);
  });

  it('streams a whole large file byte for byte', async () => {
    const res = await app().get('/big.bin');
    expect(Buffer.compare(res.body, BYTES)).toBe(0);
  });
});
