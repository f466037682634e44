/**
 * `prefix()`: PasteDeploy's `PrefixMiddleware` (`egg:PasteDeploy#prefix`), for an application that
 * a reverse proxy publishes under a path prefix and reaches with the full path. It moves the prefix
 * from `pathInfo` to `scriptName`, so the application builds its URLs under the prefix, and it can
 * take the client's host, scheme and address from the proxy's `X-Forwarded-*` headers.
 *
 * Fixed from PasteDeploy: the prefix matches only on a segment boundary (`/legacy` matches
 * `/legacy` and `/legacy/x`, never `/legacyfoo`) and a request outside it passes through untouched
 * (PasteDeploy set `SCRIPT_NAME` anyway and cut `/legacyfoo` to `foo`); forwarded headers are
 * believed only from `trustedProxies` (PasteDeploy believed every client, so anyone could set the
 * host and address the application sees), and the client address is the right-most untrusted entry
 * of `X-Forwarded-For` (the first one is whatever the client wrote).
 *
 * Not for: deciding who the client is behind several proxies or from the RFC 7239 `Forwarded`
 * header; use the `forwarded` middleware for that.
 */
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../core/config-error.ts';
import { createKey, type Context, type Key } from '../core/context.ts';
import type { Middleware } from '../core/handler.ts';
import { normalizePrefix } from '../core/mount.ts';

/** Options of {@link prefix}. */
export interface PrefixOptions {
  /** The path prefix the proxy publishes the application under. `/` or `''` moves nothing. @default '/' */
  readonly prefix?: string;
  /** Take host, scheme and client address from `X-Forwarded-*` sent by a trusted proxy. @default true */
  readonly translateForwardedServer?: boolean;
  /** Peers (IP addresses or CIDR blocks) whose `X-Forwarded-*` headers are believed. @default ['127.0.0.1', '::1'] */
  readonly trustedProxies?: readonly string[];
  /** Force the port in `ctx.host`: a number, or `''` for the scheme's default (no port). @default undefined (leave it) */
  readonly forcePort?: number | '';
  /** Force the scheme. @default undefined (leave it) */
  readonly scheme?: 'http' | 'https';
}

/** The forwarded headers this middleware reads (and removes when it believes them). */
const FORWARDED = [
  'x-forwarded-server',
  'x-forwarded-host',
  'x-forwarded-for',
  'x-forwarded-scheme',
  'x-forwarded-proto',
];

const HOST = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;

/** The context values a request had before {@link prefix} changed them. */
export interface PrefixOriginal {
  readonly remoteAddr: string;
  readonly host: string;
  readonly scheme: string;
}

/** Set by {@link prefix} when it took values from forwarded headers: what the socket said. */
export const PREFIX_ORIGINAL: Key<PrefixOriginal> = createKey<PrefixOriginal>(
  'trowel.deploy.prefixOriginal',
);

function blockList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.trim().split('/');
    const family = isIP(address);
    const prefixLength = bits === undefined ? undefined : Number(bits);
    const max = family === 6 ? 128 : 32;
    if (
      family === 0 ||
      (prefixLength !== undefined &&
        (!Number.isInteger(prefixLength) ||
          prefixLength < 0 ||
          prefixLength > max ||
          !/^\d+$/.test(bits ?? '')))
    ) {
      throw new ConfigError(
        'TROWEL_ERR_DEPLOY_PREFIX',
        `prefix(): "${entry}" in trustedProxies is not an IP address or CIDR block`,
      );
    }
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (prefixLength === undefined) list.addAddress(address, type);
    else list.addSubnet(address, prefixLength, type);
  }
  return list;
}

function trusted(list: BlockList, address: string): boolean {
  const plain =
    address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(plain);
  return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
}

function lastItem(value: string | null): string | undefined {
  if (value === null) return undefined;
  const items = value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.at(-1);
}

function withPort(host: string, port: number | '', scheme: string): string {
  const name = host.startsWith('[')
    ? host.slice(0, host.indexOf(']') + 1)
    : (host.split(':')[0] ?? host);
  const defaultPort = scheme === 'https' ? 443 : 80;
  return port === '' || port === defaultPort ? name : `${name}:${port}`;
}

/**
 * Builds the prefix middleware.
 *
 * @throws {ConfigError} `TROWEL_ERR_DEPLOY_PREFIX` for a malformed prefix, trusted proxy, port or
 * scheme.
 * @example
 * ```ts
 * import { prefix } from 'trowel/deploy';
 * const app = prefix({ prefix: '/legacy' })((request, ctx) => new Response(`${ctx.scriptName} ${ctx.pathInfo}`));
 * ```
 */
export function prefix(options: PrefixOptions = {}): Middleware {
  let path: string;
  try {
    path = normalizePrefix(options.prefix ?? '/');
  } catch (error) {
    throw new ConfigError(
      'TROWEL_ERR_DEPLOY_PREFIX',
      `prefix(): ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const translate = options.translateForwardedServer ?? true;
  const proxies = blockList(options.trustedProxies ?? ['127.0.0.1', '::1']);
  const { forcePort } = options;
  // Checked at run time too: options may come from plain JavaScript.
  const scheme = options.scheme as string | undefined;
  if (
    forcePort !== undefined &&
    forcePort !== '' &&
    !(Number.isInteger(forcePort) && forcePort > 0 && forcePort < 65_536)
  ) {
    throw new ConfigError(
      'TROWEL_ERR_DEPLOY_PREFIX',
      `prefix(): forcePort must be a port number or '', got ${String(forcePort)}`,
    );
  }
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
    throw new ConfigError(
      'TROWEL_ERR_DEPLOY_PREFIX',
      `prefix(): scheme must be http or https, got ${scheme}`,
    );
  }
  return (next) => (request, ctx) => {
    const changes: {
      scriptName?: string;
      pathInfo?: string;
      host?: string;
      scheme?: string;
      remoteAddr?: string;
    } = {};
    if (path !== '' && (ctx.pathInfo === path || ctx.pathInfo.startsWith(`${path}/`))) {
      changes.scriptName = ctx.scriptName + path;
      changes.pathInfo = ctx.pathInfo.slice(path.length);
    }
    let forwarded = false;
    if (translate && trusted(proxies, ctx.remoteAddr)) {
      const headers = request.headers;
      const server = lastItem(headers.get('x-forwarded-server'));
      const host = lastItem(headers.get('x-forwarded-host')) ?? server;
      if (host !== undefined && HOST.test(host)) changes.host = host;
      const client = (headers.get('x-forwarded-for') ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter((item) => isIP(item) !== 0);
      // Walk back from the nearest hop: the first address not of a trusted proxy is the client's.
      const address = [...client].reverse().find((item) => !trusted(proxies, item)) ?? client[0];
      if (address !== undefined) changes.remoteAddr = address;
      const proto = (
        lastItem(headers.get('x-forwarded-scheme')) ?? lastItem(headers.get('x-forwarded-proto'))
      )?.toLowerCase();
      if (proto === 'http' || proto === 'https') changes.scheme = proto;
      forwarded = FORWARDED.some((name) => headers.has(name));
    }
    if (scheme !== undefined) changes.scheme = scheme;
    if (forcePort !== undefined)
      changes.host = withPort(changes.host ?? ctx.host, forcePort, changes.scheme ?? ctx.scheme);
    if (Object.keys(changes).length === 0) return next(request, ctx);
    const child: Context = ctx.derive(changes);
    child.set(PREFIX_ORIGINAL, { remoteAddr: ctx.remoteAddr, host: ctx.host, scheme: ctx.scheme });
    if (!forwarded) return next(request, child);
    // The headers have been turned into the context; downstream (a proxy, say) must not see them
    // again as if the client had sent them.
    const headers = new Headers(request.headers);
    for (const name of FORWARDED) headers.delete(name);
    return next(new Request(request, { headers }), child);
  };
}
