import { describe, expect, it } from 'vitest';
import { mediaTypeParam, queryParams, readBytes, readForm, readJson, readText } from './body.ts';

const post = (body: BodyInit, headers: Record<string, string> = {}): Request =>
  new Request('http://x/submit?from=query', { method: 'POST', body, headers });

/** A body that arrives as a stream of `count` chunks of `size` bytes, with no Content-Length. */
function streamed(
  count: number,
  size: number,
): { request: Request; pulled: () => number; cancelled: () => boolean } {
  let pulls = 0;
  let cancelled = false;
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulls++ === count) controller.close();
      else controller.enqueue(new Uint8Array(size));
    },
    cancel() {
      cancelled = true;
    },
  });
  const request = new Request('http://x/', { method: 'POST', body, duplex: 'half' } as RequestInit);
  return { request, pulled: () => pulls, cancelled: () => cancelled };
}

describe('readBytes', () => {
  it('reads a body under the limit', async () => {
    expect(await readBytes(post('hello'), { limit: 5 })).toEqual(new TextEncoder().encode('hello'));
  });

  it('answers 413 from Content-Length before reading', async () => {
    const request = post('0123456789', { 'content-length': '10' });
    await expect(readBytes(request, { limit: 5 })).rejects.toMatchObject({ status: 413 });
  });

  it('answers 413 as soon as a streamed body crosses the limit, and cancels the stream', async () => {
    const { request, pulled, cancelled } = streamed(1000, 1024);
    await expect(readBytes(request, { limit: 4096 })).rejects.toMatchObject({ status: 413 });
    expect(cancelled()).toBe(true);
    expect(pulled()).toBeLessThan(10);
  });

  it('answers 400 for a malformed Content-Length', async () => {
    await expect(readBytes(post('x', { 'content-length': '-1' }))).rejects.toMatchObject({
      status: 400,
    });
  });

  it('gives an empty body for a request without one', async () => {
    expect((await readBytes(new Request('http://x/'))).byteLength).toBe(0);
  });

  it('returns the same bytes when called twice on one request', async () => {
    const request = post('once');
    const first = await readBytes(request);
    expect(await readBytes(request)).toBe(first);
  });

  it('answers 400 when the body stream fails', async () => {
    const body = new ReadableStream({
      pull(controller) {
        controller.error(new Error('socket reset'));
      },
    });
    const request = new Request('http://x/', {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    await expect(readBytes(request)).rejects.toMatchObject({ status: 400 });
  });

  it.each([-1, 1.5, Number.NaN])('refuses a limit of %s', (limit) => {
    expect(() => readBytes(post('x'), { limit })).toThrow(RangeError);
  });
});

describe('readText', () => {
  it('decodes the charset the Content-Type names', async () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
    expect(await readText(post(latin1, { 'content-type': 'text/plain; charset=ISO-8859-1' }))).toBe(
      'café',
    );
  });

  it('answers 415 for a charset it cannot decode', async () => {
    await expect(
      readText(post('x', { 'content-type': 'text/plain; charset=klingon' })),
    ).rejects.toMatchObject({
      status: 415,
    });
  });
});

describe('readJson', () => {
  it('parses a JSON body', async () => {
    expect(await readJson(post('{"a":[1,2]}'))).toEqual({ a: [1, 2] });
  });

  it('answers 400 for invalid JSON', async () => {
    await expect(readJson(post('{"a":'))).rejects.toMatchObject({ status: 400 });
  });
});

describe('queryParams', () => {
  it('keeps order and blank values and ignores the fragment', () => {
    const params = queryParams(new Request('http://x/?b=2&a=&b=1#frag'));
    expect([...params]).toEqual([
      ['b', '2'],
      ['a', ''],
      ['b', '1'],
    ]);
  });

  it('is empty without a query string', () => {
    expect([...queryParams(new Request('http://x/'))]).toEqual([]);
  });
});

describe('readForm', () => {
  it('reads an urlencoded form, blanks and repeats kept', async () => {
    const form = await readForm(
      post('a=1&b=&a=2&c=%E2%9C%93', { 'content-type': 'application/x-www-form-urlencoded' }),
    );
    expect(form.getAll('a')).toEqual(['1', '2']);
    expect(form.get('b')).toBe('');
    expect(form.get('c')).toBe('✓');
  });

  it('reads a multipart form with a file', async () => {
    const sent = new FormData();
    sent.append('title', 'report');
    sent.append('upload', new File(['file body'], 'notes.txt', { type: 'text/plain' }));
    const form = await readForm(post(sent));
    expect(form.get('title')).toBe('report');
    const file = form.get('upload');
    expect(file).toBeInstanceOf(File);
    expect((file as File).name).toBe('notes.txt');
    expect(await (file as File).text()).toBe('file body');
  });

  it('answers 413 for a multipart body over the limit', async () => {
    const sent = new FormData();
    sent.append('upload', new File([new Uint8Array(10_000)], 'big.bin'));
    // Encoded up front: undici's FormData body stream does not stop enqueueing when it is cancelled.
    const encoded = new Response(sent);
    const contentType = encoded.headers.get('content-type') ?? '';
    const request = post(await encoded.arrayBuffer(), { 'content-type': contentType });
    await expect(readForm(request, { limit: 1000 })).rejects.toMatchObject({ status: 413 });
  });

  it('answers 400 for a malformed multipart body', async () => {
    const request = post('--xyz\r\nnot a part', {
      'content-type': 'multipart/form-data; boundary=xyz',
    });
    await expect(readForm(request)).rejects.toMatchObject({ status: 400 });
  });

  it('answers 400 for multipart without a boundary', async () => {
    await expect(
      readForm(post('x', { 'content-type': 'multipart/form-data' })),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('answers 415 for a body that is not a form', async () => {
    await expect(
      readForm(post('{}', { 'content-type': 'application/json' })),
    ).rejects.toMatchObject({ status: 415 });
  });

  it('answers 413 past maxFields', async () => {
    const body = Array.from({ length: 11 }, (_, i) => `f${i}=x`).join('&');
    const request = post(body, { 'content-type': 'application/x-www-form-urlencoded' });
    await expect(readForm(request, { maxFields: 10 })).rejects.toMatchObject({ status: 413 });
  });

  it('gives an empty form for a request without a body', async () => {
    expect([...(await readForm(new Request('http://x/?a=1'))).keys()]).toEqual([]);
  });

  it('appends query parameters last only when asked, without duplicating on a second call', async () => {
    const request = post('a=body', { 'content-type': 'application/x-www-form-urlencoded' });
    const once = await readForm(request, { includeQuery: true });
    const twice = await readForm(request, { includeQuery: true });
    expect([...once]).toEqual([
      ['a', 'body'],
      ['from', 'query'],
    ]);
    expect([...twice]).toEqual([...once]);
  });
});

describe('mediaTypeParam', () => {
  it.each([
    ['text/plain; charset=utf-8', 'charset', 'utf-8'],
    ['text/plain;CHARSET="utf-8"', 'charset', 'utf-8'],
    ['multipart/form-data; boundary="a\\"b"', 'boundary', 'a"b'],
    ['text/plain', 'charset', undefined],
  ])('reads %s', (header, name, expected) => {
    expect(mediaTypeParam(header, name)).toBe(expected);
  });
});
