import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { formatClfTime, formatIsoTime, offsetMinutes } from './time.ts';

const instant = Date.UTC(2000, 9, 10, 20, 55, 36, 123);

describe('formatClfTime()', () => {
  it.each([
    ['-0700 (US Pacific daylight time)', -420, '10/Oct/2000:13:55:36 -0700'],
    ['+0530 (India)', 330, '11/Oct/2000:02:25:36 +0530'],
    ['+0000 (UTC)', 0, '10/Oct/2000:20:55:36 +0000'],
    ['+0545 (Nepal)', 345, '11/Oct/2000:02:40:36 +0545'],
    ['-0930 (Marquesas)', -570, '10/Oct/2000:11:25:36 -0930'],
    ['-0500 (Paste wrote -500)', -300, '10/Oct/2000:15:55:36 -0500'],
    ['+1400 (Kiribati)', 840, '11/Oct/2000:10:55:36 +1400'],
  ])('writes the local time and offset for %s', (_zone, offset, expected) => {
    expect(formatClfTime(instant, offset)).toBe(expected);
  });

  it('pads single-digit days, hours, minutes and seconds', () => {
    expect(formatClfTime(Date.UTC(2024, 0, 2, 3, 4, 5), 0)).toBe('02/Jan/2024:03:04:05 +0000');
  });

  it('names the instant it was given, to the second, at any offset', () => {
    const months = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ');
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (ms, offset) => {
          const m = /^(\d\d)\/(\w{3})\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-])(\d\d)(\d\d)$/.exec(
            formatClfTime(ms, offset),
          );
          expect(m).not.toBeNull();
          const [, day, mon, year, h, min, s, sign, oh, om] = m as unknown as string[];
          const local = Date.UTC(
            Number(year),
            months.indexOf(mon ?? ''),
            Number(day),
            Number(h),
            Number(min),
            Number(s),
          );
          const east = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
          expect(east).toBe(offset);
          expect(local - east * 60_000).toBe(Math.floor(ms / 1000) * 1000);
        },
      ),
    );
  });
});

describe('formatIsoTime()', () => {
  it.each([
    [0, '2000-10-10T20:55:36.123Z'],
    [330, '2000-10-11T02:25:36.123+05:30'],
    [-420, '2000-10-10T13:55:36.123-07:00'],
  ])('writes offset %i as ISO 8601', (offset, expected) => {
    expect(formatIsoTime(instant, offset)).toBe(expected);
  });

  it('names the same instant as Date.parse reads back', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: -14 * 60, max: 14 * 60 }),
        (ms, offset) => {
          expect(Date.parse(formatIsoTime(ms, offset))).toBe(ms);
        },
      ),
    );
  });
});

describe('offsetMinutes()', () => {
  const saved = process.env['TZ'];
  afterEach(() => {
    if (saved === undefined) delete process.env['TZ'];
    else process.env['TZ'] = saved;
  });

  it('is 0 for utc whatever the local zone', () => {
    process.env['TZ'] = 'Asia/Kolkata';
    expect(offsetMinutes(Date.UTC(2001, 0, 1), 'utc')).toBe(0);
  });

  it.each([
    ['Asia/Kolkata', Date.UTC(2002, 0, 15), 330],
    ['America/Los_Angeles', Date.UTC(2003, 6, 15), -420],
    ['America/Los_Angeles', Date.UTC(2004, 0, 15), -480],
    ['America/St_Johns', Date.UTC(2005, 0, 15), -210],
  ])('gives the offset %s has at that instant (DST included)', (zone, ms, expected) => {
    process.env['TZ'] = zone;
    expect(offsetMinutes(ms, 'local')).toBe(expected);
  });
});
