/**
 * Cookie authentication in Apache mod_auth_tkt's ticket format, interoperable both ways with
 * mod_auth_tkt and Python Paste's `paste.auth.auth_tkt`: a signed, timestamped ticket carrying a
 * user id, tokens (roles) and user data. Replaces `AuthTKTMiddleware`, which on Python 3 crashes on
 * every ticket it reads, writes `b'…'` into Set-Cookie, and never lets a ticket expire.
 *
 * Use it to share a login with Apache-protected or Paste-based applications. For a cookie only this
 * application reads, `trowel/auth/cookie` (HMAC-SHA256, JSON payload) or a server-side
 * `session()` is the better design: the mod_auth_tkt digest is a double hash, not an HMAC.
 *
 * @module trowel/auth/tkt
 */
export { AUTH_TKT, authTkt, TKT_TOKENS, TKT_USER_DATA, type AuthTktControl } from './middleware.ts';
export type { AuthTktOptions } from './options.ts';
export {
  createTicket,
  verifyTicket,
  type TicketData,
  type TicketDigest,
  type TicketInit,
} from './ticket.ts';
