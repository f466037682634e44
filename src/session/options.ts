/**
 * The options of `session()`, their defaults, and their checks — all made when the middleware is
 * built, so a bad option fails at start-up with a `ConfigError`, never on a request.
 */
import { ConfigError } from '../core/config-error.ts';
import { serializeCookie, type CookieOptions, type SameSite } from '../core/cookies.ts';
import { MemoryStore } from './memory-store.ts';
import type { SessionStore } from './store.ts';

/** Options for `session()`. Times are in milliseconds. */
export interface SessionOptions {
  /** Where sessions live. @default a new MemoryStore() */
  readonly store?: SessionStore;
  /** The cookie name (without prefix). @default 'trowel_session' */
  readonly cookieName?: string;
  /**
   * Name the cookie `__Host-<cookieName>` (RFC 6265bis §4.1.3.2): the browser then accepts it only
   * with `Secure`, `Path=/` and no `Domain`, so a sibling subdomain or a plain-HTTP page cannot
   * plant or overwrite it. Implies `secure: true`.
   * @default false
   */
  readonly hostPrefix?: boolean;
  /** `Secure`: `'auto'` sets it when the request came over https (`ctx.scheme`). @default 'auto' */
  readonly secure?: boolean | 'auto';
  /** `SameSite`; `'None'` needs `secure: true`. @default 'Lax' */
  readonly sameSite?: SameSite;
  /** `HttpOnly`: keep the id away from page scripts. @default true */
  readonly httpOnly?: boolean;
  /** `Path`; must be `/` with `hostPrefix`. @default '/' */
  readonly path?: string;
  /** `Domain`; not allowed with `hostPrefix`. @default none (this host only) */
  readonly domain?: string;
  /** A session unused this long is forgotten. @default 1800000 (30 minutes) */
  readonly idleTimeout?: number;
  /** A session is forgotten this long after it was created (or regenerated), used or not. @default 43200000 (12 hours) */
  readonly absoluteTimeout?: number;
  /**
   * The shortest time between two `touch()`es of an unchanged session: a read-only request less
   * than this after the last save or touch does not write to the store. The idle timeout is then
   * honoured to within this much.
   * @default min(60000, idleTimeout / 10)
   */
  readonly touchInterval?: number;
  /**
   * Send the cookie again whenever the session is saved or touched, with `Max-Age` set to the idle
   * timeout, so the browser forgets it when the server does. Otherwise the cookie is sent only for
   * a new id, with `Max-Age` up to the absolute timeout.
   * @default false
   */
  readonly rolling?: boolean;
}

/** The options with every default applied. */
export interface ResolvedSessionOptions {
  readonly store: SessionStore;
  readonly cookieName: string;
  readonly secure: boolean | 'auto';
  readonly sameSite: SameSite;
  readonly httpOnly: boolean;
  readonly path: string;
  readonly domain: string | undefined;
  readonly idleTimeout: number;
  readonly absoluteTimeout: number;
  readonly touchInterval: number;
  readonly rolling: boolean;
}

function fail(message: string): never {
  throw new ConfigError('TROWEL_ERR_SESSION_OPTIONS', `session(): ${message}`);
}

function duration(name: string, value: number | undefined, fallback: number): number {
  const ms = value ?? fallback;
  if (!Number.isSafeInteger(ms) || ms < 1) fail(`${name} must be a positive integer (ms)`);
  return ms;
}

/** Applies defaults and checks every option; throws `ConfigError` on the first bad one. */
export function resolveOptions(options: SessionOptions): ResolvedSessionOptions {
  const store = options.store ?? new MemoryStore();
  for (const method of ['get', 'set', 'touch', 'destroy'] as const) {
    if (typeof (store as unknown as Record<string, unknown>)[method] !== 'function') {
      fail(`store has no ${method}() method`);
    }
  }
  const hostPrefix = options.hostPrefix ?? false;
  const cookieName = (hostPrefix ? '__Host-' : '') + (options.cookieName ?? 'trowel_session');
  const secure = hostPrefix ? true : (options.secure ?? 'auto');
  if (hostPrefix && options.secure === false) fail('hostPrefix needs secure');
  const secureValues: readonly unknown[] = [true, false, 'auto'];
  if (!secureValues.includes(secure)) fail("secure must be true, false or 'auto'");
  const sameSite = options.sameSite ?? 'Lax';
  if (sameSite === 'None' && secure !== true) fail('sameSite None needs secure: true');
  const path = options.path ?? '/';
  if (hostPrefix && path !== '/') fail('hostPrefix needs path "/"');
  if (hostPrefix && options.domain !== undefined) fail('hostPrefix forbids a domain');
  const idleTimeout = duration('idleTimeout', options.idleTimeout, 30 * 60_000);
  const absoluteTimeout = duration('absoluteTimeout', options.absoluteTimeout, 12 * 3_600_000);
  const touchInterval =
    options.touchInterval ?? Math.max(1, Math.min(60_000, Math.floor(idleTimeout / 10)));
  if (!Number.isSafeInteger(touchInterval) || touchInterval < 0) {
    fail('touchInterval must be a non-negative integer (ms)');
  }
  const resolved: ResolvedSessionOptions = {
    store,
    cookieName,
    secure,
    sameSite,
    httpOnly: options.httpOnly ?? true,
    path,
    domain: options.domain,
    idleTimeout,
    absoluteTimeout,
    touchInterval,
    rolling: options.rolling ?? false,
  };
  try {
    // A dry run, so a bad name, path or domain fails now rather than on the first login.
    serializeCookie(cookieName, 'x', cookieAttributes(resolved, true, 60));
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  return resolved;
}

/** The `Set-Cookie` attributes for one response. */
export function cookieAttributes(
  options: ResolvedSessionOptions,
  https: boolean,
  maxAge: number | undefined,
): CookieOptions {
  return {
    path: options.path,
    ...(options.domain === undefined ? {} : { domain: options.domain }),
    ...(maxAge === undefined ? {} : { maxAge }),
    httpOnly: options.httpOnly,
    secure: options.secure === 'auto' ? https : options.secure,
    sameSite: options.sameSite,
  };
}
