/**
 * Turns a trusted proxy's headers into context changes: who the client is, how and where it
 * connected, the mount split, the query the application sees, and the transported values. Any
 * malformed value throws a `TypeError` whose message the middleware answers 400 with.
 *
 * Precedence, for each fact: RFC 7239 `Forwarded` over `X-Forwarded-For`/`-Proto`/`-Host`/`-Port`
 * (when `Forwarded` is present the `X-Forwarded-*` equivalents are ignored), and those over
 * WSGIProxy's `X-Forwarded-Scheme`/`-Server`. The script-name prefix comes from the first present of
 * `X-Forwarded-Prefix`, `X-Forwarded-Script-Name`, `X-Script-Name` (the same fact under three names:
 * a proxy that sends several must not have its prefix applied twice).
 */
import type { Context, ContextInit, Key } from '../core/context.ts';
import { AUTH_TYPE, REMOTE_USER } from '../core/keys.ts';
import type { Settings } from './options.ts';
import {
  parseForwarded,
  parseHost,
  parseNode,
  parsePort,
  parsePrefix,
  parseScheme,
  rightmost,
  splitHost,
  type ForwardedElement,
} from './syntax.ts';
import { WSGIPROXY_VERSION, decodeTransported, transportedKey } from './transport.ts';

/** What a trusted proxy's headers change. */
export interface Applied {
  readonly changes: ContextInit;
  readonly values: ReadonlyMap<Key<unknown>, unknown>;
  /** The request URL the application should see, when the query changed. */
  readonly url: string | undefined;
}

/** Reads the proxy's headers. @throws {TypeError} for a malformed value. */
export function applyProxyHeaders(
  headers: Headers,
  ctx: Context,
  url: string,
  config: Pick<Settings, 'hops' | 'transport'>,
): Applied {
  const version = headers.get('x-wsgiproxy-version');
  if (version !== null && version.trim() !== WSGIPROXY_VERSION) {
    throw new TypeError(
      `X-WSGIProxy-Version must be ${WSGIPROXY_VERSION}, got ${JSON.stringify(version)}`,
    );
  }
  const changes: { -readonly [K in keyof ContextInit]: ContextInit[K] } = {};
  const { hops } = config;
  const forwardedValue = headers.get('forwarded');
  let scheme: string | undefined;
  let host: string | undefined;
  if (forwardedValue !== null) {
    const elements = parseForwarded(forwardedValue);
    const pick = (n: number, name: string): string | undefined =>
      n === 0 || elements.length < n
        ? undefined
        : (elements[elements.length - n] as ForwardedElement).get(name);
    const node = pick(hops.for, 'for');
    if (node !== undefined) {
      const { address, port } = parseNode(node, 'Forwarded for=');
      changes.remoteAddr = address;
      changes.remotePort = port;
    }
    const proto = pick(hops.proto, 'proto');
    if (proto !== undefined) scheme = parseScheme(proto, 'Forwarded proto=');
    const forHost = pick(hops.host, 'host');
    if (forHost !== undefined) host = parseHost(forHost, 'Forwarded host=');
  } else {
    const node = rightmost(headers.get('x-forwarded-for'), hops.for);
    if (node !== undefined) {
      const { address, port } = parseNode(node, 'X-Forwarded-For');
      changes.remoteAddr = address;
      changes.remotePort = port;
    }
    const proto = rightmost(headers.get('x-forwarded-proto'), hops.proto);
    if (proto !== undefined) scheme = parseScheme(proto, 'X-Forwarded-Proto');
    const xHost = rightmost(headers.get('x-forwarded-host'), hops.host);
    if (xHost !== undefined) host = parseHost(xHost, 'X-Forwarded-Host');
  }
  if (scheme === undefined) {
    const legacy = rightmost(headers.get('x-forwarded-scheme'), hops.proto);
    if (legacy !== undefined) scheme = parseScheme(legacy, 'X-Forwarded-Scheme');
  }
  if (host === undefined) {
    const legacy = rightmost(headers.get('x-forwarded-server'), hops.host);
    if (legacy !== undefined) host = parseHost(legacy, 'X-Forwarded-Server');
  }
  if (forwardedValue === null) {
    const port = rightmost(headers.get('x-forwarded-port'), hops.port);
    if (port !== undefined) {
      host = `${splitHost(host ?? ctx.host).name}:${String(parsePort(port, 'X-Forwarded-Port'))}`;
    }
  }
  if (scheme !== undefined) changes.scheme = scheme;
  if (host !== undefined) changes.host = host;

  let scriptName = ctx.scriptName;
  let pathInfo = ctx.pathInfo;
  const prefix = prefixHeader(headers, hops.prefix);
  if (prefix !== undefined) scriptName = parsePrefix(prefix.value, prefix.header) + scriptName;
  const traversal = headers.get('x-traversal-path');
  if (traversal !== null) {
    const path = parsePrefix(traversal.trim(), 'X-Traversal-Path', true);
    if (path !== '') {
      // A prefix on a segment boundary only: /app matches /app and /app/x, never /apple.
      if (pathInfo !== path && !pathInfo.startsWith(`${path}/`)) {
        throw new TypeError(
          `X-Traversal-Path ${JSON.stringify(path)} is not a prefix of the path ${JSON.stringify(pathInfo)}`,
        );
      }
      // The traversal path is where the backend mounts the application, not part of the URL the
      // client asked for: dropping it keeps scheme://host + scriptName + pathInfo that URL.
      pathInfo = pathInfo.slice(path.length);
    }
  }
  if (scriptName !== ctx.scriptName) changes.scriptName = scriptName;
  if (pathInfo !== ctx.pathInfo) changes.pathInfo = pathInfo;

  return {
    changes,
    values: transported(headers, config.transport),
    url: withoutTraversalQuery(url, headers.get('x-traversal-query-string')),
  };
}

function prefixHeader(
  headers: Headers,
  hops: number,
): { readonly value: string; readonly header: string } | undefined {
  const standard = headers.get('x-forwarded-prefix');
  if (standard !== null) {
    const value = rightmost(standard, hops);
    return value === undefined ? undefined : { value, header: 'X-Forwarded-Prefix' };
  }
  for (const header of ['X-Forwarded-Script-Name', 'X-Script-Name']) {
    const value = headers.get(header);
    if (value !== null) return { value: value.trim(), header };
  }
  return undefined;
}

/** The URL without the query the proxy appended (WSGIProxy's `href` query). */
function withoutTraversalQuery(url: string, appended: string | null): string | undefined {
  const extra = appended?.trim() ?? '';
  if (extra === '') return undefined;
  const parsed = new URL(url);
  const query = parsed.search.slice(1);
  let rest: string;
  if (query === extra) rest = '';
  else if (query.endsWith(`&${extra}`)) rest = query.slice(0, -extra.length - 1);
  else if (query.startsWith(`${extra}&`)) rest = query.slice(extra.length + 1);
  else {
    throw new TypeError(
      `X-Traversal-Query-String ${JSON.stringify(extra)} is not part of the query ${JSON.stringify(query)}`,
    );
  }
  parsed.search = rest;
  return parsed.href;
}

function transported(
  headers: Headers,
  map: ReadonlyMap<string, Key<unknown>>,
): ReadonlyMap<Key<unknown>, unknown> {
  const values = new Map<Key<unknown>, unknown>();
  const names = new Set<string>();
  for (const [header, raw] of headers) {
    const decoded = decodeTransported(header, raw);
    if (decoded === undefined) continue;
    if (names.has(decoded.name)) {
      throw new TypeError(`${JSON.stringify(decoded.name)} is transported more than once`);
    }
    names.add(decoded.name);
    const key = map.get(decoded.name) ?? transportedKey(decoded.name);
    if ((key === REMOTE_USER || key === AUTH_TYPE) && typeof decoded.value !== 'string') {
      throw new TypeError(`transported ${decoded.name} must be a string`);
    }
    values.set(key, decoded.value);
  }
  return values;
}
