/**
 * Session ids: 32 bytes from the operating system's CSPRNG, written in base64url (43 characters,
 * 256 bits of entropy — OWASP asks for at least 64). Every id read from a cookie is checked against
 * that exact shape before any store sees it, so a cookie value can never become a path, a Redis key
 * pattern or an oversized lookup.
 */
import { randomBytes } from 'node:crypto';

const ID_BYTES = 32;
const ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/**
 * A fresh session id: 32 random bytes, base64url without padding.
 *
 * @example
 * ```ts
 * import { newSessionId } from 'trowel/session';
 * newSessionId().length; // 43
 * ```
 */
export function newSessionId(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

/**
 * True when `value` has the shape of an id made by {@link newSessionId}. Says nothing about whether
 * a store knows it.
 *
 * @example
 * ```ts
 * import { isSessionId } from 'trowel/session';
 * isSessionId('../../etc/passwd'); // false
 * ```
 */
export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && ID_SHAPE.test(value);
}
