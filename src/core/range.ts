/**
 * Byte range requests (RFC 9110 §14): read a `Range` header against a representation's size and
 * format `Content-Range`.
 *
 * Replaces `paste.httpheaders.RANGE` and `CONTENT_RANGE`. Paste read the suffix range `bytes=-500`
 * as the *first* 500 bytes; here it is the last 500, as RFC 9110 §14.1.2 says. Overlapping and
 * adjacent ranges are merged, and a header with more ranges than `maxRanges` is ignored as a whole,
 * which RFC 9110 §14.2 allows and which defeats the many-tiny-ranges denial of service.
 *
 * Check `If-Range` with `ifRangeMatches` before honouring the result. Only the `bytes` unit exists.
 */
import { trimOws } from './header-syntax.ts';

/** An inclusive byte range: `start` ≤ `end` < size. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The reading of a `Range` header:
 * - `none`: no header, another unit, a syntax error or too many ranges; send the whole
 *   representation (200).
 * - `unsatisfiable`: no range overlaps the representation; answer 416 with the `Content-Range`
 *   that {@link formatUnsatisfiedRange} makes.
 * - `ranges`: send 206 with these ranges, in request order, merged where they overlap or touch.
 */
export type RangeResult =
  | { readonly kind: 'none' }
  | { readonly kind: 'unsatisfiable' }
  | { readonly kind: 'ranges'; readonly ranges: readonly ByteRange[] };

/** Options for {@link parseRange}. */
export interface ParseRangeOptions {
  /** More range-specs than this and the header is ignored. @default 16 */
  readonly maxRanges?: number;
}

const NONE: RangeResult = Object.freeze({ kind: 'none' });
const UNSATISFIABLE: RangeResult = Object.freeze({ kind: 'unsatisfiable' });
const SPEC = /^(\d*)[ \t]*-[ \t]*(\d*)$/;

/**
 * Reads a `Range` header for a representation of `size` bytes (RFC 9110 §14.1.2):
 * `bytes=0-499` (the first 500), `bytes=500-` (from 500 on), `bytes=-500` (the last 500), and
 * comma-separated lists of these. Range-specs that start past the end are dropped; an end past
 * the last byte is clamped. Never throws for any `header`.
 *
 * @throws {TypeError} when `size` is not a non-negative safe integer or `maxRanges` is not a
 * positive integer: a programming error, not a client one.
 * @example
 * ```ts
 * import { parseRange } from 'trowel';
 * parseRange('bytes=-500', 10_000); // { kind: 'ranges', ranges: [{ start: 9500, end: 9999 }] }
 * parseRange('bytes=20000-', 10_000); // { kind: 'unsatisfiable' }
 * ```
 */
export function parseRange(
  header: string | null | undefined,
  size: number,
  options: ParseRangeOptions = {},
): RangeResult {
  const maxRanges = options.maxRanges ?? 16;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new TypeError(`parseRange: size must be a non-negative integer, got ${size}`);
  }
  if (!Number.isSafeInteger(maxRanges) || maxRanges < 1) {
    throw new TypeError(`parseRange: maxRanges must be a positive integer, got ${maxRanges}`);
  }
  if (typeof header !== 'string') return NONE;
  const eq = header.indexOf('=');
  // Range units are case-insensitive (RFC 9110 §14.1).
  if (eq === -1 || trimOws(header.slice(0, eq)).toLowerCase() !== 'bytes') return NONE;
  const found: (ByteRange & { readonly order: number })[] = [];
  let count = 0;
  for (const member of header.slice(eq + 1).split(',')) {
    const spec = trimOws(member);
    if (spec === '') continue; // empty list members are ignored (RFC 9110 §5.6.1)
    if (++count > maxRanges) return NONE;
    const m = SPEC.exec(spec);
    const first = m?.[1];
    const last = m?.[2];
    if (first === undefined || last === undefined || (first === '' && last === '')) return NONE;
    if (first === '') {
      // suffix-range: the last N bytes; N = 0 is unsatisfiable (RFC 9110 §14.1.3).
      const length = Number(last);
      if (length > 0 && size > 0)
        found.push({ start: Math.max(0, size - length), end: size - 1, order: count });
      continue;
    }
    const start = Number(first);
    const end = last === '' ? Infinity : Number(last);
    if (end < start) return NONE; // an invalid int-range makes the whole header invalid
    if (start < size) found.push({ start, end: Math.min(end, size - 1), order: count });
  }
  if (count === 0) return NONE;
  if (found.length === 0) return UNSATISFIABLE;
  return { kind: 'ranges', ranges: coalesce(found) };
}

/**
 * Merges overlapping and adjacent ranges, then restores request order (by each merged range's
 * earliest member): RFC 9110 §15.3.7.2 asks for the parts in the order they were requested.
 */
function coalesce(ranges: readonly (ByteRange & { readonly order: number })[]): ByteRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  const merged: { start: number; end: number; order: number }[] = [];
  for (const r of sorted) {
    const top = merged.at(-1);
    if (top && r.start <= top.end + 1) {
      top.end = Math.max(top.end, r.end);
      top.order = Math.min(top.order, r.order);
    } else {
      merged.push({ ...r });
    }
  }
  return merged.sort((a, b) => a.order - b.order).map(({ start, end }) => ({ start, end }));
}

/**
 * Formats a `Content-Range` value for a 206 part: `bytes start-end/size`. `size` may be `'*'`
 * when the complete length is unknown.
 *
 * @throws {RangeError} unless 0 ≤ start ≤ end (< size when known), all integers.
 * @example
 * ```ts
 * import { formatContentRange } from 'trowel';
 * formatContentRange(0, 499, 1234); // 'bytes 0-499/1234'
 * ```
 */
export function formatContentRange(start: number, end: number, size: number | '*'): string {
  const known = size !== '*';
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    start < 0 ||
    end < start ||
    (known && (!Number.isSafeInteger(size) || end >= size))
  ) {
    throw new RangeError(`formatContentRange: invalid range ${start}-${end}/${String(size)}`);
  }
  return `bytes ${start}-${end}/${String(size)}`;
}

/**
 * Formats the `Content-Range` value of a 416 answer (RFC 9110 §14.4): `bytes`, a space, an
 * asterisk, a slash and the complete length.
 *
 * @throws {RangeError} unless `size` is a non-negative integer.
 * @example
 * ```ts
 * import { formatUnsatisfiedRange } from 'trowel';
 * new Response(null, { status: 416, headers: { 'content-range': formatUnsatisfiedRange(1234) } });
 * ```
 */
export function formatUnsatisfiedRange(size: number): string {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`formatUnsatisfiedRange: invalid size ${size}`);
  }
  return `bytes */${size}`;
}
