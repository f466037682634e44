import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateConditions,
  formatETag,
  ifRangeMatches,
  parseETag,
  parseETagList,
  strongMatch,
  weakMatch,
  type CurrentValidators,
} from './etag.ts';

const T0 = Date.UTC(2024, 0, 1, 12, 0, 0);
const DATE = 'Mon, 01 Jan 2024 12:00:00 GMT';
const EARLIER = 'Mon, 01 Jan 2024 11:00:00 GMT';
const LATER = 'Mon, 01 Jan 2024 13:00:00 GMT';

function req(method: string, headers: Record<string, string>): Request {
  return new Request('http://x/', { method, headers });
}

describe('formatETag', () => {
  it.each([
    ['abc', false, '"abc"'],
    ['abc', true, 'W/"abc"'],
    ['', false, '""'],
    ['a,b\\c', false, '"a,b\\c"'],
  ])('formats %j (weak: %s) as %s', (value, weak, expected) => {
    expect(formatETag(value, weak)).toBe(expected);
  });

  it.each(['a"b', 'a b', 'a\nb', '€'])('throws a TypeError for %j', (value) => {
    expect(() => formatETag(value)).toThrow(TypeError);
  });
});

describe('parseETag', () => {
  it.each([
    ['"abc"', { weak: false, value: 'abc' }],
    ['W/"abc"', { weak: true, value: 'abc' }],
    [' "abc" ', { weak: false, value: 'abc' }],
    ['""', { weak: false, value: '' }],
  ])('reads %j', (text, tag) => {
    expect(parseETag(text)).toEqual(tag);
  });

  it.each(['abc', 'w/"abc"', '"abc', '"a" "b"', '"a", "b"', '"a b"', '*'])(
    'gives undefined for %j',
    (text) => {
      expect(parseETag(text)).toBeUndefined();
    },
  );
});

describe('parseETagList', () => {
  it.each([
    ['*', '*'],
    [' * ', '*'],
    ['"a"', [{ weak: false, value: 'a' }]],
    [
      '"a", W/"b" ,"c"',
      [
        { weak: false, value: 'a' },
        { weak: true, value: 'b' },
        { weak: false, value: 'c' },
      ],
    ],
    [
      '"a,b", "c"',
      [
        { weak: false, value: 'a,b' },
        { weak: false, value: 'c' },
      ],
    ],
    [
      '"a\\", "b"',
      [
        { weak: false, value: 'a\\' },
        { weak: false, value: 'b' },
      ],
    ],
    [',,"a",,', [{ weak: false, value: 'a' }]],
    ['unquoted, "b"', [{ weak: false, value: 'b' }]],
    ['w/"a", "b"', [{ weak: false, value: 'b' }]],
    ['"a"x, "b"', [{ weak: false, value: 'b' }]],
    ['"a b", "c"', [{ weak: false, value: 'c' }]],
    ['*, "a"', [{ weak: false, value: 'a' }]],
    ['"a", "unterminated', [{ weak: false, value: 'a' }]],
    ['', []],
  ])('reads %j', (header, expected) => {
    expect(parseETagList(header)).toEqual(expected);
  });

  it.each([null, undefined])('gives an empty list for %s', (header) => {
    expect(parseETagList(header)).toEqual([]);
  });

  it('reads back any list of formatted tags', () => {
    const opaque = fc.stringMatching(/^[\x21\x23-\x7e]{0,12}$/);
    fc.assert(
      fc.property(fc.array(fc.record({ weak: fc.boolean(), value: opaque })), (tags) => {
        expect(parseETagList(tags.map((t) => formatETag(t.value, t.weak)).join(', '))).toEqual(
          tags,
        );
      }),
    );
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (header) => {
        expect(() => parseETagList(header)).not.toThrow();
      }),
    );
  });
});

describe('strongMatch and weakMatch', () => {
  // The comparison table of RFC 9110 §8.8.3.2.
  it.each([
    ['W/"1"', 'W/"1"', false, true],
    ['W/"1"', 'W/"2"', false, false],
    ['W/"1"', '"1"', false, true],
    ['"1"', '"1"', true, true],
  ])('compares %s with %s: strong %s, weak %s', (a, b, strong, weak) => {
    expect(strongMatch(a, b)).toBe(strong);
    expect(weakMatch(a, b)).toBe(weak);
  });

  it('accepts parsed tags', () => {
    expect(strongMatch({ weak: false, value: '1' }, '"1"')).toBe(true);
  });

  it('never matches an unreadable tag', () => {
    expect(weakMatch('1', '1')).toBe(false);
    expect(strongMatch('1', '1')).toBe(false);
  });
});

describe('evaluateConditions', () => {
  const current: CurrentValidators = { etag: '"v2"', lastModified: T0 };

  it.each<[string, string, Record<string, string>, CurrentValidators, string]>([
    ['no conditions', 'GET', {}, current, 'none'],
    ['If-Match matching', 'PUT', { 'if-match': '"v1", "v2"' }, current, 'none'],
    ['If-Match not matching', 'PUT', { 'if-match': '"v1"' }, current, 'precondition-failed'],
    [
      'If-Match against a weak tag',
      'PUT',
      { 'if-match': 'W/"v2"' },
      current,
      'precondition-failed',
    ],
    [
      'If-Match against a weak current tag',
      'PUT',
      { 'if-match': '"v2"' },
      { etag: 'W/"v2"' },
      'precondition-failed',
    ],
    ['If-Match: * with a representation', 'PUT', { 'if-match': '*' }, current, 'none'],
    [
      'If-Match: * without one',
      'PUT',
      { 'if-match': '*' },
      { exists: false },
      'precondition-failed',
    ],
    [
      'If-Match without a current tag',
      'PUT',
      { 'if-match': '"v2"' },
      { lastModified: T0 },
      'precondition-failed',
    ],
    ['If-Match: unreadable', 'PUT', { 'if-match': 'garbage' }, current, 'precondition-failed'],
    ['If-Unmodified-Since not modified', 'PUT', { 'if-unmodified-since': DATE }, current, 'none'],
    [
      'If-Unmodified-Since modified',
      'PUT',
      { 'if-unmodified-since': EARLIER },
      current,
      'precondition-failed',
    ],
    ['If-Unmodified-Since unreadable', 'PUT', { 'if-unmodified-since': 'soon' }, current, 'none'],
    [
      'If-Unmodified-Since without lastModified',
      'PUT',
      { 'if-unmodified-since': EARLIER },
      { etag: '"v2"' },
      'none',
    ],
    [
      'If-Unmodified-Since ignored under If-Match',
      'PUT',
      { 'if-match': '"v2"', 'if-unmodified-since': EARLIER },
      current,
      'none',
    ],
    [
      'If-None-Match matching on GET',
      'GET',
      { 'if-none-match': '"v1", "v2"' },
      current,
      'not-modified',
    ],
    [
      'If-None-Match matching on HEAD',
      'HEAD',
      { 'if-none-match': '"v2"' },
      current,
      'not-modified',
    ],
    [
      'If-None-Match matching weakly',
      'GET',
      { 'if-none-match': 'W/"v2"' },
      current,
      'not-modified',
    ],
    [
      'If-None-Match matching on POST',
      'POST',
      { 'if-none-match': '"v2"' },
      current,
      'precondition-failed',
    ],
    ['If-None-Match not matching', 'GET', { 'if-none-match': '"v1"' }, current, 'none'],
    ['If-None-Match: * on PUT', 'PUT', { 'if-none-match': '*' }, current, 'precondition-failed'],
    [
      'If-None-Match: * on PUT of a new resource',
      'PUT',
      { 'if-none-match': '*' },
      { exists: false },
      'none',
    ],
    [
      'If-None-Match without a current tag',
      'GET',
      { 'if-none-match': '"v2"' },
      { lastModified: T0 },
      'none',
    ],
    [
      'If-Modified-Since not modified',
      'GET',
      { 'if-modified-since': DATE },
      current,
      'not-modified',
    ],
    ['If-Modified-Since later', 'GET', { 'if-modified-since': LATER }, current, 'not-modified'],
    ['If-Modified-Since modified', 'GET', { 'if-modified-since': EARLIER }, current, 'none'],
    ['If-Modified-Since unreadable', 'GET', { 'if-modified-since': 'garbage' }, current, 'none'],
    ['If-Modified-Since on POST', 'POST', { 'if-modified-since': DATE }, current, 'none'],
    [
      'If-Modified-Since without lastModified',
      'GET',
      { 'if-modified-since': DATE },
      { etag: '"v2"' },
      'none',
    ],
    [
      'If-Modified-Since ignored under If-None-Match',
      'GET',
      { 'if-none-match': '"v1"', 'if-modified-since': DATE },
      current,
      'none',
    ],
    [
      'If-Match failing before If-None-Match',
      'GET',
      { 'if-match': '"v1"', 'if-none-match': '"v2"' },
      current,
      'precondition-failed',
    ],
  ])('gives the right answer for %s', (_, method, headers, validators, expected) => {
    expect(evaluateConditions(req(method, headers), validators)).toBe(expected);
  });

  it('compares lastModified to the second', () => {
    const request = req('GET', { 'if-modified-since': DATE });
    expect(evaluateConditions(request, { lastModified: new Date(T0 + 999) })).toBe('not-modified');
    expect(evaluateConditions(request, { lastModified: new Date(T0 + 1000) })).toBe('none');
  });

  it('accepts a parsed current tag', () => {
    const request = req('GET', { 'if-none-match': '"v2"' });
    expect(evaluateConditions(request, { etag: { weak: false, value: 'v2' } })).toBe(
      'not-modified',
    );
  });
});

describe('ifRangeMatches', () => {
  it.each<[string, string | undefined, CurrentValidators, boolean]>([
    ['no If-Range', undefined, { etag: '"v1"' }, true],
    ['a matching strong tag', '"v1"', { etag: '"v1"' }, true],
    ['a different tag', '"v2"', { etag: '"v1"' }, false],
    ['a weak tag', 'W/"v1"', { etag: 'W/"v1"' }, false],
    ['a strong tag against a weak current tag', '"v1"', { etag: 'W/"v1"' }, false],
    ['a tag without a current tag', '"v1"', { lastModified: T0 }, false],
    ['the exact Last-Modified date', DATE, { lastModified: T0 }, true],
    ['the Last-Modified date with milliseconds dropped', DATE, { lastModified: T0 + 500 }, true],
    ['a later date', LATER, { lastModified: T0 }, false],
    ['an earlier date', EARLIER, { lastModified: T0 }, false],
    ['a date without lastModified', DATE, { etag: '"v1"' }, false],
    ['an unreadable value', 'garbage', { etag: '"v1"', lastModified: T0 }, false],
  ])('answers for %s', (_, ifRange, validators, expected) => {
    const headers: Record<string, string> = { range: 'bytes=0-1' };
    if (ifRange !== undefined) headers['if-range'] = ifRange;
    expect(ifRangeMatches(req('GET', headers), validators)).toBe(expected);
  });
});
