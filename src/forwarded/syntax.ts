/**
 * Parsers for the values of forwarding headers: RFC 7239 `Forwarded`, the comma lists of the
 * `X-Forwarded-*` family, node identifiers, hosts, schemes and path prefixes. Every parser throws a
 * `TypeError` with a message fit for a 400 response when a value is malformed.
 */
import { isIP } from 'node:net';

/** One element of a `Forwarded` header: its parameters, names lowercased. */
export type ForwardedElement = ReadonlyMap<string, string>;

/** A client node: an address (or `unknown`, or an obfuscated identifier) and a port (0: none). */
export interface Node {
  readonly address: string;
  readonly port: number;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const OBFUSCATED = /^_[A-Za-z0-9._-]+$/;
const REG_NAME = /^(?:[A-Za-z0-9._~!$&'()*+,;=-]|%[0-9A-Fa-f]{2})+$/;
const PATH = /^(?:\/(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})*)*$/;

/**
 * The entry `hops` places from the right of a comma list, as Werkzeug's `ProxyFix` picks it:
 * `undefined` when the header is absent, `hops` is 0, the list is shorter than `hops`, or the
 * entry is empty.
 */
export function rightmost(value: string | null, hops: number): string | undefined {
  if (value === null || hops === 0) return undefined;
  const entries = value.split(',').map((entry) => entry.trim());
  if (entries.length < hops) return undefined;
  const entry = entries[entries.length - hops];
  return entry === '' ? undefined : entry;
}

/** Parses an RFC 7239 `Forwarded` field value into its elements (§4). */
export function parseForwarded(value: string): ForwardedElement[] {
  const elements: ForwardedElement[] = [];
  let pairs = new Map<string, string>();
  let i = 0;
  const fail = (): never => {
    throw new TypeError(`malformed Forwarded header: ${JSON.stringify(value)}`);
  };
  const skipSpace = (): void => {
    while (value[i] === ' ' || value[i] === '\t') i++;
  };
  for (;;) {
    skipSpace();
    if (value[i] !== ';' && value[i] !== ',' && i < value.length) {
      const eq = value.indexOf('=', i);
      if (eq === -1) fail();
      const name = value.slice(i, eq).toLowerCase();
      if (!TOKEN.test(name)) fail();
      i = eq + 1;
      let parameter: string;
      if (value[i] === '"') {
        parameter = '';
        for (i++; value[i] !== '"'; i++) {
          if (i >= value.length) fail();
          if (value[i] === '\\') i++;
          parameter += value[i] ?? '';
        }
        i++;
      } else {
        const end = /[;,\s]|$/.exec(value.slice(i));
        parameter = value.slice(i, i + (end?.index ?? 0));
        if (!TOKEN.test(parameter)) fail();
        i += parameter.length;
      }
      // RFC 7239 §4: each parameter occurs at most once per forwarded-element.
      if (pairs.has(name)) fail();
      pairs.set(name, parameter);
      skipSpace();
    }
    if (i >= value.length) break;
    if (value[i] === ';') {
      i++;
    } else if (value[i] === ',') {
      elements.push(pairs);
      pairs = new Map();
      i++;
    } else {
      fail();
    }
  }
  elements.push(pairs);
  return elements;
}

/**
 * Parses a node: `192.0.2.1`, `192.0.2.1:8080`, `[2001:db8::1]:8080`, a bare IPv6 address (as in
 * `X-Forwarded-For`), `unknown`, or an obfuscated `_identifier` (RFC 7239 §6).
 */
export function parseNode(value: string, header: string): Node {
  const fail = (): never => {
    throw new TypeError(`malformed ${header} node: ${JSON.stringify(value)}`);
  };
  if (isIP(value) !== 0) return { address: value, port: 0 };
  let name = value;
  let port = '';
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close === -1) fail();
    name = value.slice(1, close);
    if (isIP(name) !== 6) fail();
    const rest = value.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) fail();
      port = rest.slice(1);
    }
  } else {
    const colon = value.indexOf(':');
    if (colon !== -1) {
      name = value.slice(0, colon);
      port = value.slice(colon + 1);
    }
    if (isIP(name) !== 4 && name.toLowerCase() !== 'unknown' && !OBFUSCATED.test(name)) fail();
    if (name.toLowerCase() === 'unknown') name = 'unknown';
  }
  if (port === '') return { address: name, port: 0 };
  if (OBFUSCATED.test(port)) return { address: name, port: 0 };
  return { address: name, port: parsePort(port, header) };
}

/** Parses a port number, 1–65535. */
export function parsePort(value: string, header: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : 0;
  if (port < 1 || port > 65_535) {
    throw new TypeError(`malformed ${header} port: ${JSON.stringify(value)}`);
  }
  return port;
}

/** Checks a host (RFC 9110 §7.2: `uri-host [ ":" port ]`) and returns it lowercased. */
export function parseHost(value: string, header: string): string {
  const fail = (): never => {
    throw new TypeError(`malformed ${header} host: ${JSON.stringify(value)}`);
  };
  let rest: string;
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close === -1 || isIP(value.slice(1, close)) !== 6) fail();
    rest = value.slice(close + 1);
  } else {
    const colon = value.indexOf(':');
    const name = colon === -1 ? value : value.slice(0, colon);
    if (!REG_NAME.test(name)) fail();
    rest = colon === -1 ? '' : value.slice(colon);
  }
  if (rest !== '') {
    if (!rest.startsWith(':')) fail();
    parsePort(rest.slice(1), header);
  }
  return value.toLowerCase();
}

/** Splits a host into its name and port (`''` when it has none). */
export function splitHost(host: string): { readonly name: string; readonly port: string } {
  const close = host.startsWith('[') ? host.indexOf(']') + 1 : 0;
  const colon = host.indexOf(':', close);
  return colon === -1
    ? { name: host, port: '' }
    : { name: host.slice(0, colon), port: host.slice(colon + 1) };
}

/** Checks a scheme: `http` or `https`, any case; returns it lowercased. */
export function parseScheme(value: string, header: string): 'http' | 'https' {
  const scheme = value.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    throw new TypeError(`${header} must be http or https, got ${JSON.stringify(value)}`);
  }
  return scheme;
}

/**
 * Checks a path prefix and normalises it to `scriptName` form: a leading slash added when
 * `optionalSlash` (X-Traversal-Path comes both ways), trailing slashes removed, `/` becoming `''`.
 * The prefix must be URL-encoded path segments with no `.` or `..` segment.
 */
export function parsePrefix(value: string, header: string, optionalSlash = false): string {
  const withSlash = optionalSlash && value !== '' && !value.startsWith('/') ? `/${value}` : value;
  const prefix = withSlash.replace(/\/+$/, '');
  const segments = prefix.split('/').slice(1);
  if (
    (value !== '' && !withSlash.startsWith('/')) ||
    !PATH.test(prefix) ||
    segments.some(
      (s) => s === '.' || s === '..' || s.toLowerCase() === '%2e' || /^(?:\.|%2e){2}$/i.test(s),
    )
  ) {
    throw new TypeError(
      `${header} must be a URL-encoded path starting with "/", got ${JSON.stringify(value)}`,
    );
  }
  return prefix;
}
