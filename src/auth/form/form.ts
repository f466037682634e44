/**
 * `formAuth()`: the middleware. See `index.ts` for the module's documentation.
 */
import { randomBytes } from 'node:crypto';
import { readForm } from '../../core/body.ts';
import { ConfigError } from '../../core/config-error.ts';
import type { Context } from '../../core/context.ts';
import { getCookies, serializeCookie } from '../../core/cookies.ts';
import type { Handler, Middleware } from '../../core/handler.ts';
import { isHttpError } from '../../core/http-error.ts';
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import { verifyHash } from '../basic/hashes.ts';
import { parseHtpasswd, watchedFile } from '../files.ts';
import { checkCsrfToken, isCsrfCookie, issueCsrfToken, newCsrfCookie } from './csrf.ts';
import {
  CSRF_FIELD,
  defaultLoginTemplate,
  loginPage,
  PASSWORD_FIELD,
  USERNAME_FIELD,
  type LoginPage,
} from './page.ts';

/** Checks a user name and password; `true` signs the user in. */
export type FormVerify = (
  user: string,
  password: string,
  request: Request,
  ctx: Context,
) => boolean | Promise<boolean>;

/** Options of {@link formAuth}. */
export interface FormAuthOptions {
  /** Checks the submitted credentials. Give this or `htpasswd`. */
  readonly verify?: FormVerify;
  /**
   * An Apache htpasswd file (bcrypt, APR1-MD5, `{SHA}` or crypt hashes) to check credentials
   * against, re-read when it changes. Give this or `verify`.
   */
  readonly htpasswd?: string;
  /** The page title and the `realm` of the `WWW-Authenticate: Form` challenge. @default 'Sign in' */
  readonly realm?: string;
  /** Renders the login page from already-escaped values. @default {@link defaultLoginTemplate} */
  readonly template?: (page: LoginPage) => string;
  /**
   * The key that signs CSRF tokens, at least 32 bytes. Give one when several processes serve the
   * same site, so a form issued by one is accepted by another.
   * @default 32 random bytes, new in every process
   */
  readonly secret?: string | Uint8Array;
  /** How long a login form stays valid, in seconds. @default 3600 */
  readonly tokenMaxAge?: number;
  /** The largest login POST body read, in bytes; more gives 413. @default 65536 */
  readonly bodyLimit?: number;
  /**
   * Called after a successful login, before the application runs — the place to regenerate a
   * session id or record the login. @default none
   */
  readonly onUser?: (user: string, request: Request, ctx: Context) => void | Promise<void>;
}

const CSP_DEFAULT =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const CSP_CUSTOM = "form-action 'self'; frame-ancestors 'none'";
const EXPIRED = 'This form has expired or was sent from another site. Please sign in again.';
const MISSING = 'Enter your user name and password.';
const WRONG = 'Wrong user name or password.';

function fail(what: string, message: string): never {
  throw new ConfigError(`TROWEL_ERR_AUTH_FORM_${what}`, `formAuth(): ${message}`);
}

function checkOptions(options: FormAuthOptions): void {
  const given = options as FormAuthOptions | undefined;
  const { verify, htpasswd } = given ?? {};
  if ((verify === undefined) === (htpasswd === undefined)) {
    fail('VERIFY', 'give exactly one of verify (a function) and htpasswd (a file path)');
  }
  if (verify !== undefined && typeof verify !== 'function') {
    fail('VERIFY', 'verify must be a function (user, password, request, ctx) => boolean');
  }
  if (htpasswd !== undefined && (typeof htpasswd !== 'string' || htpasswd === '')) {
    fail('VERIFY', 'htpasswd must be the path of an htpasswd file');
  }
  const { realm, template, tokenMaxAge, bodyLimit, onUser } = options;
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (realm !== undefined && (typeof realm !== 'string' || /[\0-\x1f\x7f]/.test(realm))) {
    fail('OPTIONS', 'realm must be a string without control characters');
  }
  if (template !== undefined && typeof template !== 'function') {
    fail('OPTIONS', 'template must be a function (page) => string');
  }
  if (onUser !== undefined && typeof onUser !== 'function') {
    fail('OPTIONS', 'onUser must be a function');
  }
  if (tokenMaxAge !== undefined && !(Number.isSafeInteger(tokenMaxAge) && tokenMaxAge > 0)) {
    fail('OPTIONS', 'tokenMaxAge must be a positive whole number of seconds');
  }
  if (bodyLimit !== undefined && !(Number.isSafeInteger(bodyLimit) && bodyLimit > 0)) {
    fail('OPTIONS', 'bodyLimit must be a positive whole number of bytes');
  }
}

/** A well-formed hash that matches no password, so an unknown user costs a hash check too. */
const NO_USER = '{SHA}AAAAAAAAAAAAAAAAAAAAAAAAAAA=';

function fileVerify(path: string): FormVerify {
  const users = watchedFile(path, parseHtpasswd, 'TROWEL_ERR_AUTH_FORM_HTPASSWD');
  return async (user, password) => {
    const hash = (await users.current()).get(user);
    const ok = await verifyHash(password, hash ?? NO_USER);
    return ok && hash !== undefined;
  };
}

function secretBytes(secret: string | Uint8Array | undefined): Uint8Array {
  if (secret === undefined) return randomBytes(32);
  const bytes =
    typeof secret === 'string'
      ? new TextEncoder().encode(secret)
      : secret instanceof Uint8Array
        ? Uint8Array.from(secret)
        : undefined;
  if (bytes === undefined || bytes.length < 32) {
    fail('SECRET', 'secret must be a string or Uint8Array of at least 32 bytes');
  }
  return bytes;
}

/** RFC 9110 §5.6.4: a quoted-string, with `"` and `\` escaped. */
function quoted(text: string): string {
  return `"${text.replace(/["\\]/g, '\\$&')}"`;
}

/**
 * A POST from another site is refused before the token is even looked at: browsers send `Origin`
 * on every POST (RFC 6454 §7, Fetch) and `Sec-Fetch-Site` where they support it.
 */
function sameOrigin(request: Request, ctx: Context): boolean {
  if (request.headers.get('sec-fetch-site')?.toLowerCase() === 'cross-site') return false;
  const origin = request.headers.get('origin');
  return origin === null || origin.toLowerCase() === `${ctx.scheme}://${ctx.host}`.toLowerCase();
}

function isFormPost(request: Request): boolean {
  const type = request.headers.get('content-type')?.split(';', 1)[0]?.trim().toLowerCase();
  return (
    request.method === 'POST' &&
    (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data')
  );
}

/**
 * The login POST turned into a GET of the same URL, without its body: the application serves the
 * page the visitor asked for, and the password never reaches it.
 */
function asGet(request: Request): Request {
  const headers = new Headers(request.headers);
  for (const name of ['content-type', 'content-length', 'transfer-encoding', 'content-encoding']) {
    headers.delete(name);
  }
  return new Request(request.url, { method: 'GET', headers, signal: request.signal });
}

/**
 * Signs users in with an HTML login form (Paste's `paste.auth.form`): a request without a user gets
 * the form, a POST of valid credentials sets `REMOTE_USER` and `AUTH_TYPE` `'form'` and runs the
 * application for that request.
 *
 * @throws {ConfigError} `TROWEL_ERR_AUTH_FORM_VERIFY`, `TROWEL_ERR_AUTH_FORM_SECRET` or
 * `TROWEL_ERR_AUTH_FORM_OPTIONS` for bad options; `TROWEL_ERR_AUTH_FORM_HTPASSWD` for an
 * htpasswd file that cannot be read.
 * @example
 * ```ts
 * import { compose, REMOTE_USER, type Handler } from 'trowel';
 * import { formAuth } from 'trowel/auth/form';
 *
 * const app: Handler = (_request, ctx) => new Response(`Hello ${ctx.get(REMOTE_USER) ?? ''}`);
 * const site = compose(formAuth({ verify: (user, password) => user === 'ada' && password === 'pw' }))(app);
 * ```
 */
export function formAuth(options: FormAuthOptions): Middleware {
  checkOptions(options);
  const { onUser } = options;
  const verify = options.verify ?? fileVerify(options.htpasswd ?? '');
  const realm = options.realm ?? 'Sign in';
  const template = options.template ?? defaultLoginTemplate;
  const csp = options.template === undefined ? CSP_DEFAULT : CSP_CUSTOM;
  const secret = secretBytes(options.secret);
  const maxAge = options.tokenMaxAge ?? 3600;
  const limit = options.bodyLimit ?? 65536;

  return (next: Handler): Handler =>
    async (request, ctx) => {
      if (ctx.get(REMOTE_USER) !== undefined) return next(request, ctx);
      // RFC 6265bis §4.1.3.2: on https the __Host- prefix stops a sibling subdomain planting the
      // cookie, the known gap of double-submit tokens.
      const secure = ctx.scheme === 'https';
      const cookieName = secure ? '__Host-trowel_csrf' : 'trowel_csrf';
      const cookie = getCookies(request).get(cookieName);

      const page = (status: 401 | 403, error: string, username: string): Response => {
        const fresh = isCsrfCookie(cookie) ? undefined : newCsrfCookie();
        const token = issueCsrfToken(secret, fresh ?? cookie ?? '', Date.now());
        const url = new URL(request.url);
        // One leading slash: `//evil.example/x` as an action would post the password to that host.
        const action = `/${url.pathname.replace(/^[/\\]+/, '')}${url.search}`;
        const body = template(loginPage(action, realm, username, error, token));
        const headers = new Headers({
          'content-type': 'text/html; charset=utf-8',
          // The page holds a one-off token and may hold a user name: no cache may keep it.
          'cache-control': 'no-store',
          'content-security-policy': csp,
          'x-frame-options': 'DENY',
        });
        // RFC 9110 §15.5.2: a 401 must carry a challenge; "Form" names no HTTP scheme, so
        // clients show the page instead of prompting.
        if (status === 401) headers.set('www-authenticate', `Form realm=${quoted(realm)}`);
        if (fresh !== undefined) {
          const attributes = { path: '/', httpOnly: true, secure, sameSite: 'Lax' } as const;
          headers.append('set-cookie', serializeCookie(cookieName, fresh, attributes));
        }
        return new Response(request.method === 'HEAD' ? null : body, { status, headers });
      };

      if (!isFormPost(request)) return page(401, '', '');
      let form: FormData;
      try {
        form = await readForm(request, { limit, maxFields: 100 });
      } catch (error) {
        if (isHttpError(error)) return error.toResponse(request);
        throw error;
      }
      const token = form.get(CSRF_FIELD);
      const user = form.get(USERNAME_FIELD);
      const password = form.get(PASSWORD_FIELD);
      // A form the application itself posts, from a visitor not yet signed in: show the login.
      if (token === null && user === null && password === null) return page(401, '', '');
      const name = typeof user === 'string' ? user : '';
      if (
        typeof token !== 'string' ||
        !sameOrigin(request, ctx) ||
        !checkCsrfToken(secret, cookie, token, Date.now(), maxAge)
      ) {
        return page(403, EXPIRED, name);
      }
      if (typeof password !== 'string' || name === '' || password === '') {
        return page(401, MISSING, name);
      }
      if (!(await verify(name, password, request, ctx))) return page(401, WRONG, name);
      ctx.set(REMOTE_USER, name);
      ctx.set(AUTH_TYPE, 'form');
      if (onUser) await onUser(name, request, ctx);
      return next(asGet(request), ctx);
    };
}
