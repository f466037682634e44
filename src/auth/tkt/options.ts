/**
 * The options of `authTkt()`, and their validation when the middleware is built.
 */
import { ConfigError } from '../../core/config-error.ts';
import type { Context } from '../../core/context.ts';
import { serializeCookie, type SameSite } from '../../core/cookies.ts';
import type { TicketData, TicketDigest } from './ticket.ts';
import { readSecret } from '../secret.ts';

/** Options for `authTkt()`. */
export interface AuthTktOptions {
  /** The shared secret, at least 16 bytes (mod_auth_tkt's `TKTAuthSecret`). Give this or `secretFile`. */
  readonly secret?: string;
  /** A file holding the secret (trailing whitespace is dropped); read once, when built. */
  readonly secretFile?: string;
  /** The digest algorithm (`TKTAuthDigestType`); `md5` only to share tickets with old peers. @default 'sha256' */
  readonly digest?: TicketDigest;
  /** @default 'auth_tkt' */
  readonly cookieName?: string;
  /** Bind tickets to the client's IPv4 address (`TKTAuthIgnoreIP off`). @default false */
  readonly includeIp?: boolean;
  /**
   * Seconds after issue when a ticket stops being accepted (`TKTAuthTimeout`). `false` accepts
   * tickets of any age, which mod_auth_tkt's own documentation calls an open door to replay.
   * @default 7200
   */
  readonly timeout?: number | false;
  /**
   * Seconds after issue when a still-valid ticket is replaced by a fresh one on the way out, so an
   * active user is not logged out mid-session (`TKTAuthTimeoutRefresh`). Must be below `timeout`.
   * @default half the timeout; `false` when `timeout` is `false`
   */
  readonly reissueTime?: number | false;
  /** A `ctx.pathInfo` that logs the user out (the request still reaches the app). @default none */
  readonly logoutPath?: string;
  /** `Secure` on the cookie; `'auto'` sets it when the request came over https. @default 'auto' */
  readonly secure?: boolean | 'auto';
  /** @default true */
  readonly httpOnly?: boolean;
  /** @default 'Lax' */
  readonly sameSite?: SameSite;
  /** `Domain` on the cookie, to share it with subdomains; never taken from the Host header. @default none */
  readonly domain?: string;
  /** @default '/' */
  readonly path?: string;
  /** Also accept base64-encoded tickets, as mod_auth_tkt and Paste's `AuthTicket.cookie()` write. @default true */
  readonly acceptBase64?: boolean;
  /**
   * Called with each valid ticket before the user is set; return `false` to treat it as absent
   * (a disabled account, a revoked session).
   * @default none
   */
  readonly onUser?: (
    ticket: TicketData,
    ctx: Context,
  ) => boolean | undefined | Promise<boolean | undefined>;
}

/** The options after validation. */
export interface ResolvedTktOptions {
  readonly secret: string;
  readonly digest: TicketDigest;
  readonly cookieName: string;
  readonly includeIp: boolean;
  readonly timeout: number | false;
  readonly reissueTime: number | false;
  readonly logoutPath: string | undefined;
  readonly secure: boolean | 'auto';
  readonly httpOnly: boolean;
  readonly sameSite: SameSite;
  readonly domain: string | undefined;
  readonly path: string;
  readonly acceptBase64: boolean;
  readonly onUser: AuthTktOptions['onUser'];
}

const DIGESTS: readonly string[] = ['md5', 'sha256', 'sha512'];

/**
 * Validates `options` and fills in the defaults.
 *
 * @throws {ConfigError} `TROWEL_ERR_AUTH_TKT_SECRET`, `…_DIGEST`, `…_TIMEOUT`, `…_REISSUE_TIME`,
 * `…_LOGOUT_PATH` or `…_COOKIE`.
 * @example
 * ```ts
 * import { resolveTktOptions } from './options.ts';
 * resolveTktOptions({ secret: 'a long shared secret' }).timeout; // 7200
 * ```
 */
export function resolveTktOptions(options: AuthTktOptions): ResolvedTktOptions {
  const secret = readSecret(options, 'TROWEL_ERR_AUTH_TKT_SECRET', 'authTkt', 16);
  const digest = options.digest ?? 'sha256';
  if (!DIGESTS.includes(digest)) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_TKT_DIGEST',
      `authTkt: digest must be md5, sha256 or sha512, got ${JSON.stringify(digest)}`,
    );
  }
  const timeout = options.timeout ?? 7200;
  if (timeout !== false && (!Number.isSafeInteger(timeout) || timeout <= 0)) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_TKT_TIMEOUT',
      'authTkt: timeout must be a positive whole number of seconds, or false to accept tickets of any age',
    );
  }
  const reissueTime = options.reissueTime ?? (timeout === false ? false : Math.floor(timeout / 2));
  if (
    reissueTime !== false &&
    (!Number.isSafeInteger(reissueTime) ||
      reissueTime < 0 ||
      (timeout !== false && reissueTime >= timeout))
  ) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_TKT_REISSUE_TIME',
      'authTkt: reissueTime must be a whole number of seconds below timeout, or false',
    );
  }
  const logoutPath = options.logoutPath;
  if (logoutPath !== undefined && !logoutPath.startsWith('/')) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_TKT_LOGOUT_PATH',
      `authTkt: logoutPath must start with "/", got ${JSON.stringify(logoutPath)}`,
    );
  }
  const resolved: ResolvedTktOptions = {
    secret,
    digest,
    cookieName: options.cookieName ?? 'auth_tkt',
    includeIp: options.includeIp ?? false,
    timeout,
    reissueTime,
    logoutPath,
    secure: options.secure ?? 'auto',
    httpOnly: options.httpOnly ?? true,
    sameSite: options.sameSite ?? 'Lax',
    domain: options.domain,
    path: options.path ?? '/',
    acceptBase64: options.acceptBase64 ?? true,
    onUser: options.onUser,
  };
  checkCookie(resolved);
  return resolved;
}

function checkCookie(options: ResolvedTktOptions): void {
  if (options.sameSite === 'None' && options.secure !== true) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_TKT_COOKIE',
      'authTkt: sameSite None requires secure: true',
    );
  }
  // With 'auto', a plain-http request would make a prefixed cookie the browser refuses.
  if (/^__(?:host|secure)-/i.test(options.cookieName) && options.secure !== true) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_TKT_COOKIE',
      `authTkt: the ${options.cookieName} prefix requires secure: true`,
    );
  }
  try {
    serializeCookie(options.cookieName, 'x', cookieAttributes(options, true));
  } catch (error) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_TKT_COOKIE',
      `authTkt: bad cookie settings: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/**
 * The `Set-Cookie` attributes for a request over https (`secure`) or not.
 *
 * @example
 * ```ts
 * import { cookieAttributes, resolveTktOptions } from './options.ts';
 * cookieAttributes(resolveTktOptions({ secret: 'a long shared secret' }), true).secure; // true
 * ```
 */
export function cookieAttributes(
  options: ResolvedTktOptions,
  https: boolean,
): { path: string; httpOnly: boolean; sameSite: SameSite; secure: boolean; domain?: string } {
  return {
    path: options.path,
    httpOnly: options.httpOnly,
    sameSite: options.sameSite,
    secure: options.secure === 'auto' ? https : options.secure,
    ...(options.domain === undefined ? {} : { domain: options.domain }),
  };
}
