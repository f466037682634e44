import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hashIdentifier,
  IDENTIFIER_ALPHABET,
  identificationCode,
  makeIdentifier,
} from './identify.ts';
import { parseFrame, type StackFrame } from './stack.ts';

describe('makeIdentifier()', () => {
  // Paste's doctest vectors (paste/exceptions/serial_number_generator.py).
  it.each([
    [0, ''],
    [1000, 'c53'],
    [1000000000000, 'c53x9rqh3'],
  ])('encodes %d as %j', (value, expected) => {
    expect(makeIdentifier(value)).toBe(expected);
  });

  it.each([-100, 1.5, Number.NaN])('refuses %d', (value) => {
    expect(() => makeIdentifier(value)).toThrow(RangeError);
  });
});

describe('hashIdentifier()', () => {
  // Paste's doctest vectors; Paste hashed str(0), that is '0'.
  it.each([
    ['0', 5, {}, 'cy2dr'],
    ['0', 10, {}, 'cy2dr6rg46'],
    ['this is a test of a long string', 5, {}, 'awatu'],
    ['0', 26, {}, 'cy2dr6rg46cx8t4w2f3nfexzk4'],
    ['0', 10, { group: 4 }, 'cy-2dr6-rg46'],
    ['0', 10, { group: 4, upper: true, prefix: 'M-' }, 'M-CY-2DR6-RG46'],
  ])('hashes %j to %d characters as Paste does', (input, length, options, expected) => {
    expect(hashIdentifier(input, length, options)).toBe(expected);
  });

  it.each([0, 27, 2.5])('refuses length %d', (length) => {
    expect(() => hashIdentifier('0', length)).toThrow(RangeError);
  });

  it('always gives length characters of the alphabet', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 26 }), (input, length) => {
        const ident = hashIdentifier(input, length);
        expect(ident).toHaveLength(length);
        expect(ident).toMatch(new RegExp(`^[${IDENTIFIER_ALPHABET}]+$`));
      }),
    );
  });
});

describe('identificationCode()', () => {
  const top = parseFrame('at save (/srv/app/orders.js:10:5)');

  it('is E- and five upper-case characters of the alphabet', () => {
    expect(identificationCode('TypeError', 'boom', top)).toMatch(/^E-[2-9A-HJKMNPQRTUVWXYZ]{5}$/);
  });

  it('is the same for the same type, message and place', () => {
    expect(identificationCode('TypeError', 'boom', top)).toBe(
      identificationCode('TypeError', 'boom', parseFrame('at save (/srv/app/orders.js:10:5)')),
    );
  });

  it.each<[string, string, string, StackFrame | undefined]>([
    ['the type', 'RangeError', 'boom', top],
    ['the message', 'TypeError', 'bang', top],
    ['the line', 'TypeError', 'boom', parseFrame('at save (/srv/app/orders.js:11:5)')],
    ['the frame', 'TypeError', 'boom', undefined],
  ])('changes with %s', (_what, name, message, frame) => {
    expect(identificationCode(name, message, frame)).not.toBe(
      identificationCode('TypeError', 'boom', top),
    );
  });
});
