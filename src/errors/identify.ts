/**
 * Identification codes for error reports: the `E-` code (five characters, such as `E-7hbj4`)
 * that ties the page a user saw to the report in the log and the mail. It is a port of Paste's
 * `serial_number_generator`: an MD5 digest reduced to a few characters of an alphabet without
 * look-alikes (no `0`/`o`, `1`/`l`/`i`, `s`/`5`).
 *
 * The code is a name for a *kind* of failure, not a secret and not a unique event id: the same
 * error type, message and throwing place give the same code, so reports can be grouped by it.
 */
import { createHash } from 'node:crypto';
import type { StackFrame } from './stack.ts';

/** Paste's alphabet: digits and lower-case letters that cannot be mistaken for one another. */
export const IDENTIFIER_ALPHABET = '23456789abcdefghjkmnpqrtuvwxyz';
const BASE = BigInt(IDENTIFIER_ALPHABET.length);

/** Options of {@link hashIdentifier}; the same as Paste's `hash_identifier`. */
export interface HashIdentifierOptions {
  /** Pad with the alphabet's first character up to `length`. @default true */
  readonly pad?: boolean;
  /** Put before the identifier; not counted in `length`. @default '' */
  readonly prefix?: string;
  /** Split into groups of this many characters, joined with `-`, counted from the right. */
  readonly group?: number;
  /** Upper-case the identifier (not the prefix). @default false */
  readonly upper?: boolean;
}

/**
 * Encodes a non-negative integer in {@link IDENTIFIER_ALPHABET}, least significant digit first
 * (as Paste's `make_identifier`; `0` gives `''`).
 *
 * @throws {RangeError} for a negative or non-integer number.
 * @example
 * ```ts
 * import { makeIdentifier } from 'trowel/errors';
 * makeIdentifier(1000); // 'c53'
 * ```
 */
export function makeIdentifier(value: number | bigint): string {
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`makeIdentifier(): ${String(value)} is not an integer`);
  }
  let n = BigInt(value);
  if (n < 0n) throw new RangeError(`makeIdentifier(): ${String(value)} is negative`);
  let result = '';
  while (n > 0n) {
    result += IDENTIFIER_ALPHABET[Number(n % BASE)] ?? '';
    n /= BASE;
  }
  return result;
}

/**
 * Hashes `input` (MD5 of its UTF-8 text) into an identifier of `length` characters of
 * {@link IDENTIFIER_ALPHABET}, as Paste's `hash_identifier` does, so codes computed by Paste for
 * the same text are the same.
 *
 * @throws {RangeError} when `length` is not an integer from 1 to 26 (MD5 holds no more).
 * @example
 * ```ts
 * import { hashIdentifier } from 'trowel/errors';
 * hashIdentifier('0', 10, { group: 4, upper: true, prefix: 'M-' }); // 'M-CY-2DR6-RG46'
 * ```
 */
export function hashIdentifier(
  input: string,
  length: number,
  options: HashIdentifierOptions = {},
): string {
  if (!Number.isInteger(length) || length < 1 || length > 26) {
    throw new RangeError(`hashIdentifier(): length must be an integer from 1 to 26, got ${length}`);
  }
  const modulo = BASE ** BigInt(length);
  let number = 0n;
  for (const byte of createHash('md5').update(input, 'utf8').digest()) {
    number = (number * 256n + BigInt(byte)) % modulo;
  }
  let ident = makeIdentifier(number);
  if (options.pad ?? true) ident = ident.padStart(length, IDENTIFIER_ALPHABET[0]);
  const { group } = options;
  if (group !== undefined && group > 0) {
    const parts: string[] = [];
    for (let end = ident.length; end > 0; end -= group) {
      parts.unshift(ident.slice(Math.max(0, end - group), end));
    }
    ident = parts.join('-');
  }
  if (options.upper === true) ident = ident.toUpperCase();
  return (options.prefix ?? '') + ident;
}

/**
 * The identification code of an error: `E-` and five characters hashed from its type, its message
 * and where it was thrown (the top stack frame's file, line and function).
 */
export function identificationCode(
  name: string,
  message: string,
  top: StackFrame | undefined,
): string {
  const where =
    top === undefined
      ? '?'
      : `${top.file ?? '?'}:${String(top.line ?? 0)} ${top.function ?? '<anonymous>'}`;
  return hashIdentifier(`${name}\n${message}\n${where}`, 5, { upper: true, prefix: 'E-' });
}
