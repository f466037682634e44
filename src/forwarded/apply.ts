/**
 * Turns a trusted proxy's headers into context changes: who the client is, how and where it
 * connected, the mount split, the query the application sees, and the transported values. Any
 * malformed value throws a `TypeError` whose message the middleware answers 400 with.
 *
 * Only the configured family is read: with `x-forwarded`, `X-Forwarded-For`/`-Proto`/`-Host`/
 * `-Port`/`-Prefix`; with `forwarded`, RFC 7239 `Forwarded`. Which one a proxy sets is a property
 * of the deployment, never of the request: a client that adds the other family must not be able to
 * pick it. WSGIProxy's own headers — `X-Forwarded-Scheme`/`-Server` where the family said nothing,
 * the prefix from `X-Forwarded-Script-Name` or `X-Script-Name` where `X-Forwarded-Prefix` did not
 * give one (the same fact under several names: never applied twice), `X-Traversal-*`, the version
 * and the transported values — are read only when `wsgiproxy` is true for this request.
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
  type Node,
} from './syntax.ts';
import { WSGIPROXY_VERSION, decodeTransported } from './transport.ts';

/** What a trusted proxy's headers change. */
export interface Applied {
  readonly changes: ContextInit;
  readonly values: ReadonlyMap<Key<unknown>, unknown>;
  /** The request URL the application should see, when the query changed. */
  readonly url: string | undefined;
}

/**
 * Reads the proxy's headers; WSGIProxy's only when `wsgiproxy` (the request was signed, or the
 * option says the proxy in front strips them from its clients).
 *
 * @throws {TypeError} for a malformed value.
 */
export function applyProxyHeaders(
  headers: Headers,
  ctx: Context,
  url: string,
  config: Pick<Settings, 'hops' | 'family' | 'transport'>,
  wsgiproxy: boolean,
): Applied {
  const version = wsgiproxy ? headers.get('x-wsgiproxy-version') : null;
  if (version !== null && version.trim() !== WSGIPROXY_VERSION) {
    throw new TypeError(
      `X-WSGIProxy-Version must be ${WSGIPROXY_VERSION}, got ${JSON.stringify(version)}`,
    );
  }
  const changes: { -readonly [K in keyof ContextInit]: ContextInit[K] } = {};
  const { hops } = config;
  const client =
    config.family === 'forwarded' ? fromForwarded(headers, hops) : fromXForwarded(headers, hops);
  if (client.node !== undefined) {
    changes.remoteAddr = client.node.address;
    changes.remotePort = client.node.port;
  }
  let { scheme, host } = client;
  if (wsgiproxy && scheme === undefined) {
    const legacy = rightmost(headers.get('x-forwarded-scheme'), hops.proto);
    if (legacy !== undefined) scheme = parseScheme(legacy, 'X-Forwarded-Scheme');
  }
  if (wsgiproxy && host === undefined) {
    const legacy = rightmost(headers.get('x-forwarded-server'), hops.host);
    if (legacy !== undefined) host = parseHost(legacy, 'X-Forwarded-Server');
  }
  if (client.port !== undefined) {
    host = `${splitHost(host ?? ctx.host).name}:${String(client.port)}`;
  }
  if (scheme !== undefined) changes.scheme = scheme;
  if (host !== undefined) changes.host = host;

  let scriptName = ctx.scriptName;
  let pathInfo = ctx.pathInfo;
  const prefix = prefixHeader(headers, config.family === 'x-forwarded', wsgiproxy, hops.prefix);
  if (prefix !== undefined) scriptName = parsePrefix(prefix.value, prefix.header) + scriptName;
  const traversal = wsgiproxy ? headers.get('x-traversal-path') : null;
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
    values: wsgiproxy ? transported(headers, config.transport) : new Map(),
    url: wsgiproxy
      ? withoutTraversalQuery(url, headers.get('x-traversal-query-string'))
      : undefined,
  };
}

/** What one header family says about the client and how it connected. */
interface Client {
  readonly node: Node | undefined;
  readonly scheme: string | undefined;
  readonly host: string | undefined;
  /** `X-Forwarded-Port`, which replaces the port of the host. */
  readonly port: number | undefined;
}

function fromForwarded(headers: Headers, hops: Settings['hops']): Client {
  const value = headers.get('forwarded');
  if (value === null)
    return { node: undefined, scheme: undefined, host: undefined, port: undefined };
  const elements = parseForwarded(value);
  const pick = (n: number, name: string): string | undefined =>
    n === 0 || elements.length < n
      ? undefined
      : (elements[elements.length - n] as ForwardedElement).get(name);
  const node = pick(hops.for, 'for');
  const proto = pick(hops.proto, 'proto');
  const host = pick(hops.host, 'host');
  return {
    node: node === undefined ? undefined : parseNode(node, 'Forwarded for='),
    scheme: proto === undefined ? undefined : parseScheme(proto, 'Forwarded proto='),
    host: host === undefined ? undefined : parseHost(host, 'Forwarded host='),
    port: undefined,
  };
}

function fromXForwarded(headers: Headers, hops: Settings['hops']): Client {
  const node = rightmost(headers.get('x-forwarded-for'), hops.for);
  const proto = rightmost(headers.get('x-forwarded-proto'), hops.proto);
  const host = rightmost(headers.get('x-forwarded-host'), hops.host);
  const port = rightmost(headers.get('x-forwarded-port'), hops.port);
  return {
    node: node === undefined ? undefined : parseNode(node, 'X-Forwarded-For'),
    scheme: proto === undefined ? undefined : parseScheme(proto, 'X-Forwarded-Proto'),
    host: host === undefined ? undefined : parseHost(host, 'X-Forwarded-Host'),
    port: port === undefined ? undefined : parsePort(port, 'X-Forwarded-Port'),
  };
}

function prefixHeader(
  headers: Headers,
  xForwarded: boolean,
  wsgiproxy: boolean,
  hops: number,
): { readonly value: string; readonly header: string } | undefined {
  const standard = xForwarded ? headers.get('x-forwarded-prefix') : null;
  if (standard !== null) {
    const value = rightmost(standard, hops);
    return value === undefined ? undefined : { value, header: 'X-Forwarded-Prefix' };
  }
  if (!wsgiproxy) return undefined;
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

/**
 * The accepted transported values. Every transport header is decoded (a malformed one, or a
 * pickle, is a 400 from a peer that is believed), but only the names `map` lists are kept.
 */
function transported(
  headers: Headers,
  map: ReadonlyMap<string, Key<unknown>>,
): ReadonlyMap<Key<unknown>, unknown> {
  const values = new Map<Key<unknown>, unknown>();
  const names = new Set<string>();
  for (const [header, raw] of headers) {
    const decoded = decodeTransported(header, raw);
    if (decoded === undefined) continue;
    const key = map.get(decoded.name);
    if (key === undefined) continue;
    if (names.has(decoded.name)) {
      throw new TypeError(`${JSON.stringify(decoded.name)} is transported more than once`);
    }
    names.add(decoded.name);
    if ((key === REMOTE_USER || key === AUTH_TYPE) && typeof decoded.value !== 'string') {
      throw new TypeError(`transported ${decoded.name} must be a string`);
    }
    values.set(key, decoded.value);
  }
  return values;
}
