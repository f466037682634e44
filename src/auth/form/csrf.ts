/**
 * The login form's CSRF defence: a signed double-submit token. The browser holds a random value in
 * an `HttpOnly` cookie; the form carries `time.mac`, an HMAC-SHA256 of that value and the time it
 * was issued under a server secret. A forged cross-site POST has neither: the attacker can read no
 * token bound to the victim's cookie and cannot compute one without the secret. Login CSRF — the
 * victim silently signed in to the attacker's account — is the attack this stops.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes in base64url. */
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;
const TOKEN = /^([0-9a-z]{1,11})\.([A-Za-z0-9_-]{43})$/;
/** How far in the future an issue time may lie, for clocks that differ between instances. */
const SKEW_SECONDS = 60;

/** A fresh random cookie value. */
export function newCsrfCookie(): string {
  return randomBytes(32).toString('base64url');
}

/** True for a value {@link newCsrfCookie} could have made (anything else is replaced). */
export function isCsrfCookie(value: string | undefined): value is string {
  return value !== undefined && COOKIE_VALUE.test(value);
}

function mac(secret: Uint8Array, cookie: string, issued: string): Buffer {
  // The label keeps this MAC from ever equalling one the same secret makes for another purpose.
  return createHmac('sha256', secret).update(`trowel.form.csrf\0${cookie}\0${issued}`).digest();
}

/** The token for the form, bound to `cookie` and issued at `now` (ms). */
export function issueCsrfToken(secret: Uint8Array, cookie: string, now: number): string {
  const issued = Math.floor(now / 1000).toString(36);
  return `${issued}.${mac(secret, cookie, issued).toString('base64url')}`;
}

/**
 * True when `token` was issued for `cookie` under `secret` no more than `maxAge` seconds before
 * `now` (ms). The MAC is compared in constant time.
 */
export function checkCsrfToken(
  secret: Uint8Array,
  cookie: string | undefined,
  token: string,
  now: number,
  maxAge: number,
): boolean {
  if (!isCsrfCookie(cookie)) return false;
  const match = TOKEN.exec(token);
  if (!match) return false;
  const [, issued = '', given = ''] = match;
  const age = Math.floor(now / 1000) - parseInt(issued, 36);
  if (age > maxAge || age < -SKEW_SECONDS) return false;
  // Compared as text: decoding would accept the variants that differ only in the unused low bits
  // of the last base64url character.
  const expected = Buffer.from(mac(secret, cookie, issued).toString('base64url'));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
