/**
 * HTTP dates (RFC 9110 §5.6.7): format the preferred IMF-fixdate, parse all three forms a recipient
 * must accept, and parse cookie `Expires` values with the forgiving algorithm of RFC 6265 §5.1.1.
 *
 * Replaces the date handling of `paste.httpheaders`. Unlike Paste, formatting always ends in `GMT`
 * (never `-0000`), and parsing never throws: an unreadable date gives `undefined`, so a bad
 * `If-Modified-Since` is ignored, as RFC 9110 §13.1.3 requires, instead of answering 400.
 *
 * Not for general date parsing: these functions accept exactly the HTTP forms.
 */

const DAY_NAMES = 'SunMonTueWedThuFriSat';
const MONTH_NAMES = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const MONTHS = 'jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec';
const DAYS = 'mon|tue|wed|thu|fri|sat|sun';
const LONG_DAYS = 'monday|tuesday|wednesday|thursday|friday|saturday|sunday';

// The three forms of RFC 9110 §5.6.7. The grammar is case-sensitive, but the same section asks
// recipients to be robust, and a lowercase month name is not ambiguous.
const IMF_FIXDATE = new RegExp(
  `^(?:${DAYS}), (\\d{2}) (${MONTHS}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`,
  'i',
);
const RFC850_DATE = new RegExp(
  `^(?:${LONG_DAYS}), (\\d{2})-(${MONTHS})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`,
  'i',
);
const ASCTIME_DATE = new RegExp(
  `^(?:${DAYS}) (${MONTHS}) ([ \\d]\\d) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})$`,
  'i',
);

/**
 * Formats a date as an IMF-fixdate, the only form a sender may generate (RFC 9110 §5.6.7).
 * Milliseconds are dropped.
 *
 * @throws {RangeError} for an invalid date or a year outside 0–9999.
 * @example
 * ```ts
 * import { formatHttpDate } from 'trowel';
 * formatHttpDate(new Date(Date.UTC(1994, 10, 6, 8, 49, 37))); // 'Sun, 06 Nov 1994 08:49:37 GMT'
 * ```
 */
export function formatHttpDate(date: Date | number): string {
  const d = new Date(typeof date === 'number' ? date : date.getTime());
  const year = d.getUTCFullYear();
  if (Number.isNaN(year)) throw new RangeError('formatHttpDate: invalid date');
  if (year < 0 || year > 9999) {
    throw new RangeError(`formatHttpDate: year ${year} does not fit an HTTP-date`);
  }
  const day = d.getUTCDay() * 3;
  const month = d.getUTCMonth() * 3;
  return (
    `${DAY_NAMES.slice(day, day + 3)}, ${pad(d.getUTCDate())} ` +
    `${MONTH_NAMES.slice(month, month + 3)} ${String(year).padStart(4, '0')} ` +
    `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} GMT`
  );
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * Parses an HTTP-date in any of the three forms of RFC 9110 §5.6.7: IMF-fixdate
 * (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
 * (`Sun Nov  6 08:49:37 1994`). The weekday is not checked against the date.
 *
 * @returns the date, or `undefined` for anything else (including impossible dates such as 30 Feb).
 * Never throws.
 * @example
 * ```ts
 * import { parseHttpDate } from 'trowel';
 * parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')?.toISOString(); // '1994-11-06T08:49:37.000Z'
 * parseHttpDate('yesterday'); // undefined
 * ```
 */
export function parseHttpDate(value: string | null | undefined): Date | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const text = value.trim();
  let m = IMF_FIXDATE.exec(text);
  if (m) return build(num(m[3]), monthOf(m[2]), num(m[1]), num(m[4]), num(m[5]), num(m[6]));
  m = RFC850_DATE.exec(text);
  if (m) {
    const year = twoDigitYear(num(m[3]));
    return build(year, monthOf(m[2]), num(m[1]), num(m[4]), num(m[5]), num(m[6]));
  }
  m = ASCTIME_DATE.exec(text);
  if (m) return build(num(m[6]), monthOf(m[1]), num(m[2]), num(m[3]), num(m[4]), num(m[5]));
  return undefined;
}

function num(digits: string | undefined): number {
  return Number(digits);
}

/** The 0-based month of a three-letter name the patterns above already matched. */
function monthOf(name: string | undefined): number {
  return MONTHS.indexOf((name ?? '').slice(0, 3).toLowerCase()) / 4;
}

/**
 * RFC 9110 §5.6.7: a two-digit year that would be more than 50 years in the future means the most
 * recent past year with the same last two digits.
 */
function twoDigitYear(yy: number): number {
  const now = new Date().getUTCFullYear();
  let year = now - (now % 100) + yy;
  if (year > now + 50) year -= 100;
  return year;
}

function build(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
): Date | undefined {
  // Second 60 is a leap second, which the IMF grammar allows; Date folds it into the next minute.
  if (hour > 23 || minute > 59 || second > 60) return undefined;
  if (day < 1 || day > daysInMonth(year, month)) return undefined;
  const d = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  d.setUTCFullYear(year, month, day);
  d.setUTCHours(hour, minute, second, 0);
  return d;
}

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month + 1, 0);
  return d.getUTCDate();
}

// RFC 6265 §5.1.1: which octets separate date tokens in a cookie-date.
function isDelimiter(c: number): boolean {
  return (
    c === 0x09 ||
    (c >= 0x20 && c <= 0x2f) ||
    (c >= 0x3b && c <= 0x40) ||
    (c >= 0x5b && c <= 0x60) ||
    (c >= 0x7b && c <= 0x7e)
  );
}

const COOKIE_TIME = /^(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\D|$)/;
const COOKIE_DAY = /^(\d{1,2})(?:\D|$)/;
const COOKIE_MONTH = new RegExp(`^(${MONTHS})`, 'i');
const COOKIE_YEAR = /^(\d{2,4})(?:\D|$)/;

/**
 * Parses a cookie `Expires` value with the algorithm of RFC 6265 §5.1.1, which user agents use
 * because servers send every date format imaginable: `Wed, 09 Jun 2021 10:18:14 GMT`,
 * `Wednesday, 09-Jun-21 10:18:14 GMT`, `09 Jun 2021 10:18:14`, …
 *
 * @returns the date, or `undefined` when the algorithm fails (a missing part, a year before 1601,
 * an impossible date). Never throws.
 * @example
 * ```ts
 * import { parseCookieDate } from 'trowel';
 * parseCookieDate('Wed, 09-Jun-2021 10:18:14 GMT')?.toISOString(); // '2021-06-09T10:18:14.000Z'
 * ```
 */
export function parseCookieDate(value: string): Date | undefined {
  let time: [number, number, number] | undefined;
  let day: number | undefined;
  let monthIndex: number | undefined;
  let year: number | undefined;
  for (const token of dateTokens(value)) {
    let m: RegExpExecArray | null;
    if (time === undefined && (m = COOKIE_TIME.exec(token))) {
      time = [num(m[1]), num(m[2]), num(m[3])];
    } else if (day === undefined && (m = COOKIE_DAY.exec(token))) {
      day = num(m[1]);
    } else if (monthIndex === undefined && (m = COOKIE_MONTH.exec(token))) {
      monthIndex = monthOf(m[1]);
    } else if (year === undefined && (m = COOKIE_YEAR.exec(token))) {
      year = num(m[1]);
    }
  }
  if (time === undefined || day === undefined || monthIndex === undefined || year === undefined) {
    return undefined;
  }
  if (year >= 70 && year <= 99) year += 1900;
  else if (year <= 69) year += 2000;
  if (year < 1601 || time[2] > 59) return undefined;
  return build(year, monthIndex, day, ...time);
}

function* dateTokens(value: string): Generator<string> {
  let start = -1;
  for (let i = 0; i <= value.length; i++) {
    const delimiter = i === value.length || isDelimiter(value.charCodeAt(i));
    if (delimiter && start !== -1) {
      yield value.slice(start, i);
      start = -1;
    } else if (!delimiter && start === -1) {
      start = i;
    }
  }
}
