import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  fieldValue,
  hasControl,
  isToken,
  parseParameter,
  quoteIfNeeded,
  splitList,
  splitOutsideQuotes,
  trimOws,
  unquote,
} from './header-syntax.ts';

describe('isToken', () => {
  it.each([
    ['gzip', true],
    ["!#$%&'*+-.^_`|~09AZaz", true],
    ['', false],
    ['a b', false],
    ['a,b', false],
    ['a"b', false],
    ['a/b', false],
    ['é', false],
  ])('answers %j → %s', (value, expected) => {
    expect(isToken(value)).toBe(expected);
  });
});

describe('hasControl', () => {
  it.each([
    ['plain', false],
    ['with\ttab', false],
    ['with\rcr', true],
    ['with\nlf', true],
    ['with\u0000nul', true],
    ['with\u007fdel', true],
    ['é€', false],
  ])('answers %j → %s', (value, expected) => {
    expect(hasControl(value)).toBe(expected);
  });
});

describe('trimOws', () => {
  it.each([
    ['  a b \t', 'a b'],
    ['\t\t', ''],
    ['a', 'a'],
    ['\na\n', '\na\n'],
  ])('trims %j to %j', (value, expected) => {
    expect(trimOws(value)).toBe(expected);
  });

  it('stays linear on long runs of inner whitespace', () => {
    const value = `a${' '.repeat(200_000)}b`;
    expect(trimOws(value)).toBe(value);
  });
});

describe('splitOutsideQuotes', () => {
  it.each<[string, ',' | ';', string[]]>([
    ['a, b ,c', ',', ['a', 'b', 'c']],
    ['a,,b', ',', ['a', '', 'b']],
    ['"a,b", c', ',', ['"a,b"', 'c']],
    ['"a\\",b", c', ',', ['"a\\",b"', 'c']],
    ['"open, c', ',', ['"open, c']],
    ['x; y="1;2"; z', ';', ['x', 'y="1;2"', 'z']],
    ['', ',', ['']],
  ])('splits %j on %j', (value, sep, expected) => {
    expect(splitOutsideQuotes(value, sep)).toEqual(expected);
  });
});

describe('splitList', () => {
  it('drops empty members', () => {
    expect(splitList(' , a ,, b , ')).toEqual(['a', 'b']);
  });
});

describe('unquote', () => {
  it.each([
    ['"abc"', 'abc'],
    ['""', ''],
    ['"a\\"b"', 'a"b'],
    ['"a\\\\b"', 'a\\b'],
    ['abc', undefined],
    ['"abc', undefined],
    ['"a"b', undefined],
    ['"a\\"', undefined],
    ['"a\\', undefined],
    ['"', undefined],
  ])('reads %j as %j', (value, expected) => {
    expect(unquote(value)).toBe(expected);
  });

  it('reads back what quoteIfNeeded wrote', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const quoted = quoteIfNeeded(value);
        expect(quoted.startsWith('"') ? unquote(quoted) : quoted).toBe(value);
      }),
    );
  });
});

describe('parseParameter', () => {
  it.each([
    ['a=b', { name: 'a', value: 'b' }],
    ['A = "b c"', { name: 'a', value: 'b c' }],
    ['a=', undefined],
    ['a', undefined],
    ['=b', undefined],
    ['a=b c', undefined],
    ['a="b', undefined],
  ])('reads %j', (part, expected) => {
    expect(parseParameter(part)).toEqual(expected);
  });
});

describe('fieldValue', () => {
  it('reads a header of a request', () => {
    expect(fieldValue(new Request('http://x/', { headers: { accept: 'a' } }), 'accept')).toBe('a');
  });

  it('passes a string through', () => {
    expect(fieldValue('a', 'accept')).toBe('a');
  });

  it.each([null, undefined])('gives null for %s', (input) => {
    expect(fieldValue(input, 'accept')).toBeNull();
  });
});
