import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createNonces, NonceCounts } from './nonce.ts';

const secret = randomBytes(32);
const T0 = 1_700_000_000_000;

describe('createNonces()', () => {
  const nonces = createNonces(secret, 'realm', 300_000);

  it('accepts a nonce it issued, dated when it was issued', () => {
    expect(nonces.check(nonces.issue(T0), T0 + 1000)).toEqual({
      kind: 'valid',
      issued: T0,
      expired: false,
    });
  });

  it('marks a nonce older than the lifetime expired', () => {
    expect(nonces.check(nonces.issue(T0), T0 + 300_001)).toMatchObject({ expired: true });
  });

  it('issues a different nonce every time', () => {
    expect(nonces.issue(T0)).not.toBe(nonces.issue(T0));
  });

  it.each([
    ['another secret', createNonces(randomBytes(32), 'realm', 300_000)],
    ['another realm', createNonces(secret, 'other', 300_000)],
  ])('refuses a nonce made with %s', (_name, other) => {
    expect(nonces.check(other.issue(T0), T0).kind).toBe('invalid');
  });

  it('refuses a nonce with its time changed', () => {
    const bytes = Buffer.from(nonces.issue(T0), 'base64url');
    bytes.writeBigUInt64BE(BigInt(T0 + 1_000_000), 0);
    expect(nonces.check(bytes.toString('base64url'), T0 + 1_000_000).kind).toBe('invalid');
  });

  it('refuses a nonce dated in the future', () => {
    expect(nonces.check(nonces.issue(T0 + 3_600_000), T0).kind).toBe('invalid');
  });

  it.each(['', 'abc', 'dcd98b7102dd2f0e8b11d0f600bfb0c093', 'x'.repeat(48), '!!!'])(
    'refuses the client-made nonce %j',
    (nonce) => {
      expect(nonces.check(nonce, T0).kind).toBe('invalid');
    },
  );

  it('keeps the same opaque value for a secret and realm', () => {
    expect(createNonces(secret, 'realm', 1).opaque).toBe(nonces.opaque);
    expect(createNonces(secret, 'other', 1).opaque).not.toBe(nonces.opaque);
  });
});

describe('NonceCounts', () => {
  it('accepts growing counts and refuses a repeated or smaller one', () => {
    const counts = new NonceCounts(10, 1000);
    expect(counts.accept('n', T0, 1, T0)).toBe(true);
    expect(counts.accept('n', T0, 1, T0)).toBe(false);
    expect(counts.accept('n', T0, 3, T0)).toBe(true);
    expect(counts.accept('n', T0, 2, T0)).toBe(false);
  });

  it('drops expired nonces first when full', () => {
    const counts = new NonceCounts(2, 1000);
    counts.accept('old', T0, 1, T0);
    counts.accept('a', T0 + 2000, 1, T0 + 2000);
    counts.accept('b', T0 + 2000, 1, T0 + 2000);
    expect(counts.size).toBe(2);
    expect(counts.accept('a', T0 + 2000, 1, T0 + 2000)).toBe(false);
  });

  it('refuses an untracked nonce no newer than one it had to drop', () => {
    const counts = new NonceCounts(2, 60_000);
    counts.accept('a', T0, 1, T0);
    counts.accept('b', T0 + 1, 1, T0 + 1);
    counts.accept('c', T0 + 2, 1, T0 + 2);
    expect(counts.size).toBe(2);
    expect(counts.accept('a', T0, 2, T0 + 3)).toBe(false);
    expect(counts.accept('d', T0 + 5, 1, T0 + 5)).toBe(true);
  });
});
