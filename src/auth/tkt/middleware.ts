/**
 * The `authTkt()` middleware: reads a mod_auth_tkt ticket from a cookie, checks it, and puts the
 * user in the context; gives the application `setUser()` and `logout()` to issue and clear it.
 */
import { createKey, type Context, type Key } from '../../core/context.ts';
import { serializeCookie, deleteCookie } from '../../core/cookies.ts';
import type { Middleware } from '../../core/handler.ts';
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import { cookieAttributes, resolveTktOptions, type AuthTktOptions } from './options.ts';
import type { ResolvedTktOptions } from './options.ts';
import { createTicket, verifyTicket, type TicketData } from './ticket.ts';

/** What `authTkt()` hands the application under {@link AUTH_TKT}. */
export interface AuthTktControl {
  /** The valid ticket this request came with, if any. */
  readonly ticket: TicketData | undefined;
  /**
   * Logs `user` in: sets REMOTE_USER (and the token and data keys) for the rest of this request and
   * adds a `Set-Cookie` with a fresh ticket to the response.
   *
   * @throws {TypeError} for a user, token or user data the ticket format cannot carry, or, with
   * `includeIp`, a client that is not on IPv4.
   */
  setUser(
    user: string,
    options?: { readonly tokens?: readonly string[]; readonly userData?: string },
  ): void;
  /** Logs the user out: clears the context keys and adds a `Set-Cookie` that removes the ticket. */
  logout(): void;
}

/** The `setUser()` / `logout()` operations, set by `authTkt()` on every request's context. */
export const AUTH_TKT: Key<AuthTktControl> = createKey<AuthTktControl>('trowel.authTkt');

/** The ticket's tokens (mod_auth_tkt's `REMOTE_USER_TOKENS`), set with REMOTE_USER. */
export const TKT_TOKENS: Key<readonly string[]> =
  createKey<readonly string[]>('trowel.authTkt.tokens');

/** The ticket's user data (mod_auth_tkt's `REMOTE_USER_DATA`), set with REMOTE_USER. */
export const TKT_USER_DATA: Key<string> = createKey<string>('trowel.authTkt.userData');

/** Seconds a ticket's timestamp may lie ahead of this server's clock. */
const FUTURE_SKEW = 60;

/**
 * Authenticates requests by a mod_auth_tkt ticket cookie, interoperable with Apache mod_auth_tkt
 * and Python Paste. A valid, unexpired ticket sets REMOTE_USER, AUTH_TYPE (`auth_tkt`),
 * {@link TKT_TOKENS} and {@link TKT_USER_DATA}; a missing or bad one leaves them unset (and a bad
 * one is removed from the browser). It never answers 401 itself: guard the routes that need a user.
 *
 * @throws {ConfigError} when built with bad options (see `AuthTktOptions`).
 * @example
 * ```ts
 * import { REMOTE_USER } from 'trowel';
 * import { AUTH_TKT, authTkt } from 'trowel/auth/tkt';
 *
 * const app = authTkt({ secret: 'a long shared secret', logoutPath: '/logout' })((request, ctx) => {
 *   if (new URL(request.url).pathname === '/login') {
 *     ctx.require(AUTH_TKT).setUser('alice', { tokens: ['admin'] });
 *   }
 *   return new Response(`hello ${ctx.get(REMOTE_USER) ?? 'stranger'}`);
 * });
 * ```
 */
export function authTkt(options: AuthTktOptions): Middleware {
  const opts = resolveTktOptions(options);
  return (next) => async (request, ctx) => {
    const now = Math.floor(Date.now() / 1000);
    const https = ctx.scheme === 'https';
    const raw = readCookie(request.headers.get('cookie'), opts.cookieName);
    let ticket = raw === undefined ? undefined : readTicket(raw, clientIp(opts, ctx), opts);
    if (
      ticket !== undefined &&
      // A ticket from the future was minted by a clock that is wrong or by someone who meant it to
      // outlive the timeout: refused beyond a minute of clock skew.
      (ticket.timestamp > now + FUTURE_SKEW ||
        (opts.timeout !== false && now - ticket.timestamp > opts.timeout))
    ) {
      ticket = undefined;
    }
    if (
      ticket !== undefined &&
      opts.onUser !== undefined &&
      (await opts.onUser(ticket, ctx)) === false
    ) {
      ticket = undefined;
    }
    let outgoing: string | undefined;
    const issue = (user: string, tokens: readonly string[], userData: string): void => {
      const value = createTicket({
        secret: opts.secret,
        user,
        tokens,
        userData,
        timestamp: Math.floor(Date.now() / 1000),
        ip: opts.includeIp ? ctx.remoteAddr : '0.0.0.0',
        digest: opts.digest,
      });
      outgoing = serializeCookie(opts.cookieName, cookieValue(value), {
        ...cookieAttributes(opts, https),
        encode: (v) => v,
      });
      ctx.set(REMOTE_USER, user).set(AUTH_TYPE, 'auth_tkt');
      ctx.set(TKT_TOKENS, tokens).set(TKT_USER_DATA, userData);
    };
    const { secure, ...attributes } = cookieAttributes(opts, https);
    const clear = (): string =>
      // SameSite=None needs Secure even on a deletion; otherwise the flag is irrelevant to removal.
      deleteCookie(opts.cookieName, { ...attributes, secure: secure || opts.sameSite === 'None' });
    if (ticket === undefined) {
      // A bad or expired ticket is dropped from the browser so it stops being sent.
      if (raw !== undefined) outgoing = clear();
    } else {
      ctx.set(REMOTE_USER, ticket.user).set(AUTH_TYPE, 'auth_tkt');
      ctx.set(TKT_TOKENS, ticket.tokens).set(TKT_USER_DATA, ticket.userData);
      if (opts.reissueTime !== false && now - ticket.timestamp > opts.reissueTime) {
        issue(ticket.user, ticket.tokens, ticket.userData);
      }
    }
    const control: AuthTktControl = {
      ticket,
      setUser: (user, extra = {}) => {
        issue(user, extra.tokens ?? [], extra.userData ?? '');
      },
      logout: () => {
        outgoing = clear();
        ctx.delete(REMOTE_USER).delete(AUTH_TYPE).delete(TKT_TOKENS).delete(TKT_USER_DATA);
      },
    };
    ctx.set(AUTH_TKT, control);
    if (opts.logoutPath !== undefined && ctx.pathInfo === opts.logoutPath) control.logout();
    const response = await next(request, ctx);
    if (outgoing === undefined) return response;
    // The app's Response may have immutable headers (Response.redirect, a fetched response).
    const out = new Response(response.body, response);
    out.headers.append('set-cookie', outgoing);
    return out;
  };
}

function clientIp(opts: ResolvedTktOptions, ctx: Context): string {
  return opts.includeIp ? ctx.remoteAddr : '0.0.0.0';
}

function readTicket(raw: string, ip: string, opts: ResolvedTktOptions): TicketData | undefined {
  const check = { secret: opts.secret, ip, digest: opts.digest };
  const plain = verifyTicket(raw, check);
  if (plain !== undefined || !opts.acceptBase64 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(raw)) {
    return plain;
  }
  return verifyTicket(Buffer.from(raw, 'base64').toString('utf8'), check);
}

// The ticket goes out as is when every character is a cookie-octet (RFC 6265 §4.1.1), which keeps
// it readable by every mod_auth_tkt and Paste version; otherwise base64, which both also accept.
function cookieValue(ticket: string): string {
  return /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*$/.test(ticket)
    ? ticket
    : Buffer.from(ticket, 'utf8').toString('base64');
}

// The raw value, not percent-decoded (the ticket's user id is quoted inside the digest's view), with
// surrounding double quotes removed as Paste does; the first cookie of the name wins (RFC 6265 §5.4).
function readCookie(header: string | null, name: string): string | undefined {
  if (header === null) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    const value = pair.slice(eq + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
      ? value.slice(1, -1)
      : value;
  }
  return undefined;
}
