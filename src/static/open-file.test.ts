import { describe, expect, it } from 'vitest';
import { fill, scratch } from '../../test/static/tree.ts';
import { failureOf, isInside, openInside } from './open-file.ts';

describe('isInside()', () => {
  it.each([
    ['/srv/www', '/srv/www', true],
    ['/srv/www', '/srv/www/a.txt', true],
    ['/srv/www/', '/srv/www/a.txt', true],
    ['/srv/www', '/srv/www-evil/a.txt', false],
    ['/srv/www', '/srv', false],
    ['/', '/etc/passwd', true],
  ])('%s contains %s: %s', (root, path, inside) => {
    expect(isInside(root, path)).toBe(inside);
  });
});

describe('failureOf()', () => {
  it.each([
    ['ENOENT', 'missing'],
    ['ENOTDIR', 'missing'],
    ['ELOOP', 'missing'],
    ['ENAMETOOLONG', 'missing'],
    ['EACCES', 'forbidden'],
    ['EPERM', 'forbidden'],
  ])('reads %s as %s', (code, failure) => {
    expect(failureOf(Object.assign(new Error(code), { code }))).toBe(failure);
  });

  it('throws anything else again (too many open files is the server’s problem)', () => {
    const error = Object.assign(new Error('EMFILE'), { code: 'EMFILE' });
    expect(() => failureOf(error)).toThrow(error);
  });
});

describe('openInside()', () => {
  it('refuses a sibling directory whose name starts with the root’s', async () => {
    const base = fill(scratch(), { 'www/a': 'a', 'www-evil/b': 'b' });
    expect(await openInside(`${base}/www`, `${base}/www-evil/b`, true)).toBe('missing');
  });

  it('refuses a final symlink when symlinks are not followed', async () => {
    const base = fill(scratch(), { 'a.txt': 'a', 'l.txt': { symlink: 'a.txt' } });
    expect(await openInside(base, `${base}/l.txt`, false)).toBe('missing');
  });

  it('opens a regular file and reports its canonical path', async () => {
    const base = fill(scratch(), { 'a.txt': 'a' });
    const opened = await openInside(base, `${base}/a.txt`, false);
    if (typeof opened === 'string') throw new Error(opened);
    expect([opened.path, opened.stats.size]).toEqual([`${base}/a.txt`, 1]);
    opened.file.close();
  });
});
