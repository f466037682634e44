import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { formatHttpDate, parseCookieDate, parseHttpDate } from './http-date.ts';

const SAMPLE = Date.UTC(1994, 10, 6, 8, 49, 37);

describe('formatHttpDate', () => {
  it('writes an IMF-fixdate ending in GMT', () => {
    expect(formatHttpDate(new Date(SAMPLE))).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
  });

  it('accepts milliseconds since the epoch and drops the sub-second part', () => {
    expect(formatHttpDate(SAMPLE + 999)).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
  });

  it('pads years below 1000 to four digits', () => {
    const d = new Date(0);
    d.setUTCFullYear(999, 0, 1);
    expect(formatHttpDate(d)).toBe('Tue, 01 Jan 0999 00:00:00 GMT');
  });

  it.each([
    ['an invalid date', new Date(NaN)],
    ['a year past 9999', new Date(Date.UTC(10000, 0, 1))],
    ['a negative year', new Date(Date.UTC(-1, 0, 1))],
  ])('throws a RangeError for %s', (_, date) => {
    expect(() => formatHttpDate(date)).toThrow(RangeError);
  });
});

describe('parseHttpDate', () => {
  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime', 'Sun Nov  6 08:49:37 1994'],
    ['asctime with a two-digit day', 'Sun Nov 06 08:49:37 1994'],
    ['lowercase names', 'sun, 06 nov 1994 08:49:37 gmt'],
    ['surrounding whitespace', '  Sun, 06 Nov 1994 08:49:37 GMT '],
  ])('reads the %s form', (_, text) => {
    expect(parseHttpDate(text)?.getTime()).toBe(SAMPLE);
  });

  it('does not check the weekday against the date', () => {
    expect(parseHttpDate('Mon, 06 Nov 1994 08:49:37 GMT')?.getTime()).toBe(SAMPLE);
  });

  it('reads a leap second as the first second of the next minute', () => {
    expect(parseHttpDate('Sat, 31 Dec 2016 23:59:60 GMT')?.getTime()).toBe(
      Date.UTC(2017, 0, 1, 0, 0, 0),
    );
  });

  it('reads years below 100 literally', () => {
    expect(parseHttpDate('Sat, 01 Jan 0050 00:00:00 GMT')?.getUTCFullYear()).toBe(50);
  });

  it.each([
    ['a numeric zone', 'Sun, 06 Nov 1994 08:49:37 -0000'],
    ['an ISO date', '1994-11-06T08:49:37Z'],
    ['30 February', 'Mon, 30 Feb 2004 00:00:00 GMT'],
    ['day 0', 'Mon, 00 Feb 2004 00:00:00 GMT'],
    ['hour 24', 'Sun, 06 Nov 1994 24:00:00 GMT'],
    ['minute 60', 'Sun, 06 Nov 1994 08:60:00 GMT'],
    ['second 61', 'Sun, 06 Nov 1994 08:49:61 GMT'],
    ['an unknown month', 'Sun, 06 Foo 1994 08:49:37 GMT'],
    ['an abbreviated day in RFC 850', 'Sun, 06-Nov-94 08:49:37 GMT'],
    ['a list of dates', 'Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT'],
    ['an empty string', ''],
    ['a huge string', `Sun, 06 Nov 1994 08:49:37 GMT${' '.repeat(100)}x`],
  ])('gives undefined for %s', (_, text) => {
    expect(parseHttpDate(text)).toBeUndefined();
  });

  it.each([null, undefined])('gives undefined for %s', (value) => {
    expect(parseHttpDate(value)).toBeUndefined();
  });

  it('reads 29 February in a leap year', () => {
    expect(parseHttpDate('Sun, 29 Feb 2004 00:00:00 GMT')?.getTime()).toBe(Date.UTC(2004, 1, 29));
  });

  describe('with RFC 850 two-digit years', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it.each([
      ['75', 2075],
      ['76', 1976],
      ['00', 2000],
    ])('reads %s as %i when the current year is 2025', (yy, year) => {
      vi.useFakeTimers({ now: Date.UTC(2025, 5, 1) });
      expect(parseHttpDate(`Friday, 01-Jan-${yy} 00:00:00 GMT`)?.getUTCFullYear()).toBe(year);
    });
  });

  it('reads back every formatted date to the second', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date(Date.UTC(0, 0, 1)),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (d) => {
          expect(parseHttpDate(formatHttpDate(d))?.getTime()).toBe(
            Math.floor(d.getTime() / 1000) * 1000,
          );
        },
      ),
    );
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
        const d = parseHttpDate(s);
        expect(d === undefined || !Number.isNaN(d.getTime())).toBe(true);
      }),
    );
  });
});

describe('parseCookieDate', () => {
  it.each([
    ['IMF-fixdate', 'Wed, 09 Jun 2021 10:18:14 GMT', Date.UTC(2021, 5, 9, 10, 18, 14)],
    ['RFC 850', 'Wednesday, 09-Jun-21 10:18:14 GMT', Date.UTC(2021, 5, 9, 10, 18, 14)],
    [
      'dashes and a four-digit year',
      'Wed, 09-Jun-2021 10:18:14 GMT',
      Date.UTC(2021, 5, 9, 10, 18, 14),
    ],
    ['asctime', 'Wed Jun  9 10:18:14 2021', Date.UTC(2021, 5, 9, 10, 18, 14)],
    ['no weekday or zone', '09 Jun 2021 10:18:14', Date.UTC(2021, 5, 9, 10, 18, 14)],
    ['a full month name', '9 June 2021 10:18:14', Date.UTC(2021, 5, 9, 10, 18, 14)],
    ['one-digit time fields', 'Jun 9 2021 1:2:3', Date.UTC(2021, 5, 9, 1, 2, 3)],
    ['a two-digit year from 70', '01 Jan 70 00:00:00', Date.UTC(1970, 0, 1)],
    ['a two-digit year below 70', '01 Jan 69 00:00:00', Date.UTC(2069, 0, 1)],
    [
      'trailing text after the time',
      'Wed, 09 Jun 2021 10:18:14GMT+02',
      Date.UTC(2021, 5, 9, 10, 18, 14),
    ],
  ])('reads %s', (_, text, expected) => {
    expect(parseCookieDate(text)?.getTime()).toBe(expected);
  });

  it.each([
    ['no time', 'Wed, 09 Jun 2021'],
    ['no month', '09 2021 10:18:14'],
    ['no year', '09 Jun 10:18:14'],
    ['no day', 'Jun 2021 10:18:14'],
    ['a year before 1601', '01 Jan 1600 00:00:00'],
    ['hour 24', '01 Jan 2021 24:00:00'],
    ['minute 60', '01 Jan 2021 00:60:00'],
    ['second 60', '01 Jan 2021 00:00:60'],
    ['31 April', '31 Apr 2021 00:00:00'],
    ['day 32', '32 Jan 2021 00:00:00'],
    ['an empty string', ''],
  ])('gives undefined for %s', (_, text) => {
    expect(parseCookieDate(text)).toBeUndefined();
  });

  it('reads back every formatted date from 1601 on', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1601-01-01T00:00:00Z'),
          max: new Date('9999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        (d) => {
          expect(parseCookieDate(formatHttpDate(d))?.getTime()).toBe(
            Math.floor(d.getTime() / 1000) * 1000,
          );
        },
      ),
    );
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
        expect(() => parseCookieDate(s)).not.toThrow();
      }),
    );
  });
});
