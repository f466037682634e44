/**
 * The mount keys of `urlMap()` and how a request path is compared with them.
 *
 * A key is a path (`/blog`), or a host and a path: `http://example.com/blog`,
 * `https://example.com:8443/`, `//example.com/blog` (the scheme is not matched, as in Paste). Paths
 * are compared segment by segment in URL-encoded form, after the normalisations RFC 3986 §6.2.2
 * allows: runs of `/` count as one, `%7e` equals `~` (unreserved characters, §2.3), and hex digits
 * in escapes are case-insensitive. Nothing else is equated: `%2F` stays inside its segment, and
 * paths stay case-sensitive (§6.2.2.1).
 */

/** A parsed key. */
export interface MountKey {
  /** The key as given. */
  readonly key: string;
  /** The host to match, lowercased, without a trailing dot; `undefined` for any host. */
  readonly host: string | undefined;
  /** The port to match; `undefined` for any port. */
  readonly port: number | undefined;
  /** The path's segments in compared form; empty for the root. */
  readonly segments: readonly string[];
}

/** Why a key was refused. */
export class KeyError extends Error {
  override readonly name = 'KeyError';
}

const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The compared form of one URL-encoded segment: escapes of unreserved characters decoded, other
 * escapes in upper case.
 */
export function normalizeSegment(raw: string): string {
  if (!raw.includes('%')) return raw;
  return raw.replace(/%([0-9A-Fa-f]{2})/g, (escape, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16));
    return UNRESERVED.test(char) ? char : escape.toUpperCase();
  });
}

/** Splits a key into host, port and path segments. */
export function parseKey(key: string): MountKey {
  let rest = key;
  let host: string | undefined;
  let port: number | undefined;
  const scheme = /^(?:https?:)?\/\//i.exec(key);
  if (scheme !== null) {
    rest = key.slice(scheme[0].length);
    const slash = rest.indexOf('/');
    const authority = slash === -1 ? rest : rest.slice(0, slash);
    rest = slash === -1 ? '' : rest.slice(slash);
    ({ host, port } = parseAuthority(authority));
  } else if (!key.startsWith('/')) {
    throw new KeyError('a key must start with "/", "http://", "https://" or "//"');
  }
  if (/[?#]/.test(rest)) throw new KeyError('a key has no query or fragment');
  return { key, host, port, segments: parsePath(rest) };
}

function parseAuthority(authority: string): { host: string; port: number | undefined } {
  if (authority.includes('@')) throw new KeyError('a key has no user name or password');
  const match = /^(\[[^\]]*\]|[^:[\]]+)(?::(\d*))?$/.exec(authority);
  if (match === null) throw new KeyError(`"${authority}" is not a host[:port]`);
  const [, name = '', digits = ''] = match;
  let host: string;
  try {
    // The URL parser lowercases, turns an international name into its ASCII form (as clients
    // send it in Host) and refuses what is no host at all.
    host = new URL(`http://${name}/`).hostname;
  } catch {
    throw new KeyError(`"${name}" is not a host name`);
  }
  host = host.replace(/\.$/, '');
  if (digits === '') return { host, port: undefined };
  const port = Number(digits);
  if (port < 1 || port > 65_535) throw new KeyError(`port ${digits} is out of range`);
  return { host, port };
}

function parsePath(path: string): string[] {
  if (path === '') return [];
  // Encode what a client would have encoded (spaces, non-ASCII), leaving escapes as they are.
  const encoded = new URL(path.replace(/\/{2,}/g, '/'), 'http://key.invalid').pathname;
  const segments = path.split('/').filter((segment) => segment !== '');
  const dots = segments.find((s) => ['.', '..'].includes(s.replace(/%2e/gi, '.')));
  if (dots !== undefined) throw new KeyError('a key has no "." or ".." segments');
  return encoded
    .split('/')
    .filter((segment) => segment !== '')
    .map(normalizeSegment);
}

/** The request's host and port, as {@link matchHost} compares them. */
export interface RequestHost {
  readonly host: string;
  readonly port: number;
}

/** Splits a `Host` value, giving the scheme's default port when it names none. */
export function requestHost(authority: string, scheme: string): RequestHost {
  const lower = authority.toLowerCase();
  const fallback = scheme === 'https' ? 443 : 80;
  const bracket = lower.startsWith('[') ? lower.indexOf(']') + 1 : 0;
  const colon = lower.indexOf(':', bracket);
  const name = (colon === -1 ? lower : lower.slice(0, colon)).replace(/\.$/, '');
  const digits = colon === -1 ? '' : lower.slice(colon + 1);
  const port = /^\d{1,5}$/.test(digits) ? Number(digits) : fallback;
  return { host: name, port };
}

/** The raw end of the path prefix `segments` names within `path`, or -1 when it is no prefix. */
export function matchPath(path: string, segments: readonly string[]): number {
  let index = 0;
  for (const segment of segments) {
    if (path[index] !== '/') return -1;
    while (path[index] === '/') index++;
    let end = path.indexOf('/', index);
    if (end === -1) end = path.length;
    if (normalizeSegment(path.slice(index, end)) !== segment) return -1;
    index = end;
  }
  return index;
}
