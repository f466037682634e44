import { describe, expect, it } from 'vitest';
import { hashFormat, safeEqual, verifyHash } from './hashes.ts';

// Written by Apache's htpasswd 2.4 (-B, -m, -s, -d) for the password "pw".
const HASHES = {
  bcrypt: '$2y$05$vMSZwCTwyJNsd3y3iO5nHur94fGSxn1GvFDWlTkIEX5WMObPVg7na',
  apr1: '$apr1$NBZ5buoS$KZoEErcEIiF8DlUax0Cx/0',
  sha1: '{SHA}GpHWL3ymc5liWkNopqtdSjuqYHM=',
  crypt: 'Nxc/YduFUGOZ6',
} as const;

describe('hashFormat()', () => {
  it.each(Object.entries(HASHES))('recognizes %s', (format, hash) => {
    expect(hashFormat(hash)).toBe(format);
  });

  it.each([
    ['plain text', 'pw'],
    ['SHA-256 crypt', '$5$rounds=5000$abc$def'],
    ['an empty hash', ''],
    ['a truncated bcrypt', '$2y$05$vMSZwCTwyJNsd3y3iO5nHu'],
  ])('refuses %s', (_name, hash) => {
    expect(hashFormat(hash)).toBeUndefined();
  });
});

describe('verifyHash()', () => {
  it.each(Object.entries(HASHES))('accepts the right password for %s', async (_format, hash) => {
    expect(await verifyHash('pw', hash)).toBe(true);
  });

  it.each(Object.entries(HASHES))('refuses a wrong password for %s', async (_format, hash) => {
    expect(await verifyHash('px', hash)).toBe(false);
  });

  it('accepts the $2b$ and $2a$ spellings of a bcrypt hash', async () => {
    expect(await verifyHash('pw', HASHES.bcrypt.replace('$2y$', '$2b$'))).toBe(true);
    expect(await verifyHash('pw', HASHES.bcrypt.replace('$2y$', '$2a$'))).toBe(true);
  });

  it('refuses a plain-text line even when it equals the password', async () => {
    expect(await verifyHash('pw', 'pw')).toBe(false);
  });
});

describe('safeEqual()', () => {
  it.each([
    ['abc', 'abc', true],
    ['abc', 'abd', false],
    ['abc', 'abcd', false],
    ['', '', true],
  ])('compares %j with %j as %s', (a, b, expected) => {
    expect(safeEqual(a, b)).toBe(expected);
  });
});
