import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatContentDisposition, parseContentDisposition } from './content-disposition.ts';
import { hasControl } from './header-syntax.ts';

// C0, DEL and C1: what formatContentDisposition drops from a file name.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

describe('formatContentDisposition', () => {
  it.each<[string, 'attachment' | 'inline', string | undefined, string]>([
    ['a bare type', 'attachment', undefined, 'attachment'],
    ['inline', 'inline', 'a.txt', 'inline; filename="a.txt"'],
    ['an ASCII name', 'attachment', 'report 2024.pdf', 'attachment; filename="report 2024.pdf"'],
    [
      'quotes and backslashes',
      'attachment',
      'say "hi".txt',
      'attachment; filename="say \\"hi\\".txt"',
    ],
    ['a Unix path', 'attachment', '/etc/passwd', 'attachment; filename="passwd"'],
    ['a Windows path', 'attachment', 'C:\\Users\\me\\a.txt', 'attachment; filename="a.txt"'],
    ['a traversal', 'attachment', '../../secret', 'attachment; filename="secret"'],
    [
      'CR LF',
      'attachment',
      'a\r\nSet-Cookie: x=1.txt',
      'attachment; filename="aSet-Cookie: x=1.txt"',
    ],
    ['a trailing slash', 'attachment', 'dir/', 'attachment'],
    ['".."', 'attachment', '..', 'attachment'],
    ['"."', 'attachment', 'x/.', 'attachment'],
    ['only control characters', 'attachment', '\u0000\u0085', 'attachment'],
    [
      'accents',
      'attachment',
      'résumé.pdf',
      'attachment; filename="resume.pdf"; filename*=UTF-8\'\'r%C3%A9sum%C3%A9.pdf',
    ],
    [
      'a non-Latin name',
      'attachment',
      '€ 日本.txt',
      'attachment; filename="_ __.txt"; filename*=UTF-8\'\'%E2%82%AC%20%E6%97%A5%E6%9C%AC.txt',
    ],
    [
      'an emoji',
      'attachment',
      '😀.png',
      'attachment; filename="_.png"; filename*=UTF-8\'\'%F0%9F%98%80.png',
    ],
    [
      'a lone surrogate',
      'attachment',
      '\ud800.png',
      'attachment; filename="_.png"; filename*=UTF-8\'\'%EF%BF%BD.png',
    ],
    [
      'characters outside attr-char',
      'attachment',
      "é'()*.txt",
      "attachment; filename=\"e'()*.txt\"; filename*=UTF-8''%C3%A9%27%28%29%2A.txt",
    ],
    [
      'a percent escape',
      'attachment',
      'a%20b.txt',
      'attachment; filename="a%20b.txt"; filename*=UTF-8\'\'a%2520b.txt',
    ],
  ])('formats %s', (_, type, filename, expected) => {
    expect(formatContentDisposition(type, filename)).toBe(expected);
  });

  it('defaults to attachment', () => {
    expect(formatContentDisposition()).toBe('attachment');
  });

  it('throws a TypeError for another type', () => {
    expect(() => formatContentDisposition('form-data' as 'inline', 'a')).toThrow(TypeError);
  });

  it('never emits a control character and reads back to the cleaned base name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (name) => {
        const header = formatContentDisposition('attachment', name);
        expect(hasControl(header)).toBe(false);
        const base = name.toWellFormed().replace(CONTROLS, '').split(/[/\\]/).pop();
        const expected = base === '' || base === '.' || base === '..' ? undefined : base;
        expect(parseContentDisposition(header)?.filename).toBe(expected);
      }),
    );
  });
});

describe('parseContentDisposition', () => {
  it('reads the type and parameters', () => {
    expect(parseContentDisposition('form-data; name="field"; filename="a.txt"')).toEqual({
      type: 'form-data',
      params: new Map([
        ['name', 'field'],
        ['filename', 'a.txt'],
      ]),
      filename: 'a.txt',
    });
  });

  it.each([
    ['a token filename', 'attachment; filename=a.txt', 'a.txt'],
    ['an escaped quote', 'attachment; filename="a\\"b.txt"', 'a"b.txt'],
    ['a semicolon inside quotes', 'attachment; filename="a;b.txt"', 'a;b.txt'],
    [
      'filename* over filename',
      'attachment; filename="e.txt"; filename*=UTF-8\'\'%E2%82%AC.txt',
      '€.txt',
    ],
    [
      'filename* before filename',
      'attachment; filename*=utf-8\'en\'%E2%82%AC.txt; filename="e.txt"',
      '€.txt',
    ],
    ['ISO-8859-1', "attachment; filename*=ISO-8859-1''%A3%20rates.txt", '£ rates.txt'],
    [
      'an unknown charset, falling back',
      "attachment; filename=x.txt; filename*=KOI8-R''%C1",
      'x.txt',
    ],
    ['bad UTF-8, falling back', "attachment; filename=x.txt; filename*=UTF-8''%C3", 'x.txt'],
    ['a bad escape, falling back', "attachment; filename=x.txt; filename*=UTF-8''%ZZ", 'x.txt'],
    [
      'a malformed ext-value, falling back',
      'attachment; filename=x.txt; filename*=nonsense',
      'x.txt',
    ],
    ['the first of a repeated filename', 'attachment; filename=a; filename=b', 'a'],
    ['a malformed parameter among good ones', 'attachment; junk; filename=a', 'a'],
    ['uppercase names', 'ATTACHMENT; FILENAME=a', 'a'],
  ])('reads %s', (_, header, filename) => {
    expect(parseContentDisposition(header)?.filename).toBe(filename);
  });

  it('lowercases the type', () => {
    expect(parseContentDisposition('INLINE')?.type).toBe('inline');
  });

  it('gives no filename when there is none', () => {
    expect(parseContentDisposition('inline')).toEqual({ type: 'inline', params: new Map() });
  });

  it.each([null, undefined, '', '; filename=a', 'bad type; filename=a'])(
    'gives undefined for %j',
    (value) => {
      expect(parseContentDisposition(value)).toBeUndefined();
    },
  );

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (value) => {
        expect(() => parseContentDisposition(`attachment; ${value}`)).not.toThrow();
      }),
    );
  });
});
