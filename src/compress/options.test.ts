import { describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { HAS_ZSTD } from './encoders.ts';
import { DEFAULT_TYPES, resolveOptions, type CompressOptions } from './options.ts';

function codeOf(options: unknown): string | undefined {
  try {
    resolveOptions(options as CompressOptions);
  } catch (error) {
    if (isConfigError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('resolveOptions()', () => {
  it('fills in the documented defaults', () => {
    const resolved = resolveOptions(undefined);
    expect(resolved.encodings).toEqual(
      HAS_ZSTD ? ['br', 'zstd', 'gzip', 'deflate'] : ['br', 'gzip', 'deflate'],
    );
    expect(resolved.offers.at(-1)).toBe('identity');
    expect(resolved.threshold).toBe(1024);
    expect(resolved.levels).toEqual({ zlib: 6, brotli: 4, zstd: 3 });
    expect(resolved.flush).toBe(true);
  });

  it('does not change the options it is given', () => {
    const options = Object.freeze({ encodings: Object.freeze(['gzip'] as const), level: 9 });
    expect(resolveOptions(options).encodings).toEqual(['gzip']);
  });

  it.each<[string, unknown, string]>([
    ['options that are not an object', 'gzip', 'TROWEL_ERR_COMPRESS_OPTIONS'],
    ['an unknown option', { treshold: 10 }, 'TROWEL_ERR_COMPRESS_OPTIONS'],
    ['flush that is not a boolean', { flush: 'yes' }, 'TROWEL_ERR_COMPRESS_OPTIONS'],
    ['no encodings', { encodings: [] }, 'TROWEL_ERR_COMPRESS_ENCODINGS'],
    ['encodings that are not an array', { encodings: 'gzip' }, 'TROWEL_ERR_COMPRESS_ENCODINGS'],
    ['an unknown encoding', { encodings: ['gzip', 'lzma'] }, 'TROWEL_ERR_COMPRESS_ENCODINGS'],
    ['identity as an encoding', { encodings: ['identity'] }, 'TROWEL_ERR_COMPRESS_ENCODINGS'],
    ['an encoding twice', { encodings: ['gzip', 'gzip'] }, 'TROWEL_ERR_COMPRESS_ENCODINGS'],
    ['a negative threshold', { threshold: -1 }, 'TROWEL_ERR_COMPRESS_THRESHOLD'],
    ['a fractional threshold', { threshold: 1.5 }, 'TROWEL_ERR_COMPRESS_THRESHOLD'],
    ['a threshold as text', { threshold: '1kb' }, 'TROWEL_ERR_COMPRESS_THRESHOLD'],
    ['level 0', { level: 0 }, 'TROWEL_ERR_COMPRESS_LEVEL'],
    ['level 10', { level: 10 }, 'TROWEL_ERR_COMPRESS_LEVEL'],
    ['brotliQuality 12', { brotliQuality: 12 }, 'TROWEL_ERR_COMPRESS_LEVEL'],
    ['zstdLevel 20', { zstdLevel: 20 }, 'TROWEL_ERR_COMPRESS_LEVEL'],
    ['zstdLevel 0', { zstdLevel: 0 }, 'TROWEL_ERR_COMPRESS_LEVEL'],
    [
      'types that are neither a list nor a function',
      { types: 'text/*' },
      'TROWEL_ERR_COMPRESS_TYPES',
    ],
    ['a type without a subtype', { types: ['text'] }, 'TROWEL_ERR_COMPRESS_TYPES'],
    ['a wildcard type', { types: ['*/*'] }, 'TROWEL_ERR_COMPRESS_TYPES'],
    [
      'a type with parameters',
      { types: ['text/html; charset=utf-8'] },
      'TROWEL_ERR_COMPRESS_TYPES',
    ],
    ['a type that is not a string', { types: [42] }, 'TROWEL_ERR_COMPRESS_TYPES'],
  ])('refuses %s', (_name, options, code) => {
    expect(codeOf(options)).toBe(code);
  });

  it.runIf(!HAS_ZSTD)('refuses zstd where node:zlib has no Zstandard', () => {
    expect(codeOf({ encodings: ['zstd'] })).toBe('TROWEL_ERR_COMPRESS_ENCODINGS');
  });

  it.each<[string, boolean]>([
    ['text/html', true],
    ['text/event-stream', true],
    ['application/json', true],
    ['application/problem+json', true],
    ['application/atom+xml', true],
    ['image/svg+xml', true],
    ['application/javascript', true],
    ['application/wasm', true],
    ['font/ttf', true],
    ['image/png', false],
    ['image/jpeg', false],
    ['font/woff2', false],
    ['application/zip', false],
    ['application/octet-stream', false],
    ['application/pdf', false],
    ['video/mp4', false],
    ['application/jsonx', false],
  ])('compresses %s by default: %s', (type, expected) => {
    expect(resolveOptions({}).isCompressible(type)).toBe(expected);
  });

  it.each<[string, string, boolean]>([
    ['text/*', 'text/css', true],
    ['TEXT/HTML', 'text/html', true],
    ['application/*+json', 'application/ld+json', true],
    ['application/*+json', 'application/json', false],
    ['application/*+json', 'text/x+json', false],
    ['image/svg+xml', 'image/svg+xml', true],
    ['text/html', 'text/plain', false],
  ])('reads pattern %s as matching %s: %s', (pattern, type, expected) => {
    expect(resolveOptions({ types: [pattern] }).isCompressible(type)).toBe(expected);
  });

  it('asks a types function with the lowercased media type', () => {
    const seen: string[] = [];
    const { isCompressible } = resolveOptions({
      types: (type) => {
        seen.push(type);
        return type === 'text/csv';
      },
    });
    expect([isCompressible('text/csv'), isCompressible('text/html')]).toEqual([true, false]);
    expect(seen).toEqual(['text/csv', 'text/html']);
  });

  it('lists only valid patterns as the default types', () => {
    expect(() => resolveOptions({ types: DEFAULT_TYPES })).not.toThrow();
  });
});
