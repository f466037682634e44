import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseForwarded, parseHost, parseNode, parsePrefix, rightmost } from './syntax.ts';

const plain = (elements: ReturnType<typeof parseForwarded>): Record<string, string>[] =>
  elements.map((element) => Object.fromEntries(element));

describe('parseForwarded', () => {
  // The examples of RFC 7239 §4 and §7.
  it.each([
    ['for="_gazonk"', [{ for: '_gazonk' }]],
    ['For="[2001:db8:cafe::17]:4711"', [{ for: '[2001:db8:cafe::17]:4711' }]],
    [
      'for=192.0.2.60;proto=http;by=203.0.113.43',
      [{ for: '192.0.2.60', proto: 'http', by: '203.0.113.43' }],
    ],
    ['for=192.0.2.43, for=198.51.100.17', [{ for: '192.0.2.43' }, { for: '198.51.100.17' }]],
    [
      'for=192.0.2.43,for="[2001:db8:cafe::17]",for=unknown',
      [{ for: '192.0.2.43' }, { for: '[2001:db8:cafe::17]' }, { for: 'unknown' }],
    ],
    ['for="a\\"b"', [{ for: 'a"b' }]],
    [' for=a ; proto=https ', [{ for: 'a', proto: 'https' }]],
  ])('parses %j', (value, expected) => {
    expect(plain(parseForwarded(value))).toEqual(expected);
  });

  it.each(['for=', 'for', 'for=a b', 'for="unterminated', 'for=a;for=b', '=a', 'for=[::1]'])(
    'refuses %j',
    (value) => {
      expect(() => parseForwarded(value)).toThrow(TypeError);
    },
  );

  it('only ever throws TypeError, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (value) => {
        try {
          parseForwarded(value);
        } catch (error) {
          expect(error).toBeInstanceOf(TypeError);
        }
      }),
    );
  });
});

describe('parseNode', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1', 0],
    ['192.0.2.1:8080', '192.0.2.1', 8080],
    ['2001:db8::1', '2001:db8::1', 0],
    ['[2001:db8::1]', '2001:db8::1', 0],
    ['[2001:db8::1]:443', '2001:db8::1', 443],
    ['UNKNOWN', 'unknown', 0],
    ['_hidden:_p', '_hidden', 0],
  ])('parses %j', (value, address, port) => {
    expect(parseNode(value, 'X')).toEqual({ address, port });
  });

  it.each([
    'example.com',
    '192.0.2.1:0',
    '192.0.2.1:x',
    '[2001:db8::1',
    '[192.0.2.1]',
    '[::1]x',
    '',
  ])('refuses %j', (value) => {
    expect(() => parseNode(value, 'X')).toThrow(TypeError);
  });
});

describe('parseHost', () => {
  it.each([
    'example.com',
    'Example.COM:8080',
    '[2001:db8::a]',
    '[2001:db8::a]:9000',
    'xn--bcher-kva.example',
  ])('accepts %j', (value) => {
    expect(parseHost(value, 'X')).toBe(value.toLowerCase());
  });

  it.each(['', 'a b', 'a/b', 'a:99999', '[nope]', 'a@b:x'])('refuses %j', (value) => {
    expect(() => parseHost(value, 'X')).toThrow(TypeError);
  });
});

describe('parsePrefix', () => {
  it.each([
    ['/a/b/', '/a/b'],
    ['/', ''],
    ['', ''],
    ['/a%20b', '/a%20b'],
  ])('normalises %j to %j', (value, expected) => {
    expect(parsePrefix(value, 'X')).toBe(expected);
  });

  it('adds the leading slash when it is optional', () => {
    expect(parsePrefix('myapp', 'X', true)).toBe('/myapp');
  });

  it.each(['a', '/a b', '/a/../b', '/%2e%2e/x', '/./x', '/a?b', '/a#b'])('refuses %j', (value) => {
    expect(() => parsePrefix(value, 'X')).toThrow(TypeError);
  });
});

describe('rightmost', () => {
  it.each([
    ['a, b, c', 1, 'c'],
    ['a, b, c', 3, 'a'],
    ['a, b', 3, undefined],
    ['a', 0, undefined],
    [', b', 2, undefined],
    [null, 1, undefined],
  ])('picks from %j with %d hops: %j', (value, hops, expected) => {
    expect(rightmost(value, hops)).toBe(expected);
  });
});
