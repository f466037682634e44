import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCacheControl, parseCacheControl, type CacheControl } from './cache-control.ts';

describe('parseCacheControl', () => {
  it.each<[string, CacheControl]>([
    ['max-age=3600', { maxAge: 3600 }],
    ['s-maxage=60', { sMaxage: 60 }],
    ['no-cache', { noCache: true }],
    ['no-cache="Set-Cookie, X-Foo"', { noCache: ['set-cookie', 'x-foo'] }],
    ['no-cache=set-cookie', { noCache: ['set-cookie'] }],
    ['no-cache=""', { noCache: true }],
    ['no-cache="a b"', { noCache: true }],
    ['no-store', { noStore: true }],
    ['no-transform', { noTransform: true }],
    ['must-revalidate', { mustRevalidate: true }],
    ['proxy-revalidate', { proxyRevalidate: true }],
    ['must-understand, no-store', { mustUnderstand: true, noStore: true }],
    ['private', { private: true }],
    ['private="Authorization"', { private: ['authorization'] }],
    ['public', { public: true }],
    ['immutable', { immutable: true }],
    ['stale-while-revalidate=30', { staleWhileRevalidate: 30 }],
    ['stale-if-error=600', { staleIfError: 600 }],
    ['max-stale', { maxStale: true }],
    ['max-stale=10', { maxStale: 10 }],
    ['min-fresh=5', { minFresh: 5 }],
    ['only-if-cached', { onlyIfCached: true }],
    ['MAX-AGE=5, Public', { maxAge: 5, public: true }],
    ['max-age="5"', { maxAge: 5 }],
    ['max-age=99999999999', { maxAge: 2 ** 31 }],
    ['max-age=abc', { maxAge: 0 }],
    ['max-age', { maxAge: 0 }],
    ['s-maxage=-1', { sMaxage: 0 }],
    ['stale-while-revalidate=abc', {}],
    ['max-stale=x', {}],
    ['max-age=5, max-age=10', { maxAge: 5 }],
    ['no-cache, no-cache="x"', { noCache: true }],
    ['max-age=5,,  ,public', { maxAge: 5, public: true }],
    ['bad name=1, public', { public: true }],
    ['', {}],
  ])('reads %j', (header, expected) => {
    expect(parseCacheControl(header)).toEqual(expected);
  });

  it('keeps unknown directives as extensions', () => {
    expect(parseCacheControl('community="UCI", foo, bar=baz, BAZ=1')).toEqual({
      extensions: new Map<string, string | true>([
        ['community', 'UCI'],
        ['foo', true],
        ['bar', 'baz'],
        ['baz', '1'],
      ]),
    });
  });

  it('drops an extension with a broken quoted argument', () => {
    expect(parseCacheControl('foo="x, public')).toEqual({});
  });

  it.each([null, undefined])('gives an empty object for %s', (header) => {
    expect(parseCacheControl(header)).toEqual({});
  });

  it('never throws and never gives a negative age', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (header) => {
        const cc = parseCacheControl(header);
        for (const key of [
          'maxAge',
          'sMaxage',
          'staleWhileRevalidate',
          'staleIfError',
          'minFresh',
        ] as const) {
          const seconds = cc[key];
          if (seconds !== undefined) expect(seconds).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });
});

describe('formatCacheControl', () => {
  it('writes directives in a fixed order', () => {
    expect(
      formatCacheControl({
        maxAge: 60,
        public: true,
        immutable: true,
        noTransform: true,
        staleWhileRevalidate: 30,
      }),
    ).toBe('public, no-transform, immutable, max-age=60, stale-while-revalidate=30');
  });

  it.each<[CacheControl, string]>([
    [{}, ''],
    [{ noStore: true, noCache: false, public: false }, 'no-store'],
    [{ private: ['Set-Cookie'] }, 'private="Set-Cookie"'],
    [{ noCache: ['a', 'b'] }, 'no-cache="a, b"'],
    [{ noCache: true, private: true }, 'private, no-cache'],
    [{ maxStale: true }, 'max-stale'],
    [{ maxStale: 5, minFresh: 1, onlyIfCached: true }, 'only-if-cached, min-fresh=1, max-stale=5'],
    [
      { mustRevalidate: true, proxyRevalidate: true, mustUnderstand: true },
      'must-revalidate, proxy-revalidate, must-understand',
    ],
    [{ sMaxage: 0, staleIfError: 10 }, 's-maxage=0, stale-if-error=10'],
    [
      {
        extensions: new Map<string, string | true>([
          ['foo', true],
          ['Bar', 'a b'],
        ]),
      },
      'foo, bar="a b"',
    ],
    [{ extensions: new Map<string, string | true>([['x', 'tok']]) }, 'x=tok'],
  ])('formats %j as %j', (cc, expected) => {
    expect(formatCacheControl(cc)).toBe(expected);
  });

  it.each<[string, CacheControl]>([
    ['public with private', { public: true, private: true }],
    ['public with a private field list', { public: true, private: ['x'] }],
    ['an empty field list', { noCache: [] }],
    ['a field name with a space', { private: ['a b'] }],
    ['an extension named like a known directive', { extensions: new Map([['Max-Age', '5']]) }],
    ['an extension name with a space', { extensions: new Map([['a b', true]]) }],
  ])('throws a TypeError for %s', (_, cc) => {
    expect(() => formatCacheControl(cc)).toThrow(TypeError);
  });

  it.each<[string, CacheControl]>([
    ['a negative max-age', { maxAge: -1 }],
    ['a fractional s-maxage', { sMaxage: 1.5 }],
    ['an infinite stale-if-error', { staleIfError: Infinity }],
    ['a negative max-stale', { maxStale: -5 }],
  ])('throws a RangeError for %s', (_, cc) => {
    expect(() => formatCacheControl(cc)).toThrow(RangeError);
  });

  it('reads back what it wrote', () => {
    const age = fc.nat({ max: 2 ** 31 });
    const fields = fc.array(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), {
      minLength: 1,
      maxLength: 3,
    });
    const flag = fc.constant(true);
    const cc = fc.record(
      {
        maxAge: age,
        sMaxage: age,
        noCache: fc.oneof(flag, fields),
        noStore: flag,
        noTransform: flag,
        mustRevalidate: flag,
        proxyRevalidate: flag,
        mustUnderstand: flag,
        private: fc.oneof(flag, fields),
        immutable: flag,
        staleWhileRevalidate: age,
        staleIfError: age,
        maxStale: fc.oneof(flag, age),
        minFresh: age,
        onlyIfCached: flag,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(cc, (value) => {
        expect(parseCacheControl(formatCacheControl(value))).toEqual(value);
      }),
    );
  });
});
