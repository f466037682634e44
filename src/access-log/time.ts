/**
 * Timestamps for access-log lines: Apache's `[day/Mon/year:hh:mm:ss ±hhmm]` (the `%t` of the
 * Common Log Format) and ISO 8601 with the same offset, for JSON lines.
 *
 * The offset is the one in force at the moment being formatted, so a line written in summer and
 * one written in winter each carry their own; half-hour and quarter-hour zones (`+0530`, `+0545`)
 * and zones west of Greenwich (`-0700`) come out as `±hhmm`, as Apache writes them.
 */

/** Which clock a log line's time is written in. */
export type LogTimezone = 'local' | 'utc';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function two(n: number): string {
  return n < 10 ? `0${String(n)}` : String(n);
}

// getTimezoneOffset() costs more than the rest of a log line's time; zones change their offset
// only on a minute boundary, so the last minute's answer is kept.
let cachedMinute = NaN;
let cachedOffset = 0;

/** The offset from UTC, in minutes east, of `timezone` at the instant `ms`. */
export function offsetMinutes(ms: number, timezone: LogTimezone): number {
  if (timezone === 'utc') return 0;
  const minute = Math.floor(ms / 60_000);
  if (minute !== cachedMinute) {
    // getTimezoneOffset() counts minutes *west* of UTC, for this very instant (DST included).
    cachedOffset = -new Date(ms).getTimezoneOffset();
    cachedMinute = minute;
  }
  return cachedOffset;
}

function offsetParts(offset: number): { sign: string; hours: string; minutes: string } {
  const abs = Math.abs(offset);
  return {
    sign: offset < 0 ? '-' : '+',
    hours: two(Math.floor(abs / 60)),
    minutes: two(abs % 60),
  };
}

/**
 * `ms` (milliseconds since the epoch) as Apache writes `%t`, without the brackets, at `offset`
 * minutes east of UTC: `10/Oct/2000:13:55:36 -0700`.
 *
 * @example
 * ```ts
 * formatClfTime(Date.UTC(2000, 9, 10, 20, 55, 36), -420); // '10/Oct/2000:13:55:36 -0700'
 * ```
 */
export function formatClfTime(ms: number, offset: number): string {
  const d = new Date(ms + offset * 60_000);
  const { sign, hours, minutes } = offsetParts(offset);
  return (
    `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()] ?? ''}/${String(d.getUTCFullYear())}:` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ` +
    `${sign}${hours}${minutes}`
  );
}

/**
 * `ms` as ISO 8601 with milliseconds, at `offset` minutes east of UTC: `Z` for UTC, else `±hh:mm`.
 *
 * @example
 * ```ts
 * formatIsoTime(Date.UTC(2000, 9, 10, 8, 25, 36), 330); // '2000-10-10T13:55:36.000+05:30'
 * ```
 */
export function formatIsoTime(ms: number, offset: number): string {
  const iso = new Date(ms + offset * 60_000).toISOString();
  if (offset === 0) return iso;
  const { sign, hours, minutes } = offsetParts(offset);
  return `${iso.slice(0, -1)}${sign}${hours}:${minutes}`;
}
