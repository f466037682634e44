import { describe, expect, it } from 'vitest';
import { isConfigError } from '../core/index.ts';
import { tree } from '../../test/static/tree.ts';
import { contentTypes } from './content-type.ts';
import { staticFiles, type StaticFilesOptions } from './index.ts';

function codeOf(build: () => unknown): string | undefined {
  try {
    build();
  } catch (error) {
    if (isConfigError(error)) return error.code;
    throw error;
  }
  return undefined;
}

describe('staticFiles() options', () => {
  it.each([
    ['a missing root', () => ({ root: '/nonexistent/trowel-static' })],
    ['a root that is a file', () => ({ root: `${tree({ f: 'x' })}/f` })],
    ['an empty root', () => ({ root: '' })],
    ['no root at all', () => ({}) as StaticFilesOptions],
  ])('refuses %s with TROWEL_ERR_STATIC_ROOT', (_what, options) => {
    expect(codeOf(() => staticFiles(options()))).toBe('TROWEL_ERR_STATIC_ROOT');
  });

  it.each([
    ['a negative cacheMaxAge', { cacheMaxAge: -1 }],
    ['a fractional cacheMaxAge', { cacheMaxAge: 1.5 }],
    ['immutable without cacheMaxAge', { immutable: true }],
    ['a dotfiles policy that does not exist', { dotfiles: 'ignore' }],
    ['an index name with a slash', { index: ['a/index.html'] }],
    ['an index name that is dot-dot', { index: ['..'] }],
    ['an index that is a string', { index: 'index.html' }],
    ['an unknown precompressed coding', { precompressed: ['zip'] }],
    ['a precompressed string', { precompressed: 'br' }],
    ['a non-boolean etag', { etag: 'yes' }],
    ['a fallthrough that is not a function', { fallthrough: 'app' }],
    ['an extra media type that is not one', { extraMimeTypes: { x: 'text' } }],
    ['an extra media type with CR LF', { extraMimeTypes: { x: 'text/x\r\nSet-Cookie: a=b' } }],
    ['an extra extension with a slash', { extraMimeTypes: { 'a/b': 'text/plain' } }],
    ['extra media types that are not an object', { extraMimeTypes: 'x' }],
    ['a metadata cache that is a number', { metadataCache: 1000 }],
    ['a metadata cache that is a list', { metadataCache: [] }],
    ['a metadata cache of age zero', { metadataCache: { maxAge: 0 } }],
    ['a metadata cache older than an hour', { metadataCache: { maxAge: 3_600_001 } }],
    ['a fractional metadata cache age', { metadataCache: { maxAge: 1.5 } }],
    ['a metadata cache of no entries', { metadataCache: { maxEntries: 0 } }],
    ['a metadata cache of infinite entries', { metadataCache: { maxEntries: Infinity } }],
  ])('refuses %s with TROWEL_ERR_STATIC_INVALID_OPTION', (_what, bad) => {
    const options = { root: tree({}), ...bad } as unknown as StaticFilesOptions;
    expect(codeOf(() => staticFiles(options))).toBe('TROWEL_ERR_STATIC_INVALID_OPTION');
  });

  it('refuses options that are not an object', () => {
    expect(codeOf(() => staticFiles(null as unknown as StaticFilesOptions))).toBe(
      'TROWEL_ERR_STATIC_INVALID_OPTION',
    );
  });

  it('does not change the options it is given', () => {
    const options = Object.freeze({ root: tree({}), index: Object.freeze(['a.html']) });
    expect(() => staticFiles(options)).not.toThrow();
  });
});

describe('contentTypes()', () => {
  it.each([
    ['a.html', 'text/html; charset=utf-8'],
    ['A.HTML', 'text/html; charset=utf-8'],
    ['app.mjs', 'text/javascript; charset=utf-8'],
    ['logo.svg', 'image/svg+xml; charset=utf-8'],
    ['photo.jpg', 'image/jpeg'],
    ['font.woff2', 'font/woff2'],
    ['mod.wasm', 'application/wasm'],
    ['.hidden', 'application/octet-stream'],
    ['dir.d/file', 'application/octet-stream'],
  ])('types %s as %s', (name, type) => {
    expect(contentTypes()(name)).toBe(type);
  });

  it('keeps a given type that already has parameters', () => {
    expect(contentTypes({ x: 'text/plain; charset=latin1' })('a.x')).toBe(
      'text/plain; charset=latin1',
    );
  });
});
