import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatContentRange, formatUnsatisfiedRange, parseRange, type ByteRange } from './range.ts';

const SIZE = 10_000;

describe('parseRange', () => {
  it.each<[string, ByteRange[]]>([
    ['bytes=0-499', [{ start: 0, end: 499 }]],
    ['bytes=500-999', [{ start: 500, end: 999 }]],
    ['bytes=9500-', [{ start: 9500, end: 9999 }]],
    ['bytes=-500', [{ start: 9500, end: 9999 }]],
    ['bytes=-20000', [{ start: 0, end: 9999 }]],
    ['bytes=0-0', [{ start: 0, end: 0 }]],
    ['bytes=9999-', [{ start: 9999, end: 9999 }]],
    ['bytes=9000-20000', [{ start: 9000, end: 9999 }]],
    ['bytes=0-99999999999999999999999', [{ start: 0, end: 9999 }]],
    ['Bytes=0-1', [{ start: 0, end: 1 }]],
    [
      ' bytes = 0-1 , 5-6 ',
      [
        { start: 0, end: 1 },
        { start: 5, end: 6 },
      ],
    ],
    ['bytes=0 - 1', [{ start: 0, end: 1 }]],
    [
      'bytes=0-1,,5-6,',
      [
        { start: 0, end: 1 },
        { start: 5, end: 6 },
      ],
    ],
    ['bytes=500-600,601-999', [{ start: 500, end: 999 }]],
    ['bytes=500-700,601-999', [{ start: 500, end: 999 }]],
    ['bytes=0-10,0-5,3-8', [{ start: 0, end: 10 }]],
    [
      'bytes=100-199,0-49',
      [
        { start: 100, end: 199 },
        { start: 0, end: 49 },
      ],
    ],
    ['bytes=100-199,0-49,40-99', [{ start: 0, end: 199 }]],
    [
      'bytes=9000-9100,-500',
      [
        { start: 9000, end: 9100 },
        { start: 9500, end: 9999 },
      ],
    ],
    [
      'bytes=-1,0-0',
      [
        { start: 9999, end: 9999 },
        { start: 0, end: 0 },
      ],
    ],
    ['bytes=20000-,0-1', [{ start: 0, end: 1 }]],
    ['bytes=-0,0-1', [{ start: 0, end: 1 }]],
  ])('reads %j', (header, ranges) => {
    expect(parseRange(header, SIZE)).toEqual({ kind: 'ranges', ranges });
  });

  it.each([
    ['a start past the end', 'bytes=10000-'],
    ['every start past the end', 'bytes=10000-10001, 20000-'],
    ['a zero suffix', 'bytes=-0'],
  ])('is unsatisfiable for %s', (_, header) => {
    expect(parseRange(header, SIZE)).toEqual({ kind: 'unsatisfiable' });
  });

  it.each(['bytes=0-', 'bytes=-5', 'bytes=0-0'])(
    'is unsatisfiable for %j on an empty representation',
    (header) => {
      expect(parseRange(header, 0)).toEqual({ kind: 'unsatisfiable' });
    },
  );

  it.each([
    ['no header', null],
    ['an undefined header', undefined],
    ['another unit', 'items=0-5'],
    ['no "="', 'bytes 0-5'],
    ['an empty set', 'bytes='],
    ['only commas', 'bytes=,,'],
    ['a bare "-"', 'bytes=-'],
    ['an end before the start', 'bytes=5-4'],
    ['an end before the start beside a valid range', 'bytes=0-1,5-4'],
    ['a negative number', 'bytes=--5'],
    ['letters', 'bytes=a-b'],
    ['a decimal', 'bytes=1.5-2'],
    ['a missing dash', 'bytes=5'],
    [
      'more ranges than the cap',
      `bytes=${Array.from({ length: 17 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')}`,
    ],
  ])('is ignored (none) for %s', (_, header) => {
    expect(parseRange(header, SIZE)).toEqual({ kind: 'none' });
  });

  it('accepts as many ranges as the cap', () => {
    const header = `bytes=${Array.from({ length: 16 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')}`;
    const result = parseRange(header, SIZE);
    expect(result.kind === 'ranges' && result.ranges.length).toBe(16);
  });

  it('takes the cap from maxRanges', () => {
    expect(parseRange('bytes=0-1,5-6', SIZE, { maxRanges: 1 })).toEqual({ kind: 'none' });
  });

  it.each([-1, 1.5, NaN, Infinity])('throws a TypeError for the size %d', (size) => {
    expect(() => parseRange('bytes=0-1', size)).toThrow(TypeError);
  });

  it.each([0, -1, 1.5])('throws a TypeError for maxRanges %d', (maxRanges) => {
    expect(() => parseRange('bytes=0-1', SIZE, { maxRanges })).toThrow(TypeError);
  });

  it('never throws and never returns a range out of bounds, overlapping or touching another', () => {
    const spec = fc.oneof(
      fc.tuple(fc.nat(300), fc.option(fc.nat(300))).map(([a, b]) => `${a}-${b ?? ''}`),
      fc.nat(300).map((n) => `-${n}`),
      fc.string({ maxLength: 6 }),
    );
    fc.assert(
      fc.property(
        fc.array(spec, { maxLength: 20 }).map((specs) => `bytes=${specs.join(',')}`),
        fc.nat(250),
        (header, size) => {
          const result = parseRange(header, size);
          if (result.kind !== 'ranges') return;
          expect(result.ranges.length).toBeGreaterThan(0);
          const sorted = [...result.ranges].sort((a, b) => a.start - b.start);
          sorted.forEach((r, i) => {
            expect(r.start).toBeGreaterThanOrEqual(0);
            expect(r.end).toBeGreaterThanOrEqual(r.start);
            expect(r.end).toBeLessThan(size);
            const next = sorted[i + 1];
            if (next) expect(next.start).toBeGreaterThan(r.end + 1);
          });
        },
      ),
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(), (header, size) => {
        expect(() => parseRange(header, size)).not.toThrow();
      }),
    );
  });
});

describe('formatContentRange', () => {
  it.each<[number, number, number | '*', string]>([
    [0, 499, 1234, 'bytes 0-499/1234'],
    [1233, 1233, 1234, 'bytes 1233-1233/1234'],
    [0, 9, '*', 'bytes 0-9/*'],
  ])('formats %d-%d of %s', (start, end, size, expected) => {
    expect(formatContentRange(start, end, size)).toBe(expected);
  });

  it.each<[number, number, number | '*']>([
    [-1, 5, 10],
    [5, 4, 10],
    [0, 10, 10],
    [0.5, 4, 10],
    [0, 4, 10.5],
    [0, NaN, '*'],
  ])('throws a RangeError for %d-%d/%s', (start, end, size) => {
    expect(() => formatContentRange(start, end, size)).toThrow(RangeError);
  });
});

describe('formatUnsatisfiedRange', () => {
  it('formats the complete length after an asterisk', () => {
    expect(formatUnsatisfiedRange(1234)).toBe('bytes */1234');
  });

  it.each([-1, 1.5])('throws a RangeError for %d', (size) => {
    expect(() => formatUnsatisfiedRange(size)).toThrow(RangeError);
  });
});
