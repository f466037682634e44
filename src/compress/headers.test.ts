import { describe, expect, it } from 'vitest';
import { addVary, declaredLength, encodedHeaders, mayCompress, mediaTypeOf } from './headers.ts';

const text = (type: string): boolean => type.startsWith('text/');

describe('mediaTypeOf()', () => {
  it.each([
    ['text/html', 'text/html'],
    ['Text/HTML; charset=UTF-8', 'text/html'],
    ['  application/json ;x=1', 'application/json'],
  ])('reads %j as %j', (value, expected) => {
    expect(mediaTypeOf(value)).toBe(expected);
  });
});

describe('mayCompress()', () => {
  const response = (status: number, headers: Record<string, string>): Response =>
    new Response(null, { status, headers: { 'content-type': 'text/html', ...headers } });

  it.each<[string, number, Record<string, string>, boolean]>([
    ['a 200 page', 200, {}, true],
    ['a 404 page', 404, {}, true],
    ['a 500 page', 500, {}, true],
    ['a 204', 204, {}, false],
    ['a 205', 205, {}, false],
    ['a 206', 206, {}, false],
    ['a 304', 304, {}, false],
    ['a 200 with Content-Range', 200, { 'content-range': 'bytes 0-1/2' }, false],
    ['an encoded body', 200, { 'content-encoding': 'gzip' }, false],
    ['an empty Content-Encoding', 200, { 'content-encoding': ' ' }, true],
    ['no-transform', 200, { 'cache-control': 'max-age=60, no-transform' }, false],
    ['another Cache-Control', 200, { 'cache-control': 'max-age=60' }, true],
    ['a type not listed', 200, { 'content-type': 'image/png' }, false],
  ])('answers %s: %s', (_name, status, headers, expected) => {
    expect(mayCompress(response(status, headers), text)).toBe(expected);
  });
});

describe('addVary()', () => {
  it.each<[string | null, string]>([
    [null, 'Accept-Encoding'],
    ['', 'Accept-Encoding'],
    [' , ', 'Accept-Encoding'],
    ['Origin', 'Origin, Accept-Encoding'],
    ['ACCEPT-ENCODING', 'ACCEPT-ENCODING'],
    ['*', '*'],
  ])('turns Vary %j into %j', (vary, expected) => {
    const headers = new Headers(vary === null ? {} : { vary });
    addVary(headers);
    expect(headers.get('vary')).toBe(expected);
  });
});

describe('encodedHeaders()', () => {
  it.each<[string, string]>([
    ['"abc"', 'W/"abc"'],
    [' "abc" ', 'W/"abc"'],
    ['W/"abc"', 'W/"abc"'],
    ['abc', 'abc'],
  ])('turns ETag %j into %j', (etag, expected) => {
    const headers = new Headers({ etag });
    encodedHeaders(headers, 'br');
    expect(headers.get('etag')).toBe(expected);
  });

  it('sets the coding and drops the fields about the identity bytes', () => {
    const headers = new Headers({
      'content-length': '10',
      'accept-ranges': 'bytes',
      'content-md5': 'x',
      digest: 'sha-256=x',
      'cache-control': 'max-age=60',
    });
    encodedHeaders(headers, 'gzip');
    expect([...headers]).toEqual([
      ['cache-control', 'max-age=60'],
      ['content-encoding', 'gzip'],
    ]);
  });
});

describe('declaredLength()', () => {
  it.each<[string | null, number | undefined]>([
    [null, undefined],
    ['0', 0],
    ['2048', 2048],
    ['-1', undefined],
    ['1e3', undefined],
    ['12, 12', undefined],
  ])('reads Content-Length %j as %j', (value, expected) => {
    const headers = new Headers(value === null ? {} : { 'content-length': value });
    expect(declaredLength(headers)).toBe(expected);
  });
});
