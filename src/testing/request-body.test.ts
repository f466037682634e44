import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendQuery, encodeBody, toPairs, Upload, type Params } from './request-body.ts';

const dir = mkdtempSync(join(tmpdir(), 'trowel-body-'));
writeFileSync(join(dir, 'on-disk.txt'), 'from disk');
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function parts(body: Awaited<ReturnType<typeof encodeBody>>): Promise<FormData> {
  return new Request('http://x/', { method: 'POST', body: body.body as BodyInit }).formData();
}

describe('appendQuery', () => {
  it.each<[string, Params, string]>([
    ['http://x/', { a: '1', b: 2 }, '?a=1&b=2'],
    ['http://x/', { a: ['1', '2'] }, '?a=1&a=2'],
    ['http://x/?z=0', { a: '1' }, '?z=0&a=1'],
    ['http://x/', 'raw=1&x', '?raw=1&x'],
    ['http://x/', '?raw=1', '?raw=1'],
    [
      'http://x/',
      [
        ['a', '1'],
        ['a', true],
      ],
      '?a=1&a=true',
    ],
    ['http://x/', new URLSearchParams('q=a b'), '?q=a+b'],
    ['http://x/', { skip: undefined, none: null }, ''],
    ['http://x/', { é: 'ü&=' }, '?%C3%A9=%C3%BC%26%3D'],
  ])('adds params to %s', (base, params, search) => {
    const url = new URL(base);
    appendQuery(url, params);
    expect(url.search).toBe(search);
  });

  it('refuses an upload in a query', () => {
    expect(() => {
      appendQuery(new URL('http://x/'), { f: new Upload('a.txt', 'x') });
    }).toThrow(/needs a request body/);
  });

  it('refuses bytes as a query', () => {
    expect(() => {
      appendQuery(new URL('http://x/'), new Uint8Array(1));
    }).toThrow(TypeError);
  });
});

describe('toPairs', () => {
  it('refuses a value of an unsupported type', () => {
    expect(() => toPairs({ a: {} as unknown as string })).toThrow(/parameter "a"/);
  });
});

describe('encodeBody', () => {
  it('urlencodes a record, repeating list values (Paste sent their repr)', async () => {
    const body = await encodeBody({ a: ['1', '2'], b: 'x y' }, undefined, undefined, dir);
    expect(body).toEqual({
      body: 'a=1&a=2&b=x+y',
      contentType: 'application/x-www-form-urlencoded',
    });
  });

  it('sends a string as is, typed as a form by default', async () => {
    expect(await encodeBody('raw', undefined, undefined, dir)).toEqual({
      body: 'raw',
      contentType: 'application/x-www-form-urlencoded',
    });
  });

  it('keeps an explicit content type for a string', async () => {
    expect((await encodeBody('{}', undefined, 'application/json', dir)).contentType).toBe(
      'application/json',
    );
  });

  it('sends no body for an empty string', async () => {
    expect(await encodeBody('', undefined, undefined, dir)).toEqual({
      body: undefined,
      contentType: undefined,
    });
  });

  it('sends no body for no params', async () => {
    expect(await encodeBody({}, undefined, undefined, dir)).toEqual({
      body: undefined,
      contentType: undefined,
    });
  });

  it('refuses uploadFiles with a raw body', async () => {
    await expect(
      encodeBody('raw', [{ field: 'f', filename: 'a', content: 'x' }], undefined, dir),
    ).rejects.toThrow(TypeError);
  });

  it('builds multipart when a value is an Upload, with the part type and name', async () => {
    const body = await encodeBody(
      { title: 'T', doc: new Upload('a.txt', 'hello', 'text/plain') },
      undefined,
      undefined,
      dir,
    );
    expect(body.contentType).toBeUndefined();
    const form = await parts(body);
    expect(form.get('title')).toBe('T');
    const file = form.get('doc') as File;
    expect([file.name, file.type, await file.text()]).toEqual(['a.txt', 'text/plain', 'hello']);
  });

  it('defaults a part type to application/octet-stream', async () => {
    const form = await parts(
      await encodeBody(
        undefined,
        [{ field: 'f', filename: 'x.bin', content: new Uint8Array([1, 2]) }],
        undefined,
        dir,
      ),
    );
    const file = form.get('f') as File;
    expect(file.type).toBe('application/octet-stream');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array([1, 2]));
  });

  it('reads an upload without content from disk, relative to relativeTo', async () => {
    const form = await parts(
      await encodeBody(undefined, [{ field: 'f', filename: 'on-disk.txt' }], undefined, dir),
    );
    expect(await (form.get('f') as File).text()).toBe('from disk');
  });

  it('sends an empty file field as an empty part, which reads back as an empty value', async () => {
    // The platform's encoder leaves out an empty filename, so the part parses as ''.
    const body = await encodeBody([['f', new Upload('')]], undefined, undefined, dir);
    const text = await new Request('http://x/', {
      method: 'POST',
      body: body.body as BodyInit,
    }).text();
    expect(text).toContain('name="f"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n');
    expect((await parts(body)).get('f')).toBe('');
  });

  it('passes the files of a FormData through', async () => {
    const data = new FormData();
    data.append('a', '1');
    data.append('f', new File(['abc'], 'f.txt', { type: 'text/plain' }));
    const form = await parts(await encodeBody(data, undefined, undefined, dir));
    expect(form.get('a')).toBe('1');
    expect(await (form.get('f') as File).text()).toBe('abc');
  });

  it('builds multipart when the content type asks for it, replacing a type without a boundary', async () => {
    const body = await encodeBody({ a: 1 }, undefined, 'multipart/form-data', dir);
    expect(body.contentType).toBeUndefined();
    expect((await parts(body)).get('a')).toBe('1');
  });

  it('keeps a multipart type that names its boundary', async () => {
    const body = await encodeBody({ a: 1 }, undefined, 'multipart/form-data; boundary=x', dir);
    expect(body.contentType).toBe('multipart/form-data; boundary=x');
  });

  it('reads the bytes of an Upload made from a Blob', async () => {
    const upload = new Upload('b.txt', new Blob(['blob']));
    expect(new TextDecoder().decode(await upload.bytes(dir))).toBe('blob');
  });
});
