/**
 * The options of `digestAuth()`, checked once when the middleware is built: every mistake is a
 * `ConfigError` with a `TROWEL_ERR_AUTH_DIGEST_*` code, never a per-request failure.
 */
import { randomBytes } from 'node:crypto';
import type { Context } from '../../core/context.ts';
import { ConfigError } from '../../core/config-error.ts';
import { checkRealm } from '../basic/challenge.ts';
import { htdigestKey, parseHtdigest, watchedFile } from '../files.ts';
import {
  baseHash,
  digestAlgorithm,
  digestHa1,
  digestUserhash,
  type DigestAlgorithm,
  type DigestHash,
} from './compute.ts';

/** Options of `digestAuth()`. Give exactly one of `htdigest`, `ha1For` and `passwordFor`. */
export interface DigestAuthOptions {
  /** The protection space; part of every HA1, so it must match the one the hashes were made with. */
  readonly realm: string;
  /**
   * Path of an Apache htdigest file (MD5 HA1s, so only MD5 algorithms); read when built and again
   * whenever it changes.
   * @default undefined
   */
  readonly htdigest?: string;
  /**
   * The HA1, `H(user:realm:password)` in lowercase hex under `hash`, of `user`, or `undefined` for
   * an unknown user. Lets you store hashes instead of passwords.
   * @default undefined
   */
  readonly ha1For?: (
    user: string,
    realm: string,
    hash: DigestHash,
  ) => string | undefined | Promise<string | undefined>;
  /** The password of `user`, or `undefined` for an unknown user. @default undefined */
  readonly passwordFor?: (
    user: string,
    realm: string,
  ) => string | undefined | Promise<string | undefined>;
  /**
   * The algorithms offered, one challenge each, in this order; a `-sess` response is accepted for
   * every algorithm listed.
   * @default ['SHA-256', 'MD5'] (['MD5'] with `htdigest`)
   */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** The quality of protection offered: `auth`, and `auth-int` (which buffers the body). @default ['auth'] */
  readonly qop?: readonly ('auth' | 'auth-int')[];
  /** Seconds a nonce is good for; then the client is told `stale=true` and retries. @default 300 */
  readonly nonceLifetime?: number;
  /**
   * The key nonces are signed with, 16 bytes or more. Give the same one to every process and
   * machine serving the realm, or a nonce issued by one is refused by another.
   * @default 32 random bytes per process
   */
  readonly secret?: string | Uint8Array | undefined;
  /** Refuse a request whose `nc` is not greater than the last one seen with its nonce. @default true */
  readonly ncCheck?: boolean;
  /** How many nonces `ncCheck` remembers at most. @default 10000 */
  readonly maxTrackedNonces?: number;
  /** Offer `userhash=true` (RFC 7616 §3.4.4); needs `htdigest`, whose users can be listed. @default false */
  readonly userhash?: boolean;
  /** The largest body `auth-int` reads; larger gets 413. @default 1048576 */
  readonly maxBodySize?: number;
  /** Pass the `Authorization` field on to the application. @default false */
  readonly forwardAuthorization?: boolean;
  /** Called once a user is authenticated, before the application runs. @default undefined */
  readonly onUser?: (user: string, request: Request, ctx: Context) => void | Promise<void>;
}

/** Looks up the HA1 of a user under a hash; `undefined` for an unknown user. */
export type Ha1Lookup = (user: string, hash: DigestHash) => Promise<string | undefined>;

/** Finds the user whose `H(user:realm)` is `userhash`. */
export type UserhashLookup = (userhash: string, hash: DigestHash) => Promise<string | undefined>;

/** {@link DigestAuthOptions} checked and with defaults filled in. */
export interface ResolvedDigestOptions {
  readonly realm: string;
  readonly ha1: Ha1Lookup;
  readonly userFromHash: UserhashLookup | undefined;
  readonly algorithms: readonly DigestAlgorithm[];
  readonly accepted: ReadonlySet<DigestAlgorithm>;
  readonly qop: readonly ('auth' | 'auth-int')[];
  readonly lifetimeMs: number;
  readonly secret: Uint8Array;
  readonly ncCheck: boolean;
  readonly maxTrackedNonces: number;
  readonly maxBodySize: number;
  readonly forwardAuthorization: boolean;
  readonly onUser: DigestAuthOptions['onUser'];
}

function fail(code: string, message: string): never {
  throw new ConfigError(`TROWEL_ERR_AUTH_DIGEST_${code}`, `digestAuth(): ${message}`);
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    fail('OPTIONS', `${name} must be a positive number`);
  }
  return value;
}

function resolveSecret(secret: unknown): Uint8Array {
  if (secret === undefined) return randomBytes(32);
  const bytes =
    typeof secret === 'string'
      ? Buffer.from(secret, 'utf8')
      : secret instanceof Uint8Array
        ? secret
        : undefined;
  if (bytes === undefined || bytes.length < 16) fail('SECRET', 'secret must be 16 bytes or more');
  return Uint8Array.from(bytes);
}

function resolveLookups(
  options: DigestAuthOptions,
  realm: string,
): { ha1: Ha1Lookup; userFromHash: UserhashLookup | undefined; htdigest: boolean } {
  const { htdigest, ha1For, passwordFor } = options;
  const given = [htdigest, ha1For, passwordFor].filter((value) => value !== undefined).length;
  if (given !== 1) fail('OPTIONS', 'give exactly one of htdigest, ha1For and passwordFor');
  if (ha1For !== undefined || passwordFor !== undefined) {
    if (typeof (ha1For ?? passwordFor) !== 'function')
      fail('OPTIONS', 'ha1For/passwordFor must be a function');
    if (options.userhash === true)
      fail('OPTIONS', 'userhash needs htdigest, whose users can be listed');
    const ha1: Ha1Lookup =
      ha1For !== undefined
        ? async (user, hash) => (await ha1For(user, realm, hash))?.toLowerCase()
        : async (user, hash) => {
            const password = await passwordFor?.(user, realm);
            return password === undefined ? undefined : digestHa1(hash, user, realm, password);
          };
    return { ha1, userFromHash: undefined, htdigest: false };
  }
  if (typeof htdigest !== 'string' || htdigest === '') fail('HTDIGEST', 'htdigest must be a path');
  const file = watchedFile(htdigest, parseHtdigest, 'TROWEL_ERR_AUTH_DIGEST_HTDIGEST');
  const ha1: Ha1Lookup = async (user) => (await file.current()).get(htdigestKey(user, realm));
  const userFromHash: UserhashLookup = async (userhash, hash) => {
    const suffix = `:${realm}`;
    for (const key of (await file.current()).keys()) {
      if (!key.endsWith(suffix)) continue;
      const user = key.slice(0, -suffix.length);
      if (digestUserhash(hash, user, realm) === userhash.toLowerCase()) return user;
    }
    return undefined;
  };
  return { ha1, userFromHash, htdigest: true };
}

/** Checks `options` and fills in the defaults. */
export function resolveDigestOptions(options: DigestAuthOptions): ResolvedDigestOptions {
  const realm = checkRealm(options.realm, 'TROWEL_ERR_AUTH_DIGEST_REALM', 'digestAuth()');
  const lookups = resolveLookups(options, realm);
  const names: readonly unknown[] =
    options.algorithms ?? (lookups.htdigest ? ['MD5'] : ['SHA-256', 'MD5']);
  const algorithms = names.map((name) =>
    typeof name === 'string' ? digestAlgorithm(name) : undefined,
  );
  if (algorithms.length === 0 || algorithms.some((a) => a === undefined)) {
    fail('ALGORITHM', `algorithms must name some of MD5, SHA-256, SHA-512-256 (and -sess)`);
  }
  const offered = algorithms.filter((a): a is DigestAlgorithm => a !== undefined);
  if (lookups.htdigest && offered.some((a) => baseHash(a) !== 'MD5')) {
    fail('ALGORITHM', 'an htdigest file holds MD5 hashes, so only MD5 and MD5-sess can be offered');
  }
  const accepted = new Set<DigestAlgorithm>();
  for (const algorithm of offered) {
    accepted.add(algorithm);
    accepted.add(`${baseHash(algorithm)}-sess`);
  }
  const qop: readonly unknown[] = options.qop ?? ['auth'];
  if (qop.length === 0 || qop.some((q) => q !== 'auth' && q !== 'auth-int')) {
    fail('OPTIONS', "qop must list 'auth' and/or 'auth-int'");
  }
  const maxTracked = positive(options.maxTrackedNonces, 'maxTrackedNonces', 10_000);
  return {
    realm,
    ha1: lookups.ha1,
    userFromHash: lookups.userFromHash,
    algorithms: [...new Set(offered)],
    accepted,
    qop: qop as readonly ('auth' | 'auth-int')[],
    lifetimeMs: positive(options.nonceLifetime, 'nonceLifetime', 300) * 1000,
    secret: resolveSecret(options.secret),
    ncCheck: options.ncCheck ?? true,
    maxTrackedNonces: Math.floor(maxTracked),
    maxBodySize: positive(options.maxBodySize, 'maxBodySize', 1024 * 1024),
    forwardAuthorization: options.forwardAuthorization === true,
    onUser: options.onUser,
  };
}
