import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signSession, verifySession } from './session-cookie.ts';

const secret = 'k'.repeat(32);
const now = 1_700_000_000;
const session = { user: 'alice', attributes: new Map([['group', ['a', 'b']]]) };

describe('signSession and verifySession', () => {
  it('round-trips the user and attributes', () => {
    const value = signSession(secret, 'c', session, now + 60);
    expect(verifySession(secret, 'c', value, now)).toEqual(session);
  });

  it.each([
    ['another secret', 'z'.repeat(32), 'c', now],
    ['another cookie name', secret, 'd', now],
    ['an expired login', secret, 'c', now + 60],
  ])('refuses a cookie checked with %s', (_what, key, name, at) => {
    const value = signSession(secret, 'c', session, now + 60);
    expect(verifySession(key, name, value, at)).toBeUndefined();
  });

  it('refuses a payload changed under the old signature', () => {
    const [, mac] = signSession(secret, 'c', session, now + 60).split('.');
    const forged = Buffer.from(JSON.stringify({ u: 'root', a: [], e: now + 60 })).toString(
      'base64url',
    );
    expect(verifySession(secret, 'c', `${forged}.${mac ?? ''}`, now)).toBeUndefined();
  });

  it('leaves attributes out when they would not fit in a cookie', () => {
    const big = { user: 'alice', attributes: new Map([['blob', ['x'.repeat(5000)]]]) };
    const value = signSession(secret, 'c', big, now + 60);
    expect(value.length).toBeLessThan(3800);
    expect(verifySession(secret, 'c', value, now)).toEqual({
      user: 'alice',
      attributes: new Map(),
    });
  });

  it('refuses any value it did not sign', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        expect(verifySession(secret, 'c', value, now)).toBeUndefined();
      }),
    );
  });
});
