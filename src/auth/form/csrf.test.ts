import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCsrfToken, isCsrfCookie, issueCsrfToken, newCsrfCookie } from './csrf.ts';

const SECRET = new TextEncoder().encode('a secret of at least thirty-two bytes!');
const NOW = Date.UTC(2026, 0, 1);

describe('CSRF tokens', () => {
  it('accepts a token for the cookie it was issued for', () => {
    const cookie = newCsrfCookie();
    expect(checkCsrfToken(SECRET, cookie, issueCsrfToken(SECRET, cookie, NOW), NOW, 60)).toBe(true);
  });

  it('makes a new random cookie value every time', () => {
    const a = newCsrfCookie();
    expect(isCsrfCookie(a)).toBe(true);
    expect(newCsrfCookie()).not.toBe(a);
  });

  it.each([
    ['older than maxAge', NOW + 61_000, false],
    ['exactly maxAge old', NOW + 60_000, true],
    ['issued a little in the future', NOW - 30_000, true],
    ['issued far in the future', NOW - 120_000, false],
  ])('judges a token %s', (_what, now, expected) => {
    const cookie = newCsrfCookie();
    const token = issueCsrfToken(SECRET, cookie, NOW);
    expect(checkCsrfToken(SECRET, cookie, token, now, 60)).toBe(expected);
  });

  it('refuses every other spelling of a valid token', () => {
    const cookie = newCsrfCookie();
    const token = issueCsrfToken(SECRET, cookie, NOW);
    const alphabet = Array.from(
      'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.',
    );
    fc.assert(
      fc.property(fc.nat(token.length - 1), fc.constantFrom(...alphabet), (at, char) => {
        fc.pre(token[at] !== char);
        const changed = token.slice(0, at) + char + token.slice(at + 1);
        expect(checkCsrfToken(SECRET, cookie, changed, NOW, 60)).toBe(false);
      }),
    );
  });

  it('refuses arbitrary strings as tokens and as cookies', () => {
    const cookie = newCsrfCookie();
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(checkCsrfToken(SECRET, cookie, text, NOW, 60)).toBe(false);
        expect(checkCsrfToken(SECRET, text, issueCsrfToken(SECRET, text, NOW), NOW, 60)).toBe(
          isCsrfCookie(text),
        );
      }),
    );
  });
});
