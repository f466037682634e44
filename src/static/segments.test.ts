import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isHiddenDotfile, isPlainName, splitPath } from './segments.ts';

describe('splitPath()', () => {
  it.each([
    ['', [], false],
    ['/', [], true],
    ['/a.txt', ['a.txt'], false],
    ['/docs/', ['docs'], true],
    ['/a%20b/c%2Bd.txt', ['a b', 'c+d.txt'], false],
    ['//docs//a.txt', ['docs', 'a.txt'], false],
    ['/caf%C3%A9.txt', ['café.txt'], false],
    ['/.well-known/acme-challenge/x', ['.well-known', 'acme-challenge', 'x'], false],
    ['/a;b=c', ['a;b=c'], false],
    ['/%252e%252e/x', ['%2e%2e', 'x'], false],
  ])('reads %j as %j', (path, names, trailingSlash) => {
    expect(splitPath(path, 'deny')).toEqual({ names, trailingSlash });
  });

  it.each([
    ['dot-dot', '/../etc/passwd'],
    ['dot', '/./a.txt'],
    ['encoded dot-dot', '/%2e%2e/etc/passwd'],
    ['mixed-case encoded dot-dot', '/%2E%2e/etc/passwd'],
    ['half-encoded dot-dot', '/.%2e/etc/passwd'],
    ['encoded slash', '/..%2fetc%2fpasswd'],
    ['encoded slash inside a name', '/docs%2Fsecret.txt'],
    ['encoded backslash', '/..%5c..%5cetc%5cpasswd'],
    ['raw backslash', '/..\\etc\\passwd'],
    ['NUL before an extension', '/secret.txt%00.html'],
    ['overlong UTF-8 dot', '/%c0%ae%c0%ae/etc/passwd'],
    ['overlong UTF-8 slash', '/..%c0%afetc'],
    ['a lone continuation byte', '/%80.txt'],
    ['a truncated escape', '/a%2'],
    ['a bad escape', '/a%zz'],
    ['a dotfile', '/.env'],
    ['a dot directory', '/.git/config'],
    ['a dotfile deeper down', '/app/.htpasswd'],
    ['an encoded dotfile', '/%2eenv'],
  ])('refuses %s (%s)', (_what, path) => {
    expect(splitPath(path, 'deny')).toBeUndefined();
  });

  it('serves dotfiles when they are allowed', () => {
    expect(splitPath('/.env', 'allow')).toEqual({ names: ['.env'], trailingSlash: false });
  });

  it('still refuses dot-dot when dotfiles are allowed', () => {
    expect(splitPath('/%2e%2e/x', 'allow')).toBeUndefined();
  });

  it('never yields a name that could leave its directory, whatever the input', () => {
    const piece = fc.constantFrom(
      '.',
      '..',
      '%2e',
      '%2E',
      '%2f',
      '%5c',
      '%00',
      '/',
      '\\',
      'a',
      '%',
      '%c0%ae',
      '%25',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), (pieces) => {
        const result = splitPath(`/${pieces.join('')}`, 'allow');
        for (const name of result?.names ?? []) {
          expect(isPlainName(name)).toBe(true);
        }
      }),
    );
  });
});

describe('isHiddenDotfile()', () => {
  it.each([
    ['.env', 'deny', true],
    ['.well-known', 'deny', false],
    ['a.txt', 'deny', false],
    ['.env', 'allow', false],
  ] as const)('%s with %s is %s', (name, policy, hidden) => {
    expect(isHiddenDotfile(name, policy)).toBe(hidden);
  });
});
