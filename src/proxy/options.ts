/**
 * The options of `proxy()` and `transparentProxy()`, and their validation: everything is checked
 * once, when the proxy is built, and turned into {@link Settings} the request path reads without
 * further checks. A bad value is a `ConfigError` with a `TROWEL_ERR_PROXY_*` code.
 */
import type { Dispatcher } from 'undici';
import { ConfigError } from '../core/config-error.ts';
import type { Key } from '../core/context.ts';
import { isToken } from '../core/header-syntax.ts';
import { secretSource, type SecretSource } from '../forwarded/signature.ts';
import type { TransportKeys, TransportKind } from '../forwarded/transport.ts';
import { agentHolder, type DispatcherHolder } from './agent.ts';

/** Upstream time limits, in milliseconds; `0` turns one off. */
export interface ProxyTimeouts {
  /** To open the connection (TCP and TLS). Only applies to the proxy's own Agent. @default 10_000 */
  readonly connect?: number;
  /** From sending the request to having the whole response head. @default 60_000 */
  readonly headers?: number;
  /** Between two chunks of the response body. @default 60_000 */
  readonly body?: number;
}

/** The options of `proxy()`. */
export interface ProxyOptions {
  /**
   * The methods to forward, compared case-insensitively; others get 405 with `Allow`. `HEAD` is
   * allowed only when listed, as in Paste. @default every method
   */
  readonly methods?: readonly string[];
  /** Request header names never passed on (case-insensitive). @default none */
  readonly suppressHeaders?: readonly string[];
  /** Send the client's `Host` (`ctx.host`) instead of the target's authority. @default false */
  readonly preserveHost?: boolean;
  /**
   * Upstream path = target path + `ctx.pathInfo`; with `false`, target path + `ctx.scriptName` +
   * `ctx.pathInfo` (the mount prefix travels too). @default true
   */
  readonly stripScriptName?: boolean;
  /**
   * Append to `X-Forwarded-For` and send `X-Forwarded-Proto`, `-Host` and `-Prefix` (when
   * `ctx.scriptName` is set). With `false`, the client's `X-Forwarded-For` is dropped as well: a
   * chain this proxy does not append to ends with whatever the client wrote. @default true
   */
  readonly xForwarded?: boolean;
  /**
   * Append an RFC 7239 `Forwarded` element (`for`, `proto`, `host`). With `false`, the client's
   * `Forwarded` is dropped as well. @default true
   */
  readonly forwarded?: boolean;
  /**
   * The pseudonym this proxy appends to `Via` (`Via: 1.1 trowel`), or `false` for none. A request
   * whose `Via` already has it is a loop: 508. Give each proxy of a chain its own name. The
   * received protocol is written `1.1` (a Fetch `Request` does not say which version arrived).
   * @default 'trowel'
   */
  readonly via?: string | false;
  /**
   * Also send WSGIProxyApp's headers: `X-Forwarded-Server`, `-Scheme`, `-Script-Name`,
   * `X-Script-Name`, `X-Traversal-Path`, `X-Traversal-Query-String` and `X-WSGIProxy-Version`.
   * @default false
   */
  readonly wsgiproxy?: boolean;
  /** Context values sent as `X-WSGIProxy-{Str,Unicode,Json}-N` (read by `forwarded()`). @default none */
  readonly transport?: TransportKeys;
  /** Sign every request with HMAC-SHA256 (`X-WSGIProxy-Signature`) under this secret. @default none */
  readonly secret?: string | Uint8Array;
  /** As `secret`, read from this file (re-read when it changes). @default none */
  readonly secretFile?: string;
  /** Rewrite `Location`, `Content-Location` and `Refresh` from the target to the front end. @default true */
  readonly rewriteLocation?: boolean;
  /** Rewrite `Set-Cookie` `Domain` and `Path` from the target to the front end. @default false */
  readonly rewriteCookies?: boolean;
  /**
   * Upstream time limits, each at most 2 147 483 647 ms.
   * @default { connect: 10_000, headers: 60_000, body: 60_000 }
   */
  readonly timeouts?: ProxyTimeouts;
  /** The undici dispatcher to send with. @default one keep-alive `Agent` per proxy */
  readonly dispatcher?: Dispatcher;
  /** Relay `Upgrade` requests (WebSocket) when the server supports them. @default true */
  readonly upgrade?: boolean;
  /**
   * Receives every upstream failure the proxy answers with an error status (502, 504, …), once,
   * and a `TypeError` naming any upstream response field it had to drop (one Fetch refuses).
   * Failures after the response has started travel in its body instead, and whoever reads it (the
   * server) reports them. @default console.error
   */
  readonly onError?: (error: unknown, request: Request) => void;
}

/** The options of `transparentProxy()`. */
export interface TransparentProxyOptions extends Omit<
  ProxyOptions,
  'preserveHost' | 'stripScriptName'
> {
  /** Connect here (`host[:port]`) whatever the request says; its `Host` is kept. @default none */
  readonly forceHost?: string;
  /**
   * The scheme to connect with. @default 'http' with `forceHost`, else the request's scheme
   */
  readonly forceScheme?: 'http' | 'https';
  /**
   * The upstreams clients may reach: `name`, `name:port`, `name:*`, IPs and CIDRs (`10.0.0.0/8`,
   * `[fd00::]/8:*`). Without a port only the scheme's default port is allowed. Required unless
   * `forceHost` is set; others get 403. @default none
   */
  readonly allowHosts?: readonly string[];
}

/** One transported context value, in the order its header is sent. */
export interface TransportEntry {
  readonly kind: TransportKind;
  readonly index: number;
  readonly name: string;
  readonly key: Key<unknown>;
}

/** The validated options the request path reads. */
export interface Settings {
  /** Upper-case allowed methods, or `undefined` for all. */
  readonly methods: ReadonlySet<string> | undefined;
  /** The `Allow` field value of a 405. */
  readonly allow: string;
  readonly suppress: ReadonlySet<string>;
  readonly xForwarded: boolean;
  readonly forwarded: boolean;
  readonly via: string | undefined;
  readonly wsgiproxy: boolean;
  readonly transport: readonly TransportEntry[];
  readonly secret: SecretSource | undefined;
  readonly rewriteLocation: boolean;
  readonly rewriteCookies: boolean;
  readonly headersTimeout: number;
  readonly bodyTimeout: number;
  readonly dispatcher: DispatcherHolder;
  readonly upgrade: boolean;
  readonly onError: (error: unknown, request: Request) => void;
}

const DEFAULT_TIMEOUTS = { connect: 10_000, headers: 60_000, body: 60_000 } as const;
// A Via received-by: a pseudonym token, or host[:port] (RFC 9110 §7.6.3).
const PSEUDONYM = /^[!#$%&'*+.^_`|~0-9A-Za-z:[\]-]+$/;
const KINDS: readonly TransportKind[] = ['str', 'unicode', 'json'];

function fail(what: string, message: string): never {
  throw new ConfigError(`TROWEL_ERR_PROXY_${what}`, message);
}

// undici runs these with setTimeout(), which takes a signed 32-bit delay; a longer one fires
// after 1 ms.
const MAX_TIMEOUT = 2_147_483_647;

function timeout(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMEOUT) {
    fail(
      'TIMEOUT',
      `timeouts.${name} must be a number of milliseconds from 0 to ${String(MAX_TIMEOUT)}, got ${String(value)}`,
    );
  }
  return Math.round(value);
}

function methodsOf(methods: readonly string[] | undefined): Set<string> | undefined {
  if (methods === undefined) return undefined;
  if (!Array.isArray(methods)) fail('METHOD', 'methods must be an array of method names');
  const set = new Set<string>();
  for (const method of methods) {
    if (typeof method !== 'string' || !isToken(method)) {
      fail('METHOD', `methods: ${JSON.stringify(method)} is not a method name (RFC 9110 §9.1)`);
    }
    set.add(method.toUpperCase());
  }
  return set;
}

function suppressOf(names: readonly string[] | undefined): Set<string> {
  const set = new Set<string>();
  for (const name of names ?? []) {
    if (typeof name !== 'string' || !isToken(name)) {
      fail('HEADER', `suppressHeaders: ${JSON.stringify(name)} is not a header name`);
    }
    set.add(name.toLowerCase());
  }
  return set;
}

function viaOf(via: string | false | undefined): string | undefined {
  if (via === false) return undefined;
  if (via === undefined) return 'trowel';
  if (typeof via !== 'string' || !PSEUDONYM.test(via)) {
    fail(
      'VIA',
      `via must be a pseudonym or host[:port] without spaces, got ${JSON.stringify(via)}`,
    );
  }
  return via;
}

function transportOf(keys: TransportKeys | undefined): TransportEntry[] {
  if (keys === undefined) return [];
  const entries: TransportEntry[] = [];
  for (const [kind, map] of Object.entries(keys) as [string, unknown][]) {
    if (map === undefined) continue;
    if (!KINDS.includes(kind as TransportKind)) {
      fail('TRANSPORT', `transport.${kind}: only str, unicode and json values can be sent`);
    }
    if (typeof map !== 'object' || map === null) {
      fail('TRANSPORT', `transport.${kind} must map names to context keys`);
    }
    Object.entries(map).forEach(([name, key], index) => {
      const isKey = typeof key === 'object' && key !== null && 'id' in key && 'name' in key;
      if (name === '' || !isKey) {
        fail(
          'TRANSPORT',
          `transport.${kind}.${name}: expected a context key made with createKey()`,
        );
      }
      entries.push({ kind: kind as TransportKind, index, name, key: key as Key<unknown> });
    });
  }
  return entries;
}

function secretOf(options: ProxyOptions): SecretSource | undefined {
  const { secret, secretFile } = options;
  if (secret === undefined && secretFile === undefined) return undefined;
  return secretSource({
    ...(secret === undefined ? {} : { secret }),
    ...(secretFile === undefined ? {} : { secretFile }),
  });
}

function defaultOnError(error: unknown, request: Request): void {
  console.error(`trowel/proxy: ${request.method} ${request.url} failed upstream:`, error);
}

/** Validates what `proxy()` and `transparentProxy()` share. */
export function resolveSettings(options: ProxyOptions | TransparentProxyOptions): Settings {
  if (typeof options !== 'object' || (options as unknown) === null)
    fail('OPTIONS', 'options must be an object');
  const methods = methodsOf(options.methods);
  const timeouts = options.timeouts ?? {};
  const connect = timeout(timeouts.connect, DEFAULT_TIMEOUTS.connect, 'connect');
  const headersTimeout = timeout(timeouts.headers, DEFAULT_TIMEOUTS.headers, 'headers');
  const bodyTimeout = timeout(timeouts.body, DEFAULT_TIMEOUTS.body, 'body');
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    fail('OPTIONS', 'onError must be a function');
  }
  return {
    methods,
    allow: methods === undefined ? '' : [...methods].join(', '),
    suppress: suppressOf(options.suppressHeaders),
    xForwarded: options.xForwarded ?? true,
    forwarded: options.forwarded ?? true,
    via: viaOf(options.via),
    wsgiproxy: options.wsgiproxy ?? false,
    transport: transportOf(options.transport),
    secret: secretOf(options),
    rewriteLocation: options.rewriteLocation ?? true,
    rewriteCookies: options.rewriteCookies ?? false,
    headersTimeout,
    bodyTimeout,
    dispatcher: agentHolder(options.dispatcher, connect),
    upgrade: options.upgrade ?? true,
    onError: options.onError ?? defaultOnError,
  };
}
