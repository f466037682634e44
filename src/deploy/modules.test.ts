import { describe, expect, it } from 'vitest';
import { tree } from '../../test/deploy/helpers.ts';
import { parseModuleRef, resolveExports, resolvePackage } from './modules.ts';

describe('parseModuleRef', () => {
  it.each([
    ['./app.js#hello', undefined, { kind: 'file', specifier: './app.js', exportName: 'hello' }],
    ['/abs/app.ts', undefined, { kind: 'file', specifier: '/abs/app.ts', exportName: undefined }],
    ['///abs/app.ts#x', 'file', { kind: 'file', specifier: '/abs/app.ts', exportName: 'x' }],
    ['app.js#x', 'file', { kind: 'file', specifier: 'app.js', exportName: 'x' }],
    [
      '@scope/pkg/sub#$x',
      undefined,
      { kind: 'npm', specifier: '@scope/pkg/sub', exportName: '$x' },
    ],
    ['pkg', 'npm', { kind: 'npm', specifier: 'pkg', exportName: undefined }],
  ] as const)('reads %j', (text, kind, expected) => {
    expect(parseModuleRef(text, kind)).toEqual(expected);
  });

  it.each(['', '#x', 'app.js#', 'app.js#1x', 'Bad Name#x'])('refuses %j', (text) => {
    expect(parseModuleRef(text)).toBeUndefined();
  });
});

describe('resolveExports', () => {
  it.each([
    ['./index.js', '.', './index.js'],
    [['./a.js', './b.js'], '.', './a.js'],
    [[{ browser: './b.js' }, './n.js'], '.', './n.js'],
    [{ import: './m.js', require: './c.cjs' }, '.', './m.js'],
    [{ node: { import: './n.mjs' }, default: './d.js' }, '.', './n.mjs'],
    [{ '.': './i.js', './feature': { default: './f.js' } }, './feature', './f.js'],
    [{ './pages/*': './dist/pages/*.js' }, './pages/about', './dist/pages/about.js'],
    [{ './pages/*.js': './dist/*.js' }, './pages/x.js', './dist/x.js'],
    [{ '.': null }, '.', undefined],
    [{ '.': { browser: './b.js' } }, '.', undefined],
    [{ '.': './i.js' }, './missing', undefined],
    [[{ browser: './b.js' }], '.', undefined],
  ])('resolves %j at %s to %s', (exports, subpath, expected) => {
    expect(resolveExports(exports, subpath)).toBe(expected);
  });
});

describe('resolvePackage', () => {
  it('returns undefined for a package without a matching file', () => {
    const dir = tree({ 'node_modules/empty/package.json': '{"name":"empty","main":"gone.js"}' });
    expect(resolvePackage('empty', dir)).toBeUndefined();
    expect(resolvePackage('absent', dir)).toBeUndefined();
  });

  it('skips an unreadable package.json on the way up', () => {
    const dir = tree({
      'package.json': '{ not json',
      'node_modules/x/package.json': '{"name":"x"}',
      'node_modules/x/index.js': '',
    });
    expect(resolvePackage('x', dir)).toBe(`${dir}/node_modules/x/index.js`);
    expect(resolvePackage('y', dir)).toBeUndefined();
  });
});
