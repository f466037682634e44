/**
 * The options of `forwarded()` and their validation, done once when the middleware is built.
 */
import { ConfigError } from '../core/config-error.ts';
import type { Key } from '../core/context.ts';
import { secretSource, type SecretSource } from './signature.ts';
import { parseHost, parsePrefix } from './syntax.ts';
import type { TransportMap } from './transport.ts';
import { trustCheck, type TrustCheck } from './trust.ts';

/** How many proxies to believe, per header family (Werkzeug `ProxyFix`'s `x_for`, `x_proto`, …). */
export interface ForwardedHops {
  /** Entries of `X-Forwarded-For` / elements of `Forwarded` for `for=`. @default 1 */
  readonly for?: number;
  /** `X-Forwarded-Proto`, `X-Forwarded-Scheme`, `Forwarded` `proto=`. @default 1 */
  readonly proto?: number;
  /** `X-Forwarded-Host`, `X-Forwarded-Server`, `Forwarded` `host=`. @default 1 */
  readonly host?: number;
  /** `X-Forwarded-Port`. @default 1 */
  readonly port?: number;
  /** `X-Forwarded-Prefix`. @default 1 */
  readonly prefix?: number;
}

/**
 * The header family a trusted peer's client address, scheme and host are read from: the de facto
 * `X-Forwarded-For`/`-Proto`/`-Host`/`-Port`/`-Prefix` set, or RFC 7239 `Forwarded`.
 */
export type ForwardedHeaders = 'x-forwarded' | 'forwarded';

/** Options of {@link forwarded}. */
export interface ForwardedOptions {
  /**
   * Peers whose forwarding headers are believed: IP addresses and CIDR blocks (IPv4, IPv6,
   * IPv4-mapped IPv6), plus `loopback` and `private`.
   * @default [] (nobody is trusted by address)
   */
  readonly trustedProxies?: readonly string[];
  /** The secret shared with the proxy: a request whose signature verifies is trusted. */
  readonly secret?: string | Uint8Array;
  /** A file holding the shared secret (trailing newline trimmed; re-read when it changes). */
  readonly secretFile?: string;
  /** How far, in seconds, a signature's time may lie from now; outside it → 403. @default 300 */
  readonly maxSkew?: number;
  /** How many nonces the replay cache holds; full of live ones → 503 with Retry-After. @default 100_000 */
  readonly maxNonces?: number;
  /** How many proxies in front append to each forwarding header: one number, or per family. @default 1 */
  readonly hops?: number | ForwardedHops;
  /**
   * Which family the proxy in front sets: `x-forwarded` (`X-Forwarded-For`/`-Proto`/`-Host`/
   * `-Port`/`-Prefix`, what nginx, HAProxy and most load balancers send) or `forwarded` (RFC 7239).
   * The other family is never read, only stripped: a client could add it, and a proxy that only
   * appends to its own family would pass the client's copy on untouched.
   * @default 'x-forwarded'
   */
  readonly headers?: ForwardedHeaders;
  /**
   * Also apply WSGIProxy's own headers from a peer trusted by address: `X-Forwarded-Server`,
   * `-Scheme`, `-Script-Name`, `X-Script-Name`, `X-Traversal-Path`, `-Query-String`,
   * `X-WSGIProxy-Version` and the transported values. A request whose signature verified gets them
   * applied either way. Turn it on only when the proxy in front strips every one of those headers
   * from its clients' requests (trowel's `proxy()` and WSGIProxyApp do; nginx does not).
   * @default false
   */
  readonly wsgiproxy?: boolean;
  /**
   * The transported names accepted, each with the context key it is stored under
   * (`{ REMOTE_USER }` for the core key). A transported name not listed is dropped. Read only when
   * WSGIProxy's headers apply (see `wsgiproxy`).
   * @default {} (no transported value is accepted)
   */
  readonly transport?: TransportMap;
  /** Sets `scriptName` to this, leaving `pathInfo` alone. Not with `popPrefix`. */
  readonly prefix?: string;
  /** Moves this prefix from `pathInfo` to `scriptName`; a path outside it → 400. Not with `prefix`. */
  readonly popPrefix?: string;
  /** Forces the scheme the application sees. */
  readonly scheme?: 'http' | 'https';
  /** Forces the host (host[:port]) the application sees. */
  readonly host?: string;
}

/** Options after validation. */
export interface Settings {
  readonly trusted: TrustCheck;
  readonly secret: SecretSource | undefined;
  readonly maxSkew: number;
  readonly maxNonces: number;
  readonly hops: Required<ForwardedHops>;
  readonly family: ForwardedHeaders;
  readonly wsgiproxy: boolean;
  readonly transport: ReadonlyMap<string, Key<unknown>>;
  readonly prefix: string | undefined;
  readonly popPrefix: string | undefined;
  readonly scheme: 'http' | 'https' | undefined;
  readonly host: string | undefined;
}

const fail = (what: string, message: string): never => {
  throw new ConfigError(`TROWEL_ERR_FORWARDED_${what}`, `forwarded(): ${message}`);
};

// A freshness window longer than a day no longer limits replay in any useful way, and keeps the
// nonce expiry arithmetic far from the limits of a timer.
const MAX_SKEW = 86_400;

/** Validates `options`; throws a {@link ConfigError} naming the first bad one. */
export function settings(options: ForwardedOptions): Settings {
  const maxSkew = options.maxSkew ?? 300;
  if (
    typeof maxSkew !== 'number' ||
    !Number.isFinite(maxSkew) ||
    maxSkew <= 0 ||
    maxSkew > MAX_SKEW
  ) {
    fail(
      'MAX_SKEW',
      `maxSkew must be a number of seconds above 0 and at most ${String(MAX_SKEW)}, got ${String(maxSkew)}`,
    );
  }
  const maxNonces = options.maxNonces ?? 100_000;
  if (!Number.isSafeInteger(maxNonces) || maxNonces < 1) {
    fail('MAX_NONCES', `maxNonces must be a positive integer, got ${String(maxNonces)}`);
  }
  if (options.prefix !== undefined && options.popPrefix !== undefined) {
    fail('PREFIX_CONFLICT', 'give prefix or popPrefix, not both');
  }
  const scheme = options.scheme;
  // Options may come from untyped code (a config file, plain JavaScript).
  if (scheme !== undefined && !['http', 'https'].includes(scheme)) {
    fail('SCHEME', `scheme must be "http" or "https", got ${JSON.stringify(scheme)}`);
  }
  const family = options.headers ?? 'x-forwarded';
  if (!['x-forwarded', 'forwarded'].includes(family)) {
    fail('HEADERS', `headers must be "x-forwarded" or "forwarded", got ${JSON.stringify(family)}`);
  }
  const wsgiproxy = options.wsgiproxy ?? false;
  if (typeof wsgiproxy !== 'boolean') {
    fail('WSGIPROXY', `wsgiproxy must be true or false, got ${JSON.stringify(wsgiproxy)}`);
  }
  const secret =
    options.secret === undefined && options.secretFile === undefined
      ? undefined
      : secretSource(options);
  const accepted = transport(options.transport);
  if (accepted.size > 0 && !wsgiproxy && secret === undefined) {
    fail(
      'TRANSPORT',
      'transported values are read only from signed requests or with wsgiproxy: true; give a secret or set wsgiproxy',
    );
  }
  return {
    trusted: trustCheck(options.trustedProxies ?? []),
    secret,
    maxSkew,
    maxNonces,
    hops: hops(options.hops),
    family,
    wsgiproxy,
    transport: accepted,
    prefix: prefix(options.prefix, 'PREFIX', 'prefix'),
    popPrefix: prefix(options.popPrefix, 'POP_PREFIX', 'popPrefix'),
    scheme,
    host: host(options.host),
  };
}

function hops(value: number | ForwardedHops | undefined): Required<ForwardedHops> {
  const check = (n: unknown, name: string): number => {
    if (n === undefined) return 1;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 64) {
      fail('HOPS', `${name} must be an integer from 0 to 64, got ${JSON.stringify(n)}`);
    }
    return n as number;
  };
  if (typeof value === 'object') {
    const known = new Set(['for', 'proto', 'host', 'port', 'prefix']);
    const unknown = Object.keys(value).find((k) => !known.has(k));
    if (unknown !== undefined) fail('HOPS', `hops has no field ${JSON.stringify(unknown)}`);
    return {
      for: check(value.for, 'hops.for'),
      proto: check(value.proto, 'hops.proto'),
      host: check(value.host, 'hops.host'),
      port: check(value.port, 'hops.port'),
      prefix: check(value.prefix, 'hops.prefix'),
    };
  }
  const n = check(value, 'hops');
  return { for: n, proto: n, host: n, port: n, prefix: n };
}

function transport(map: TransportMap | undefined): ReadonlyMap<string, Key<unknown>> {
  if (map === undefined) return new Map();
  if (typeof map !== 'object' || (map as unknown) === null)
    fail('TRANSPORT', 'transport must map names to context keys');
  const entries = Object.entries(map);
  for (const [name, key] of entries) {
    const valid = typeof key === 'object' && typeof (key as Partial<Key<unknown>>).id === 'symbol';
    if (name === '' || !valid) {
      fail('TRANSPORT', `transport entry ${JSON.stringify(name)} must map a name to a context key`);
    }
  }
  return new Map(entries);
}

function prefix(value: string | undefined, what: string, name: string): string | undefined {
  if (value === undefined) return undefined;
  try {
    if (typeof value !== 'string' || !value.startsWith('/')) throw new TypeError('');
    return parsePrefix(value, name);
  } catch {
    return fail(
      what,
      `${name} must be a URL-encoded path starting with "/", got ${JSON.stringify(value)}`,
    );
  }
}

function host(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    if (typeof value !== 'string' || value === '') throw new TypeError('');
    return parseHost(value, 'host');
  } catch {
    return fail('HOST', `host must be host[:port], got ${JSON.stringify(value)}`);
  }
}
