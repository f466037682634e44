import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeCookie } from '../core/cookies.ts';
import { formatETag } from '../core/etag.ts';
import { formatHttpDate } from '../core/http-date.ts';
import { foldedCookieName, isEntityTag, isImfFixdate, uriReferenceProblem } from './field-rules.ts';

const MIN_DATE = Date.parse('0000-01-01T00:00:00Z');
const MAX_DATE = Date.parse('9999-12-31T23:59:59Z');

describe('isImfFixdate', () => {
  it('accepts every date formatHttpDate writes', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_DATE, max: MAX_DATE }), (ms) => {
        expect(isImfFixdate(formatHttpDate(ms))).toBe(true);
      }),
    );
  });

  it.each([
    ['the RFC 850 form', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['the asctime form', 'Sun Nov  6 08:49:37 1994'],
    ['lowercase names', 'sun, 06 nov 1994 08:49:37 gmt'],
    ['a numeric zone', 'Sun, 06 Nov 1994 08:49:37 +0000'],
    ['a day that does not exist', 'Mon, 30 Feb 2026 00:00:00 GMT'],
    ['a one-digit day', 'Sun, 6 Nov 1994 08:49:37 GMT'],
    ['a Unix timestamp', '784111777'],
    ['two dates joined', 'Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT'],
  ])('rejects %s', (_, value) => {
    expect(isImfFixdate(value)).toBe(false);
  });
});

describe('uriReferenceProblem', () => {
  it('accepts every absolute http(s) URL', () => {
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), (url) => {
        expect(uriReferenceProblem(new URL(url).href)).toBeUndefined();
      }),
    );
  });

  it.each([
    ['an absolute URL', 'https://example.com/a?b=c#d'],
    ['a path', '/a/b'],
    ['a relative path with dots', '../up'],
    ['a query only', '?page=2'],
    ['a scheme-relative URL', '//cdn.example.com/x'],
    ['percent escapes', '/caf%C3%A9'],
    ['a mailto URI', 'mailto:a@example.com'],
  ])('accepts %s', (_, value) => {
    expect(uriReferenceProblem(value)).toBeUndefined();
  });

  it.each([
    ['an empty value', '', 'empty'],
    ['a space', '/a b', 'characters'],
    ['raw non-ASCII', '/café', 'characters'],
    ['a quote', '/"x"', 'characters'],
    ['a lone percent', '/100%', '%'],
    ['a bad escape', '/%zz', '%'],
    ['a host the URL parser refuses', 'http://exa[mple.com/', 'rejects'],
  ])('rejects %s', (_, value, why) => {
    expect(uriReferenceProblem(value)).toContain(why);
  });
});

describe('isEntityTag', () => {
  it('accepts every tag formatETag writes', () => {
    // etagc = %x21 / %x23-7E / obs-text (RFC 9110 §8.8.3)
    const etagc = fc
      .oneof(
        fc.constant(0x21),
        fc.integer({ min: 0x23, max: 0x7e }),
        fc.integer({ min: 0x80, max: 0xff }),
      )
      .map((code) => String.fromCharCode(code));
    fc.assert(
      fc.property(fc.array(etagc, { maxLength: 20 }), fc.boolean(), (chars, weak) => {
        expect(isEntityTag(formatETag(chars.join(''), weak))).toBe(true);
      }),
    );
  });

  it.each([['abc'], ['w/"abc"'], ['"a"b"'], ['"a" "b"'], ['W/abc'], ['"a b"']])(
    'rejects %s',
    (value) => {
      expect(isEntityTag(value)).toBe(false);
    },
  );
});

describe('foldedCookieName', () => {
  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,8}$/);
  const cookie = fc.record({
    name: token,
    value: fc.string({ maxLength: 20 }),
    expires: fc.integer({ min: 0, max: MAX_DATE }),
    path: fc.constantFrom('/', '/a', '/a/b'),
  });

  it('finds nothing in any single cookie serializeCookie writes', () => {
    fc.assert(
      fc.property(cookie, ({ name, value, expires, path }) => {
        expect(
          foldedCookieName(serializeCookie(name, value, { expires: new Date(expires), path })),
        ).toBeUndefined();
      }),
    );
  });

  it('names the second cookie of two joined with a comma', () => {
    fc.assert(
      fc.property(cookie, cookie, (a, b) => {
        const joined = [a, b]
          .map((c) =>
            serializeCookie(c.name, c.value, { expires: new Date(c.expires), path: c.path }),
          )
          .join(', ');
        expect(foldedCookieName(joined)).toBe(b.name);
      }),
    );
  });

  it.each([
    ['a=1,b=2', 'b'],
    ['a=1; Secure,\tb=2', 'b'],
    ['a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT, sid=x', 'sid'],
  ])('finds the fold in %s', (value, name) => {
    expect(foldedCookieName(value)).toBe(name);
  });

  it.each([
    ['an Expires date', 'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT'],
    ['an RFC 850 Expires date', 'a=1; Expires=Wednesday, 21-Oct-15 07:28:00 GMT'],
    ['a comma with no cookie after it', 'a=1; Path=/a,b'],
  ])('finds none in %s', (_, value) => {
    expect(foldedCookieName(value)).toBeUndefined();
  });
});
