import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isSessionId, newSessionId } from './id.ts';

describe('session ids', () => {
  it('makes 43-character base64url ids that differ every time', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newSessionId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('encodes 32 bytes', () => {
    expect(Buffer.from(newSessionId(), 'base64url')).toHaveLength(32);
  });

  it('accepts every id it makes', () => {
    for (let i = 0; i < 100; i++) expect(isSessionId(newSessionId())).toBe(true);
  });

  it('accepts no string with a character outside base64url', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 43, maxLength: 43 }), (s) => {
        expect(isSessionId(s)).toBe(/^[A-Za-z0-9_-]*$/.test(s));
      }),
    );
  });

  it.each([undefined, null, 42, '', '../../etc/passwd', 'a'.repeat(44), `${'a'.repeat(42)}\n`])(
    'rejects %j',
    (value) => {
      expect(isSessionId(value)).toBe(false);
    },
  );
});
