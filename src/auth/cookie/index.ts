/**
 * Keeps chosen context values — by default the authenticated user and how they logged in — in an
 * HMAC-SHA256 signed, expiring cookie, and restores them on later requests. Replaces Paste's
 * `paste.auth.cookie` (`AuthCookieHandler`, `AuthCookieSigner`), which crashes on every cookie it
 * reads on Python 3.9+, signs with HMAC-SHA1 compared by `==`, and restores any environ key the
 * cookie names.
 *
 * Not for data the client must not read (the values are signed, not encrypted), nor for anything
 * large or that must be revocable at once: use `session()` with a server-side store for those.
 *
 * @module trowel/auth/cookie
 */
export { signedCookie, type SignedCookieOptions } from './signed-cookie.ts';
export { openValues, sealValues, type SealedValues } from './seal.ts';
