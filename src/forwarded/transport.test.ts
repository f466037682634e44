import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeTransported,
  encodeTransported,
  isPrivateHeader,
  transportedKey,
  type TransportKind,
} from './transport.ts';

describe('encodeTransported', () => {
  it.each([
    ['str', 0, 'REMOTE_USER', 'bob', 'x-wsgiproxy-str-0', 'REMOTE_USER bob'],
    ['unicode', 3, 'beaker.session', 'abc', 'x-wsgiproxy-unicode-3', 'beaker.session abc'],
    ['json', 0, 'cfg', { a: [1, 2] }, 'x-wsgiproxy-json-0', 'cfg {"a":[1,2]}'],
    ['json', 1, 'n', null, 'x-wsgiproxy-json-1', 'n null'],
    [
      'str',
      2,
      'weird',
      'b64 leading\nnewline',
      'x-wsgiproxy-str-2',
      'weird b64YjY0IGxlYWRpbmcKbmV3bGluZQ==',
    ],
    ['str', 0, 'a b/c', 'v', 'x-wsgiproxy-str-0', 'a%20b/c v'],
  ] as const)('encodes %s #%d %j = %j', (kind, index, name, value, header, wire) => {
    expect(encodeTransported(kind, index, name, value)).toEqual([header, wire]);
  });

  it.each([
    ['an empty value', ''],
    ['a leading space', ' x'],
    ['a trailing space', 'x '],
    ['a tab', 'a\tb'],
    ['DEL', 'a\x7fb'],
    ['NUL', 'a\x00b'],
    ['a non-ASCII character', 'café'],
    ['a value that starts with b64', 'b64abc'],
  ])('base64-encodes %s', (_label, value) => {
    const [, wire] = encodeTransported('str', 0, 'k', value);
    expect(wire).toBe(`k b64${Buffer.from(value, 'utf8').toString('base64')}`);
  });

  it.each([
    ['a negative index', 'str', -1, 'k', 'v'],
    ['a fractional index', 'str', 1.5, 'k', 'v'],
    ['an empty name', 'str', 0, '', 'v'],
    ['a non-string str value', 'str', 0, 'k', 42],
    ['a lone surrogate', 'unicode', 0, 'k', 'a\ud800'],
    ['a value with no JSON form', 'json', 0, 'k', undefined],
  ] as const)('throws TypeError for %s', (_label, kind, index, name, value) => {
    expect(() => encodeTransported(kind, index, name, value)).toThrow(TypeError);
  });
});

describe('decodeTransported', () => {
  // The values Python WSGIProxy put on the wire (spec §1.8, §1.9).
  it.each([
    ['X-Wsgiproxy-Str-0', 'REMOTE_USER bob', 'str', 0, 'REMOTE_USER', 'bob'],
    [
      'X-Wsgiproxy-Str-2',
      'weird b64YjY0IGxlYWRpbmcKbmV3bGluZQ==',
      'str',
      2,
      'weird',
      'b64 leading\nnewline',
    ],
    ['X-Wsgiproxy-Json-0', 'cfg {"a": [1, 2]}', 'json', 0, 'cfg', { a: [1, 2] }],
    ['X-WSGIProxy-Unicode-1', 'u caf\xc3\xa9', 'unicode', 1, 'u', 'café'],
    ['x-wsgiproxy-str-0', 'KEY', 'str', 0, 'KEY', ''],
    ['x-wsgiproxy-str-0', 'beaker.session  two  spaces', 'str', 0, 'beaker.session', 'two  spaces'],
    ['x-wsgiproxy-str-0', 'a%20b%2Fc v', 'str', 0, 'a b/c', 'v'],
  ])('decodes %s: %j', (header, wire, kind, index, name, value) => {
    expect(decodeTransported(header, wire)).toEqual({ kind, index, name, value });
  });

  it.each(['x-forwarded-for', 'x-wsgiproxy-version', 'x-wsgiproxy-str-', 'x-wsgiproxy-str-x'])(
    'returns undefined for %s, which is not a transport header',
    (header) => {
      expect(decodeTransported(header, 'a b')).toBeUndefined();
    },
  );

  it('refuses a pickle header', () => {
    expect(() => decodeTransported('X-Wsgiproxy-Pickle-0', 'obj b64KEkxClMneCcKdHAxCi4=')).toThrow(
      'pickle transport is not supported',
    );
  });

  it.each([
    ['an empty value', ''],
    ['malformed base64', 'k b64!!!!'],
    ['base64 without padding', 'k b64YQ'],
    ['base64 of invalid UTF-8', `k b64${Buffer.from([0xff, 0xfe]).toString('base64')}`],
    ['raw invalid UTF-8', 'k \xff'],
    ['a malformed quoted name', 'k%zz v'],
  ])('throws TypeError for %s', (_label, wire) => {
    expect(() => decodeTransported('x-wsgiproxy-str-0', wire)).toThrow(TypeError);
  });

  it('throws TypeError for a Json header that is not JSON', () => {
    expect(() => decodeTransported('x-wsgiproxy-json-0', 'k {oops')).toThrow(TypeError);
  });

  it('round-trips any well-formed string through str and unicode', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<TransportKind>('str', 'unicode'),
        fc.nat(1000),
        fc.string({ unit: 'binary', minLength: 1 }),
        fc.string({ unit: 'binary' }),
        (kind, index, name, value) => {
          const [header, wire] = encodeTransported(kind, index, name, value);
          expect(new Headers([[header, wire]]).get(header)).toBe(wire);
          expect(decodeTransported(header, wire)).toEqual({ kind, index, name, value });
        },
      ),
    );
  });

  it('round-trips any JSON value', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.jsonValue(), (name, value) => {
        const [header, wire] = encodeTransported('json', 0, name, value);
        expect(new Headers([[header, wire]]).get(header)).toBe(wire);
        // JSON has no -0: it comes back as 0, which is what the sender's JSON said.
        expect(decodeTransported(header, wire)?.value).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe('transportedKey', () => {
  it('returns the same key for the same name', () => {
    expect(transportedKey('tenant')).toBe(transportedKey('tenant'));
  });

  it('returns different keys for different names', () => {
    expect(transportedKey('a')).not.toBe(transportedKey('b'));
  });
});

describe('isPrivateHeader', () => {
  it.each([
    ['forwarded', true],
    ['x-forwarded-for', true],
    ['x-forwarded-script-name', true],
    ['x-script-name', true],
    ['x-traversal-path', true],
    ['x-wsgiproxy-signature', true],
    ['x-wsgiproxy-str-0', true],
    ['cookie', false],
    ['x-forwarded', false],
    ['x-real-ip', false],
  ])('says %s → %s', (name, expected) => {
    expect(isPrivateHeader(name)).toBe(expected);
  });
});
