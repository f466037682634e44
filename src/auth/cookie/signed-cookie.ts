/**
 * The `signedCookie()` middleware and its options.
 */
import { ConfigError } from '../../core/config-error.ts';
import type { Context, Key } from '../../core/context.ts';
import { deleteCookie, getCookies, serializeCookie, type SameSite } from '../../core/cookies.ts';
import type { Middleware } from '../../core/handler.ts';
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import { openValues, sealValues } from './seal.ts';
import { readSecret } from '../secret.ts';

/** Options for {@link signedCookie}. */
export interface SignedCookieOptions {
  /** The HMAC key, at least 32 bytes. Give this or `secretFile`. */
  readonly secret?: string;
  /** A file holding the secret (trailing whitespace is dropped); read once, when built. */
  readonly secretFile?: string;
  /** The cookie name. @default 'trowel_auth' */
  readonly name?: string;
  /** The context keys to save and restore; their names must differ. @default [REMOTE_USER, AUTH_TYPE] */
  readonly keys?: readonly Key<string>[];
  /**
   * Seconds a cookie stays valid after it is written. The expiry is inside the signed payload, and
   * a cookie past half its life is rewritten on the way out, so an active user stays logged in.
   * @default 3600
   */
  readonly maxAge?: number;
  /** `Secure` on the cookie; `'auto'` sets it when the request came over https. @default 'auto' */
  readonly secure?: boolean | 'auto';
  /** @default true */
  readonly httpOnly?: boolean;
  /** @default 'Lax' */
  readonly sameSite?: SameSite;
  /** @default none (this host only) */
  readonly domain?: string;
  /** @default '/' */
  readonly path?: string;
  /**
   * Called before a user restored from the cookie is accepted; return `false` to treat the cookie
   * as absent (a disabled account, a server-side logout list).
   * @default none
   */
  readonly onUser?: (
    user: string,
    ctx: Context,
  ) => boolean | undefined | Promise<boolean | undefined>;
}

/**
 * Saves chosen context values (by default the user and how they authenticated) in an HMAC-SHA256
 * signed, expiring cookie, and restores them on later requests, so a login done once — by a form,
 * CAS, or any scheme that sets REMOTE_USER — holds for the session. Restored values never overwrite
 * a value an outer middleware already set. After the app runs, a new cookie is written when the
 * values changed; when they were all removed (`ctx.delete(REMOTE_USER)`) the cookie is cleared. A
 * tampered, swapped or expired cookie is treated as absent and cleared.
 *
 * @throws {ConfigError} `TROWEL_ERR_AUTH_COOKIE_SECRET`, `…_KEYS`, `…_MAX_AGE` or `…_COOKIE` when
 * built with bad options.
 * @example
 * ```ts
 * import { REMOTE_USER } from 'trowel';
 * import { signedCookie } from 'trowel/auth/cookie';
 *
 * const app = signedCookie({ secret: 'a secret of at least thirty-two bytes!' })((request, ctx) => {
 *   const path = new URL(request.url).pathname;
 *   if (path === '/login') ctx.set(REMOTE_USER, 'alice');
 *   if (path === '/logout') ctx.delete(REMOTE_USER);
 *   return new Response(`hello ${ctx.get(REMOTE_USER) ?? 'stranger'}`);
 * });
 * ```
 */
export function signedCookie(options: SignedCookieOptions): Middleware {
  const opts = resolve(options);
  return (next) => async (request, ctx) => {
    const now = Math.floor(Date.now() / 1000);
    const https = ctx.scheme === 'https';
    const raw = getCookies(request).get(opts.name);
    let sealed = raw === undefined ? undefined : openValues(opts.secret, opts.name, raw, now);
    const user = sealed?.values[REMOTE_USER.name];
    if (
      user !== undefined &&
      opts.onUser !== undefined &&
      (await opts.onUser(user, ctx)) === false
    ) {
      sealed = undefined;
    }
    if (sealed !== undefined) {
      for (const key of opts.keys) {
        const value = sealed.values[key.name];
        if (value !== undefined && !ctx.has(key)) ctx.set(key, value);
      }
      // A restored user was authenticated by this cookie, unless the cookie also says how.
      if (user !== undefined && ctx.get(REMOTE_USER) === user && !ctx.has(AUTH_TYPE)) {
        ctx.set(AUTH_TYPE, 'cookie');
      }
    }
    const response = await next(request, ctx);
    const current = Object.create(null) as Record<string, string>;
    for (const key of opts.keys) {
      const value = ctx.get(key);
      if (typeof value === 'string') current[key.name] = value;
    }
    const attributes = {
      path: opts.path,
      httpOnly: opts.httpOnly,
      sameSite: opts.sameSite,
      secure: opts.secure === 'auto' ? https : opts.secure,
      ...(opts.domain === undefined ? {} : { domain: opts.domain }),
    };
    let outgoing: string | undefined;
    if (Object.keys(current).length === 0) {
      // Logged out, or a bad cookie: either way the browser should stop sending it.
      if (raw !== undefined) outgoing = deleteCookie(opts.name, attributes);
    } else if (
      sealed === undefined ||
      !sameValues(sealed.values, current) ||
      sealed.expires - now < opts.maxAge / 2
    ) {
      const value = sealValues(opts.secret, opts.name, {
        values: current,
        expires: now + opts.maxAge,
      });
      try {
        outgoing = serializeCookie(opts.name, value, { ...attributes, maxAge: opts.maxAge });
      } catch (error) {
        throw new RangeError(
          `signedCookie: the saved values make cookie ${opts.name} too long for browsers to keep`,
          { cause: error },
        );
      }
    }
    if (outgoing === undefined) return response;
    // The app's Response may have immutable headers (Response.redirect, a fetched response).
    const out = new Response(response.body, response);
    out.headers.append('set-cookie', outgoing);
    return out;
  };
}

function sameValues(
  a: Readonly<Record<string, string>>,
  b: Readonly<Record<string, string>>,
): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

interface Resolved {
  readonly secret: string;
  readonly name: string;
  readonly keys: readonly Key<string>[];
  readonly maxAge: number;
  readonly secure: boolean | 'auto';
  readonly httpOnly: boolean;
  readonly sameSite: SameSite;
  readonly domain: string | undefined;
  readonly path: string;
  readonly onUser: SignedCookieOptions['onUser'];
}

function resolve(options: SignedCookieOptions): Resolved {
  const keys = options.keys ?? [REMOTE_USER, AUTH_TYPE];
  const names = new Set(keys.map((key) => key.name));
  if (keys.length === 0 || names.size !== keys.length) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_COOKIE_KEYS',
      'signedCookie: keys must list at least one context key, with distinct names',
    );
  }
  const maxAge = options.maxAge ?? 3600;
  if (!Number.isSafeInteger(maxAge) || maxAge <= 0) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_COOKIE_MAX_AGE',
      'signedCookie: maxAge must be a positive whole number of seconds',
    );
  }
  const resolved: Resolved = {
    secret: readSecret(options, 'TROWEL_ERR_AUTH_COOKIE_SECRET', 'signedCookie', 32),
    name: options.name ?? 'trowel_auth',
    keys,
    maxAge,
    secure: options.secure ?? 'auto',
    httpOnly: options.httpOnly ?? true,
    sameSite: options.sameSite ?? 'Lax',
    domain: options.domain,
    path: options.path ?? '/',
    onUser: options.onUser,
  };
  const { secure, domain } = resolved;
  try {
    if (resolved.sameSite === 'None' && secure !== true) {
      throw new TypeError('sameSite None requires secure: true');
    }
    // With 'auto', a plain-http request would make a prefixed cookie the browser refuses.
    if (/^__(?:host|secure)-/i.test(resolved.name) && secure !== true) {
      throw new TypeError(`the ${resolved.name} prefix requires secure: true`);
    }
    serializeCookie(resolved.name, 'x', {
      path: resolved.path,
      sameSite: resolved.sameSite,
      secure: secure !== false,
      ...(domain === undefined ? {} : { domain }),
    });
  } catch (error) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_COOKIE_COOKIE',
      `signedCookie: bad cookie settings: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return resolved;
}
