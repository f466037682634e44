/**
 * @module trowel/auth/basic
 *
 * HTTP Basic authentication (RFC 7617): asks for a user name and password with
 * `401 WWW-Authenticate: Basic realm="…", charset="UTF-8"`, checks them against a `verify`
 * callback or an Apache htpasswd file (bcrypt, APR1-MD5, `{SHA}` and `crypt` lines, re-read when
 * the file changes), and hands the user to the application in `REMOTE_USER`, with `AUTH_TYPE`
 * `Basic`. It replaces `paste.auth.basic` (`egg:Paste#auth_basic`) and fixes what that got wrong:
 *
 * - A malformed `Authorization` field (no space after the scheme, bad base64, no colon, bytes
 *   that are not UTF-8, control characters) is a 400, never a crash and a 500.
 * - The realm is quoted and escaped, and the challenge carries `charset="UTF-8"`.
 * - Hash comparisons are constant-time, and an unknown user costs as much as a known one (the
 *   password is checked against a real hash from the file and the result thrown away), so
 *   response times do not tell which users exist.
 * - The `Authorization` field is removed from the request the application sees (unless
 *   `forwardAuthorization`), so the password does not leak into logs or upstream requests.
 *
 * When not to use it: over plain HTTP on anything but loopback — Basic sends the password in
 * clear with every request, so serve it over HTTPS. It has no logout: browsers keep sending the
 * credentials until they are closed. For a login page, sessions or single sign-on use trowel's
 * form, ticket or CAS authentication instead.
 */
import type { Context } from '../../core/context.ts';
import { ConfigError } from '../../core/config-error.ts';
import type { Handler, Middleware } from '../../core/handler.ts';
import { BadRequest, Unauthorized } from '../../core/http-error.ts';
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import { parseHtpasswd, watchedFile, type WatchedFile } from '../files.ts';
import { checkRealm, quoteRealm } from './challenge.ts';
import { verifyHash } from './hashes.ts';
import { parseBasic } from './parse.ts';

export { parseHtpasswd, watchedFile, type WatchedFile } from '../files.ts';
export { hashFormat, safeEqual, verifyHash, type HashFormat } from './hashes.ts';
export { parseBasic, type BasicCredentials } from './parse.ts';

/** Options of {@link basicAuth}. Give exactly one of `verify` and `htpasswd`. */
export interface BasicAuthOptions {
  /** The protection space shown to the user; printable ASCII. */
  readonly realm: string;
  /**
   * Decides whether `password` is right for `user`. It should take as long for an unknown user
   * as for a known one, and compare secrets in constant time (`safeEqual`, `verifyHash`).
   * @default undefined
   */
  readonly verify?: (
    user: string,
    password: string,
    request: Request,
    ctx: Context,
  ) => boolean | Promise<boolean>;
  /**
   * Path of an Apache htpasswd file; read when the middleware is built (a missing file is a
   * `ConfigError` then) and again whenever it changes.
   * @default undefined
   */
  readonly htpasswd?: string;
  /**
   * `'UTF-8'` sends `charset="UTF-8"` and accepts only UTF-8 credentials (RFC 7617 §2.1);
   * `false` omits it and reads bytes that are not UTF-8 as ISO-8859-1.
   * @default 'UTF-8'
   */
  readonly charset?: 'UTF-8' | false;
  /** Pass the `Authorization` field on to the application. @default false */
  readonly forwardAuthorization?: boolean;
  /** Called once a user is authenticated, before the application runs. @default undefined */
  readonly onUser?: (user: string, request: Request, ctx: Context) => void | Promise<void>;
}

type Verify = (user: string, password: string, request: Request, ctx: Context) => Promise<boolean>;

function fileVerifier(users: WatchedFile<Map<string, string>>): Verify {
  return async (user, password) => {
    const table = await users.current();
    const hash = table.get(user);
    if (hash !== undefined) return verifyHash(password, hash);
    // Spend the time a real user would cost, on a hash of the file's own kind, and refuse.
    const dummy = table.values().next().value;
    if (dummy !== undefined) await verifyHash(password, dummy);
    return false;
  };
}

function resolveVerify(options: BasicAuthOptions): Verify {
  const { verify, htpasswd } = options;
  if ((verify === undefined) === (htpasswd === undefined)) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_BASIC_OPTIONS',
      'basicAuth(): give exactly one of verify and htpasswd',
    );
  }
  if (verify !== undefined) {
    if (typeof verify !== 'function') {
      throw new ConfigError(
        'TROWEL_ERR_AUTH_BASIC_OPTIONS',
        'basicAuth(): verify must be a function',
      );
    }
    return async (user, password, request, ctx) => await verify(user, password, request, ctx);
  }
  if (typeof htpasswd !== 'string' || htpasswd === '') {
    throw new ConfigError('TROWEL_ERR_AUTH_BASIC_HTPASSWD', 'basicAuth(): htpasswd must be a path');
  }
  return fileVerifier(watchedFile(htpasswd, parseHtpasswd, 'TROWEL_ERR_AUTH_BASIC_HTPASSWD'));
}

/**
 * Basic authentication as middleware. A request already carrying `REMOTE_USER` (set by an outer
 * authentication middleware) passes through untouched.
 *
 * Answers 401 with the challenge when credentials are missing, name another scheme or are wrong,
 * and 400 when the `Authorization` field is malformed.
 *
 * @throws {ConfigError} `TROWEL_ERR_AUTH_BASIC_REALM`, `TROWEL_ERR_AUTH_BASIC_OPTIONS` or
 *   `TROWEL_ERR_AUTH_BASIC_HTPASSWD` (the file cannot be read) when built.
 *
 * @example
 * ```ts
 * import { compose, REMOTE_USER, type Handler } from 'trowel';
 * import { basicAuth } from 'trowel/auth/basic';
 *
 * const app: Handler = (_request, ctx) => new Response(`hello ${ctx.require(REMOTE_USER)}`);
 * export const handler: Handler = compose(basicAuth({ realm: 'admin', htpasswd: './htpasswd' }))(app);
 * ```
 */
export function basicAuth(options: BasicAuthOptions): Middleware {
  const realm = checkRealm(options.realm, 'TROWEL_ERR_AUTH_BASIC_REALM', 'basicAuth()');
  const verify = resolveVerify(options);
  const charset: unknown = options.charset ?? 'UTF-8';
  if (charset !== 'UTF-8' && charset !== false) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_BASIC_OPTIONS',
      "basicAuth(): charset must be 'UTF-8' or false",
    );
  }
  const challenge = `Basic realm=${quoteRealm(realm)}${charset === 'UTF-8' ? ', charset="UTF-8"' : ''}`;
  const forward = options.forwardAuthorization === true;
  const { onUser } = options;

  return (next: Handler): Handler =>
    async (request, ctx) => {
      if (ctx.get(REMOTE_USER) !== undefined) return next(request, ctx);
      const credentials = parseBasic(request.headers.get('authorization'), charset === 'UTF-8');
      if (credentials.kind === 'malformed') {
        return new BadRequest(`malformed Authorization: ${credentials.reason}`).toResponse(request);
      }
      if (
        credentials.kind === 'absent' ||
        !(await verify(credentials.user, credentials.password, request, ctx))
      ) {
        return new Unauthorized(challenge).toResponse(request);
      }
      ctx.set(REMOTE_USER, credentials.user);
      ctx.set(AUTH_TYPE, 'Basic');
      if (onUser !== undefined) await onUser(credentials.user, request, ctx);
      if (forward) return next(request, ctx);
      const headers = new Headers(request.headers);
      headers.delete('authorization');
      return next(new Request(request, { headers }), ctx);
    };
}
