import {
  brotliDecompressSync,
  constants,
  createGunzip,
  gunzipSync,
  gzipSync,
  inflateSync,
  zstdDecompressSync,
} from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { compress, HAS_ZSTD, type CompressOptions, type Encoding } from './index.ts';

const PAGE = '<p>The quick brown fox jumps over the lazy dog.</p>\n'.repeat(100);
const HTML = 'text/html; charset=utf-8';
const AVAILABLE: Encoding[] = HAS_ZSTD
  ? ['br', 'zstd', 'gzip', 'deflate']
  : ['br', 'gzip', 'deflate'];

function html(body: BodyInit | null = PAGE, headers: Record<string, string> = {}, status = 200) {
  return new Response(body, { status, headers: { 'content-type': HTML, ...headers } });
}

async function call(
  handler: Handler,
  headers: Record<string, string> = { 'accept-encoding': 'gzip' },
  options: CompressOptions = {},
  method = 'GET',
): Promise<Response> {
  const request = new Request('http://localhost/page', { method, headers });
  return compress(options)(handler)(request, new Context(request));
}

function decodeBytes(bytes: Uint8Array, encoding: string | null): Buffer {
  const buffer = Buffer.from(bytes);
  switch (encoding) {
    case null:
      return buffer;
    case 'gzip':
      return gunzipSync(buffer);
    case 'deflate':
      return inflateSync(buffer);
    case 'br':
      return brotliDecompressSync(buffer);
    default:
      return zstdDecompressSync(buffer);
  }
}

function decode(bytes: Uint8Array, encoding: string | null): string {
  return decodeBytes(bytes, encoding).toString('utf8');
}

async function text(response: Response): Promise<string> {
  return decode(await response.bytes(), response.headers.get('content-encoding'));
}

const encoder = new TextEncoder();

/** A body produced chunk by chunk, each after a timer, as a streamed page or SSE would be. */
function slowStream(parts: readonly string[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      const part = parts[i++];
      if (part === undefined) controller.close();
      else controller.enqueue(encoder.encode(part));
    },
  });
}

describe('compress() negotiation', () => {
  // Default encodings: br, zstd (where Node has it), gzip, deflate.
  const firstOffered = HAS_ZSTD ? 'zstd' : 'gzip';
  it.each<[string | undefined, string | null]>([
    [undefined, null],
    ['', null],
    ['gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    ['deflate', 'deflate'],
    ['br', 'br'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip, deflate', 'gzip'],
    ['br;q=0.5, gzip', 'gzip'],
    ['gzip;q=0.2, deflate;q=0.9', 'deflate'],
    ['gzip;q=0', null],
    ['gzip;q=0, deflate', 'deflate'],
    ['identity;q=0, gzip', 'gzip'],
    ['identity;q=0', null],
    ['*;q=0', null],
    ['*', 'br'],
    ['*, br;q=0', firstOffered],
    ['compress, gzip;q=0.1', 'gzip'],
    ['gzip;q=1.5', 'gzip'],
    ['gzip;q=abc', null],
    ['identity', null],
  ])('answers Accept-Encoding %j with coding %j', async (accept, expected) => {
    const res = await call(() => html(), accept === undefined ? {} : { 'accept-encoding': accept });
    expect(res.headers.get('content-encoding')).toBe(expected);
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect(await text(res)).toBe(PAGE);
  });

  it.runIf(HAS_ZSTD)('answers zstd when only zstd is accepted', async () => {
    const res = await call(() => html(), { 'accept-encoding': 'zstd' });
    expect(res.headers.get('content-encoding')).toBe('zstd');
    expect(await text(res)).toBe(PAGE);
  });

  it('follows the server order of encodings between equal weights', async () => {
    const res = await call(
      () => html(),
      { 'accept-encoding': 'br, gzip' },
      {
        encodings: ['gzip', 'br'],
      },
    );
    expect(res.headers.get('content-encoding')).toBe('gzip');
  });

  it('offers only the configured encodings', async () => {
    const res = await call(() => html(), { 'accept-encoding': 'br' }, { encodings: ['gzip'] });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
  });
});

describe('compress() response fields', () => {
  it('sends a body complete in memory with the Content-Length of its compressed form', async () => {
    const res = await call(() => html(PAGE, { 'content-length': String(PAGE.length) }));
    const bytes = await res.bytes();
    expect(res.headers.get('content-length')).toBe(String(bytes.byteLength));
    expect(bytes.byteLength).toBeLessThan(PAGE.length / 10);
    expect(decode(bytes, 'gzip')).toBe(PAGE);
  });

  it('makes a strong ETag weak on the compressed response', async () => {
    const res = await call(() => html(PAGE, { etag: '"v1"' }));
    expect(res.headers.get('etag')).toBe('W/"v1"');
  });

  it('keeps a weak ETag as it is', async () => {
    const res = await call(() => html(PAGE, { etag: 'W/"v1"' }));
    expect(res.headers.get('etag')).toBe('W/"v1"');
  });

  it('keeps a strong ETag when the response goes out uncompressed', async () => {
    const res = await call(() => html(PAGE, { etag: '"v1"' }), {});
    expect(res.headers.get('etag')).toBe('"v1"');
  });

  it('drops Accept-Ranges and digests of the identity bytes when compressing', async () => {
    const res = await call(() =>
      html(PAGE, {
        'accept-ranges': 'bytes',
        'content-digest': 'sha-256=:AAAA:',
        'repr-digest': 'sha-256=:AAAA:',
      }),
    );
    expect(res.headers.get('accept-ranges')).toBeNull();
    expect(res.headers.get('content-digest')).toBeNull();
    expect(res.headers.get('repr-digest')).toBeNull();
  });

  it.each<[string[], string]>([
    [[], 'Accept-Encoding'],
    [['Cookie'], 'Cookie, Accept-Encoding'],
    [['Cookie', 'Origin'], 'Cookie, Origin, Accept-Encoding'],
    [['accept-encoding'], 'accept-encoding'],
    [['Origin, Accept-Encoding'], 'Origin, Accept-Encoding'],
    [['*'], '*'],
  ])('merges Vary %j into %j', async (vary, expected) => {
    const res = await call(() => {
      const response = html();
      for (const value of vary) response.headers.append('vary', value);
      return response;
    });
    expect(res.headers.get('vary')).toBe(expected);
  });

  it('keeps the status, reason phrase and other fields', async () => {
    const res = await call(() => html(PAGE, { 'x-app': 'yes', 'set-cookie': 'a=1' }, 404));
    expect(res.status).toBe(404);
    expect(res.headers.get('x-app')).toBe('yes');
    expect(res.headers.getSetCookie()).toEqual(['a=1']);
    expect(res.headers.get('content-encoding')).toBe('gzip');
  });

  it('does not change the response the application returned', async () => {
    const original = html(PAGE, { etag: '"v1"' });
    await call(() => original);
    expect(original.headers.get('etag')).toBe('"v1"');
    expect(original.headers.get('vary')).toBeNull();
  });
});

describe('compress() leaves these alone', () => {
  it.each<[string, () => Response]>([
    ['204', () => new Response(null, { status: 204, headers: { 'content-type': HTML } })],
    [
      '206',
      () => html(PAGE.slice(0, 2000), { 'content-range': `bytes 0-1999/${PAGE.length}` }, 206),
    ],
    ['Content-Range on a 416', () => html('', { 'content-range': `bytes */${PAGE.length}` }, 416)],
    ['Cache-Control: no-transform', () => html(PAGE, { 'cache-control': 'public, No-Transform' })],
    ['an image', () => new Response(PAGE, { headers: { 'content-type': 'image/png' } })],
    ['no Content-Type', () => new Response(encoder.encode(PAGE))],
  ])('does not compress %s and adds no Vary', async (_name, make) => {
    const expected = make();
    const res = await call(make);
    expect(res.status).toBe(expected.status);
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('vary')).toBeNull();
    expect(await res.text()).toBe(await expected.text());
  });

  it('does not compress a body that is encoded already', async () => {
    const gz = gzipSync(PAGE);
    const res = await call(() => html(gz, { 'content-encoding': 'gzip' }), {
      'accept-encoding': 'br, gzip',
    });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(Buffer.from(await res.bytes())).toEqual(gz);
  });

  it('leaves a 304 as it is when the client holds no compressed form', async () => {
    const res = await call(() => new Response(null, { status: 304, headers: { etag: '"v1"' } }), {
      'accept-encoding': 'gzip',
      'if-none-match': '"v1"',
    });
    expect(res.headers.get('etag')).toBe('"v1"');
    expect(res.headers.get('vary')).toBeNull();
  });

  it('answers a 304 with the weak ETag and Vary the compressed 200 carried', async () => {
    const res = await call(() => new Response(null, { status: 304, headers: { etag: '"v1"' } }), {
      'accept-encoding': 'gzip',
      'if-none-match': 'W/"v1"',
    });
    expect(res.status).toBe(304);
    expect(res.headers.get('etag')).toBe('W/"v1"');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
  });

  it('sends a body shorter than the threshold as it is, with Vary', async () => {
    const res = await call(() => html('<p>short</p>'));
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    expect(await res.text()).toBe('<p>short</p>');
  });

  it('trusts a Content-Length below the threshold without reading the body', async () => {
    let pulled = false;
    const body = new ReadableStream(
      {
        pull() {
          pulled = true;
        },
      },
      { highWaterMark: 0 },
    );
    const res = await call(() => html(body, { 'content-length': '10' }));
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(res.headers.get('content-length')).toBe('10');
    expect(pulled).toBe(false);
  });

  it('compresses a body of exactly the threshold', async () => {
    const res = await call(() => html('x'.repeat(1024)));
    expect(res.headers.get('content-encoding')).toBe('gzip');
  });

  it('follows a threshold of its own', async () => {
    const res = await call(() => html('<p>short</p>'), undefined, { threshold: 0 });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await text(res)).toBe('<p>short</p>');
  });

  it('answers an empty body without a coding', async () => {
    const res = await call(() =>
      html(
        new ReadableStream({
          start: (c) => {
            c.close();
          },
        }),
      ),
    );
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(await res.text()).toBe('');
  });

  it('passes a response without a body through', async () => {
    const original = html(null);
    expect(await call(() => original)).toBe(original);
  });
});

describe('compress() and HEAD', () => {
  it('gives HEAD the header fields GET gets, without a body or Content-Length', async () => {
    const handler = () => html(PAGE, { etag: '"v1"' });
    const get = await call(handler);
    const head = await call(handler, undefined, {}, 'HEAD');
    expect(head.body).toBeNull();
    expect(head.headers.get('content-length')).toBeNull();
    for (const name of ['content-encoding', 'vary', 'etag', 'content-type']) {
      expect([name, head.headers.get(name)]).toEqual([name, get.headers.get(name)]);
    }
  });

  it('gives HEAD of a short page its identity Content-Length', async () => {
    const head = await call(() => html('<p>short</p>'), undefined, {}, 'HEAD');
    expect(head.headers.get('content-encoding')).toBeNull();
    expect(head.headers.get('content-length')).toBe('12');
    expect(head.headers.get('vary')).toBe('Accept-Encoding');
  });

  it('does not wait for a HEAD body that is still being produced', async () => {
    const forever = new ReadableStream({ pull: () => new Promise(() => undefined) });
    const head = await call(() => html(forever), undefined, {}, 'HEAD');
    expect(head.headers.get('content-encoding')).toBe('gzip');
  });
});

describe('compress() streaming', () => {
  it('compresses a body that arrives in pieces, without Content-Length', async () => {
    const parts = Array.from({ length: 20 }, (_, i) => `<p>part ${i} ${'words '.repeat(50)}</p>\n`);
    const res = await call(() => html(slowStream(parts)), { 'accept-encoding': 'br' });
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('content-length')).toBeNull();
    expect(await text(res)).toBe(parts.join(''));
  });

  it('makes each chunk decodable before the application writes the next', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode('data: one\n\n'));
        await gate;
        controller.enqueue(encoder.encode('data: two\n\n'));
        controller.close();
      },
    });
    const res = await call(
      () => new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    );
    const reader = res.body!.getReader();
    // What has arrived before the application writes again must decode in full: a sync flush
    // ended the block (the gzip header may come as a chunk of its own).
    let bytes = Buffer.alloc(0);
    let partial = '';
    while (partial !== 'data: one\n\n') {
      const read = await reader.read();
      expect(read.done).toBe(false);
      bytes = Buffer.concat([bytes, read.value!]);
      partial = gunzipSync(bytes, { finishFlush: constants.Z_SYNC_FLUSH }).toString();
    }
    release();
    let rest = Buffer.alloc(0);
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      rest = Buffer.concat([rest, r.value]);
    }
    expect(decode(Buffer.concat([bytes, rest]), 'gzip')).toBe('data: one\n\ndata: two\n\n');
  });

  it('stops reading the application body while nobody reads the compressed one', async () => {
    const MiB = 1024 * 1024;
    let produced = 0;
    // Random bytes do not compress, so the encoder's output fills as fast as its input.
    const chunk = new Uint8Array(64 * 1024);
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (produced >= 10 * MiB) {
          controller.close();
          return;
        }
        crypto.getRandomValues(chunk.subarray(0, 65536));
        produced += chunk.byteLength;
        controller.enqueue(chunk.slice());
      },
    });
    const res = await call(
      () => new Response(body, { headers: { 'content-type': 'application/octet-stream' } }),
      undefined,
      { types: ['application/octet-stream'] },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(produced).toBeLessThan(MiB);
    let received = 0;
    const gunzip = createGunzip();
    let decoded = 0;
    gunzip.on('data', (data: Buffer) => (decoded += data.byteLength));
    for await (const part of res.body!) {
      received += part.byteLength;
      gunzip.write(part);
    }
    await new Promise((resolve) => gunzip.end(resolve));
    expect(produced).toBe(10 * MiB);
    expect(decoded).toBe(10 * MiB);
    expect(received).toBeGreaterThan(10 * MiB);
  });

  it('fails the compressed body when the application body fails mid-stream', async () => {
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(encoder.encode(PAGE));
        await new Promise((resolve) => setTimeout(resolve, 5));
        controller.error(new Error('database went away'));
      },
    });
    const res = await call(() => html(body));
    await expect(res.arrayBuffer()).rejects.toThrow('database went away');
  });

  it('rejects a first body chunk that is not bytes', async () => {
    const body = new ReadableStream({
      start: (c) => {
        c.enqueue('text');
      },
    });
    await expect(call(() => html(body as ReadableStream<Uint8Array>))).rejects.toThrow(
      'not a Uint8Array',
    );
  });

  it('fails the compressed body on a later chunk that is not bytes', async () => {
    const body = new ReadableStream<unknown>({
      async start(controller) {
        controller.enqueue(encoder.encode(PAGE));
        await new Promise((resolve) => setTimeout(resolve, 5));
        controller.enqueue(42);
      },
    });
    const res = await call(() => html(body as ReadableStream<Uint8Array>));
    await expect(res.arrayBuffer()).rejects.toThrow('not a Uint8Array');
  });

  it('round-trips any body through every encoding, streamed or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 4096 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(...AVAILABLE),
        fc.boolean(),
        fc.boolean(),
        async (chunks, encoding, slow, flush) => {
          let i = 0;
          const body = new ReadableStream<Uint8Array>({
            async pull(controller) {
              if (slow) await new Promise((resolve) => setTimeout(resolve, 0));
              const part = chunks[i++];
              if (part === undefined) controller.close();
              else controller.enqueue(part);
            },
          });
          const res = await call(
            () => new Response(body, { headers: { 'content-type': 'text/plain' } }),
            { 'accept-encoding': encoding },
            { threshold: 0, flush },
          );
          const expected = Buffer.concat(chunks);
          const got = await res.bytes();
          // Only an empty body may go out as it is (one known empty in memory always does).
          const coding = res.headers.get('content-encoding');
          expect(coding === encoding || (coding === null && expected.byteLength === 0)).toBe(true);
          expect(decodeBytes(got, coding)).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});
