/**
 * The casAuth() middleware: single sign-on through a CAS server (protocol 1.0, 2.0 or 3.0).
 */
import type { Dispatcher } from 'undici';
import { ConfigError } from '../../core/config-error.ts';
import { createKey, type Context, type Key } from '../../core/context.ts';
import { getCookies, serializeCookie, deleteCookie } from '../../core/cookies.ts';
import type { Handler, Middleware } from '../../core/handler.ts';
import {
  BadRequest,
  Forbidden,
  Found,
  BadGateway,
  GatewayTimeout,
  MisdirectedRequest,
} from '../../core/http-error.ts';
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import { isToken } from '../../core/header-syntax.ts';
import { loadCheerio, type CasAttributes } from './response.ts';
import { casUrl, ticketedRequest, withoutTicket } from './service-url.ts';
import { signSession, verifySession } from './session-cookie.ts';
import { validateTicket } from './validate.ts';

/** The attributes the CAS server released for the user (CAS 3.0; empty for protocol 1). */
export const CAS_ATTRIBUTES: Key<CasAttributes> = createKey<CasAttributes>('trowel.casAttributes');

/** Where casAuth() remembers the validated user: a signed cookie of its own. */
export interface CasSessionOptions {
  /** The HMAC-SHA-256 key that signs the cookie: at least 32 bytes, kept secret. */
  readonly secret: string | Uint8Array;
  /** The cookie's name. @default 'trowel_cas' */
  readonly cookieName?: string;
  /** How long a login lasts, in seconds (the cookie's `Max-Age` and the signed expiry). @default 28800 (8 hours) */
  readonly maxAge?: number;
  /** The cookie's `Path`. @default '/' */
  readonly path?: string;
  /** `Secure`. @default true when the request came over https */
  readonly secure?: boolean;
}

/** A ticket the CAS server accepted. */
export interface CasValidation {
  readonly user: string;
  readonly attributes: CasAttributes;
  readonly ticket: string;
  /** The service URL the ticket was validated for. */
  readonly service: string;
}

/** Options for {@link casAuth}. */
export interface CasAuthOptions {
  /** The CAS server's base URL, e.g. `https://cas.example/cas` (`/login` and the rest go after it). */
  readonly server: string;
  /** 1: `/validate`; 2: `/serviceValidate`; 3: `/p3/serviceValidate` (with attributes). @default 3 */
  readonly protocol?: 1 | 2 | 3;
  /**
   * A fixed service URL (the login lands there, whatever page asked). Without it, `hosts` is
   * required: the service URL is then built from the request, and a `Host` an attacker chose
   * would let a ticket issued to their own CAS-registered site be replayed here.
   * @default the request's URL without `ticket`
   */
  readonly service?: string;
  /**
   * The hosts a service URL built from the request may name: `host:port` for that port only, or
   * `host` for any port; a request for any other host gets 421. Required without `service`.
   */
  readonly hosts?: readonly string[];
  /** Send `renew=true`: the user must type their password even with a CAS single sign-on session. @default false */
  readonly renew?: boolean;
  /** Send `gateway=true` once: let anonymous users through instead of showing them a login page. @default false */
  readonly gateway?: boolean;
  /** The signed cookie that keeps the user between requests, or `false` to keep nothing. */
  readonly session: CasSessionOptions | false;
  /** Milliseconds for the validation request. @default 10000 */
  readonly timeout?: number;
  /** The undici dispatcher for validation (a proxy agent, custom TLS). @default undici's global */
  readonly dispatcher?: Dispatcher;
  /** Called once per accepted ticket; return a Response (e.g. a 403) to refuse the user. @default none */
  readonly onValidated?: (
    validation: CasValidation,
    request: Request,
    ctx: Context,
  ) => Response | undefined | Promise<Response | undefined>;
}

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * Authenticates users against a CAS server. A request without a login is sent to
 * `<server>/login?service=…`; the `ticket` the browser brings back is validated server to server,
 * the user goes into `REMOTE_USER` (with `AUTH_TYPE` `cas` and `CAS_ATTRIBUTES`), and the browser
 * is sent on to the clean service URL with a signed session cookie, so the ticket does not stay in
 * the address bar. A refused ticket is a 403; an unreachable or broken CAS server a 502 (504 on
 * timeout). A request that already has a `REMOTE_USER` passes through.
 *
 * @throws {ConfigError} `TROWEL_ERR_AUTH_CAS_*` for bad options (see the README).
 * @example
 * ```ts
 * import { casAuth } from 'trowel/auth/cas';
 * import { REMOTE_USER, type Handler } from 'trowel';
 *
 * const app: Handler = (_request, ctx) => new Response(`hello ${ctx.get(REMOTE_USER) ?? ''}`);
 * const protectedApp = casAuth({
 *   server: 'https://cas.example/cas',
 *   session: { secret: 'a random secret of at least 32 bytes!!' },
 * })(app);
 * ```
 */
export function casAuth(options: CasAuthOptions): Middleware {
  const server = checkServer(options.server);
  const protocol = checkProtocol(options.protocol);
  if (protocol !== 1) loadCheerio();
  const fixedService = options.service === undefined ? undefined : checkService(options.service);
  const hosts = checkHosts(options.hosts, fixedService);
  const renew = options.renew === true;
  const gateway = options.gateway === true;
  if (renew && gateway) {
    // CAS protocol 3.0 §2.1.1: renew and gateway are mutually exclusive on /login.
    throw new ConfigError(
      'TROWEL_ERR_AUTH_CAS_OPTIONS',
      'casAuth(): renew and gateway cannot both be set',
    );
  }
  const timeout = options.timeout ?? 10_000;
  if (!Number.isSafeInteger(timeout) || timeout <= 0) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_CAS_TIMEOUT',
      'casAuth(): timeout must be a positive integer (ms)',
    );
  }
  const session = checkSession(options.session);
  const gatewayCookie = `${session === undefined ? 'trowel_cas' : session.cookieName}_gateway`;
  const { dispatcher, onValidated } = options;

  return (next: Handler): Handler =>
    async (request, ctx) => {
      if (ctx.get(REMOTE_USER) !== undefined) return next(request, ctx);
      if (hosts !== undefined && !allowedHost(hosts, ctx.host)) {
        return new MisdirectedRequest('this host does not sign in with CAS here').toResponse(
          request,
        );
      }
      const { service: derived, tickets } = ticketedRequest(request, ctx);
      const service = fixedService ?? derived;
      const cookies = getCookies(request);
      const secure = session?.secure ?? ctx.scheme === 'https';

      if (tickets.length > 1) {
        return new BadRequest('more than one CAS ticket').toResponse(request);
      }
      const ticket = tickets[0];
      if (ticket === undefined) {
        const value = session === undefined ? undefined : cookies.get(session.cookieName);
        const known =
          session === undefined || value === undefined
            ? undefined
            : verifySession(session.secret, session.cookieName, value, Date.now() / 1000);
        if (known !== undefined)
          return next(request, authenticated(ctx, known.user, known.attributes));
        if (gateway && cookies.has(gatewayCookie)) return next(request, ctx);
        const params: Record<string, string> = { service };
        if (renew) params['renew'] = 'true';
        const headers = new Headers(NO_STORE);
        if (gateway) {
          params['gateway'] = 'true';
          // The marker stops the loop when CAS sends the browser back without a ticket, as
          // mod_auth_cas's CASGateway cookie does; it lasts for the browser session.
          headers.append(
            'set-cookie',
            serializeCookie(gatewayCookie, '1', {
              path: '/',
              httpOnly: true,
              secure,
              sameSite: 'Lax',
            }),
          );
        }
        return new Found(casUrl(server, '/login', params), undefined, { headers }).toResponse(
          request,
        );
      }

      let outcome;
      try {
        outcome = await validateTicket({
          server,
          protocol,
          service,
          ticket,
          renew,
          timeout,
          signal: ctx.signal,
          dispatcher,
        });
      } catch (error) {
        const timedOut = error instanceof Error && error.name === 'TimeoutError';
        const Failure = timedOut ? GatewayTimeout : BadGateway;
        return new Failure('the CAS server could not validate the ticket', {
          cause: error,
        }).toResponse(request);
      }
      if (!outcome.ok) {
        // No automatic retry: a ticket that keeps failing (a service the CAS server does not
        // know, a clock or configuration mismatch) would otherwise bounce the browser for ever.
        return new Forbidden(`CAS login failed (${outcome.code}); log in again at ${service}`, {
          headers: NO_STORE,
        }).toResponse(request);
      }
      const validation: CasValidation = {
        user: outcome.user,
        attributes: outcome.attributes,
        ticket,
        service,
      };
      const refusal = await onValidated?.(validation, request, ctx);
      if (refusal instanceof Response) return refusal;
      if (session === undefined) {
        return next(request, authenticated(ctx, outcome.user, outcome.attributes));
      }
      const headers = new Headers(NO_STORE);
      const expires = Math.floor(Date.now() / 1000) + session.maxAge;
      const signed = signSession(session.secret, session.cookieName, outcome, expires);
      const cookieOptions = {
        path: session.path,
        httpOnly: true,
        secure,
        sameSite: 'Lax',
      } as const;
      // SameSite=Lax, not Strict: the browser arrives here on a cross-site redirect from CAS, and a
      // Strict cookie would not be sent on the redirect to the clean URL that follows.
      headers.append(
        'set-cookie',
        serializeCookie(session.cookieName, signed, { ...cookieOptions, maxAge: session.maxAge }),
      );
      if (cookies.has(gatewayCookie)) {
        headers.append('set-cookie', deleteCookie(gatewayCookie, { path: '/' }));
      }
      return new Found(withoutTicket(service), undefined, { headers }).toResponse(request);
    };
}

function authenticated(ctx: Context, user: string, attributes: CasAttributes): Context {
  return ctx
    .derive({})
    .set(REMOTE_USER, user)
    .set(AUTH_TYPE, 'cas')
    .set(CAS_ATTRIBUTES, attributes);
}

function checkProtocol(protocol: unknown): 1 | 2 | 3 {
  if (protocol === undefined) return 3;
  if (protocol === 1 || protocol === 2 || protocol === 3) return protocol;
  throw new ConfigError('TROWEL_ERR_AUTH_CAS_PROTOCOL', 'casAuth(): protocol must be 1, 2 or 3');
}

function checkServer(server: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof server === 'string' ? new URL(server) : undefined;
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.search !== '' ||
    url.hash !== ''
  ) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_CAS_SERVER',
      `casAuth(): server must be an http(s) URL without query or fragment, got ${JSON.stringify(server)}`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

function checkService(service: string): string {
  try {
    const url = new URL(service);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && url.hash === '') {
      return withoutTicket(url.href);
    }
  } catch {
    // reported below
  }
  throw new ConfigError(
    'TROWEL_ERR_AUTH_CAS_SERVICE',
    `casAuth(): service must be an http(s) URL without fragment, got ${JSON.stringify(service)}`,
  );
}

interface CheckedSession {
  readonly secret: string | Uint8Array;
  readonly cookieName: string;
  readonly maxAge: number;
  readonly path: string;
  readonly secure: boolean | undefined;
}

function checkSession(session: CasSessionOptions | false | undefined): CheckedSession | undefined {
  if (session === false) return undefined;
  if (typeof session !== 'object') {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_CAS_SESSION',
      'casAuth(): give session: { secret } to remember users in a signed cookie, or session: false',
    );
  }
  const { secret } = session;
  const bytes = typeof secret === 'string' ? Buffer.byteLength(secret) : secret.byteLength;
  if (bytes < 32) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_CAS_SECRET',
      'casAuth(): session.secret must be at least 32 bytes',
    );
  }
  const cookieName = session.cookieName ?? 'trowel_cas';
  const maxAge = session.maxAge ?? 28_800;
  const path = session.path ?? '/';
  if (
    !isToken(cookieName) ||
    !Number.isSafeInteger(maxAge) ||
    maxAge <= 0 ||
    !path.startsWith('/')
  ) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_CAS_SESSION',
      'casAuth(): session.cookieName must be a token, maxAge a positive integer, path start with /',
    );
  }
  return { secret, cookieName, maxAge, path, secure: session.secure };
}

/** The allowed hosts, lower-cased; required when the service URL is built from the request. */
function checkHosts(
  hosts: readonly string[] | undefined,
  fixedService: string | undefined,
): ReadonlySet<string> | undefined {
  // With a fixed service URL the request's Host plays no part.
  if (fixedService !== undefined) return undefined;
  if (hosts === undefined) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_CAS_SERVICE',
      'casAuth(): give service (a fixed URL) or hosts (the hosts a service URL may name): a service built from any Host lets tickets for other sites be replayed here',
    );
  }
  const list: readonly unknown[] = Array.isArray(hosts) ? hosts : [undefined];
  if (list.some((host) => typeof host !== 'string' || !/^[^\s/@]+$/.test(host))) {
    throw new ConfigError(
      'TROWEL_ERR_AUTH_CAS_SERVICE',
      'casAuth(): hosts must be a list of host[:port]',
    );
  }
  return new Set((list as readonly string[]).map((host) => host.toLowerCase()));
}

/** True when `host` (as in the request, maybe with a port) is listed, with its port or without. */
function allowedHost(hosts: ReadonlySet<string>, host: string): boolean {
  const lower = host.toLowerCase();
  if (hosts.has(lower)) return true;
  const port = /:\d+$/.exec(lower);
  return port !== null && hosts.has(lower.slice(0, port.index));
}
