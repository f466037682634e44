/**
 * The allow-list of a transparent (forward) proxy: which upstreams a client may make it connect
 * to, so that it is not an open proxy and cannot be pointed at internal services (CWE-918).
 *
 * Entries are host names (`api.example`), IP addresses and CIDR ranges (`10.0.0.0/8`,
 * `fd00::/8`, `[fd00::]/8`), each optionally with `:port` or `:*`; without one, only the scheme's
 * default port (80, 443) is allowed, so listing `localhost` does not open `localhost:22`. A name the
 * list does not hold is resolved once, and the proxy connects to the first resolved address an IP
 * or CIDR entry allows — the very address that was checked, so a DNS answer that changes between
 * check and connect (rebinding) cannot take it elsewhere.
 */
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../core/config-error.ts';

type Port = number | '*' | undefined;

interface NameRule {
  readonly name: string;
  readonly port: Port;
}

interface NetRule {
  readonly list: BlockList;
  readonly family: 'ipv4' | 'ipv6';
  readonly port: Port;
}

const BRACKETED = /^\[([0-9A-Fa-f:.]+)\](?:\/(\d{1,3}))?(?::(\d{1,5}|\*))?$/;
const BARE_V6 = /^([0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)(?:\/(\d{1,3}))?$/;
const OTHER = /^([^:/[\]@\s]+)(?:\/(\d{1,2}))?(?::(\d{1,5}|\*))?$/;

function bad(entry: string, why: string): never {
  throw new ConfigError(
    'TROWEL_ERR_PROXY_ALLOW_HOSTS',
    `allowHosts: ${JSON.stringify(entry)} ${why}`,
  );
}

function portOf(entry: string, port: string | undefined): Port {
  if (port === undefined || port === '*') return port;
  const value = Number(port);
  if (value < 1 || value > 65_535) bad(entry, 'has a port outside 1-65535');
  return value;
}

function netRule(entry: string, address: string, prefix: string | undefined, port: Port): NetRule {
  const version = isIP(address);
  if (version === 0) bad(entry, 'is not an IP address');
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const bits = prefix === undefined ? (version === 4 ? 32 : 128) : Number(prefix);
  if (bits > (version === 4 ? 32 : 128)) bad(entry, 'has a prefix longer than the address');
  const list = new BlockList();
  list.addSubnet(address, bits, family);
  return { list, family, port };
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`), else the address. */
function unmapped(address: string): string {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted !== null) return dotted[1] ?? address;
  // URL parsing spells it in hex: [::ffff:7f00:1] is 127.0.0.1.
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex === null) return address;
  const high = parseInt(hex[1] ?? '0', 16);
  const low = parseInt(hex[2] ?? '0', 16);
  return `${String(high >> 8)}.${String(high & 255)}.${String(low >> 8)}.${String(low & 255)}`;
}

function portMatches(rule: Port, port: number, defaultPort: number): boolean {
  return rule === '*' || (rule ?? defaultPort) === port;
}

/** A parsed `allowHosts` list. */
export class AllowList {
  readonly #names: NameRule[] = [];
  readonly #nets: NetRule[] = [];

  /** @throws {ConfigError} `TROWEL_ERR_PROXY_ALLOW_HOSTS` for an entry that is none of the forms. */
  constructor(entries: readonly string[]) {
    if (!Array.isArray(entries)) bad(String(entries), 'must be an array');
    for (const raw of entries) {
      const entry = typeof raw === 'string' ? raw.trim() : '';
      if (entry === '') bad(String(raw), 'is empty');
      const bracketed = BRACKETED.exec(entry);
      const bare = bracketed === null ? BARE_V6.exec(entry) : null;
      if (bracketed !== null || bare !== null) {
        const [, address = '', prefix, port] = bracketed ?? bare ?? [];
        this.#nets.push(netRule(entry, address, prefix, portOf(entry, port)));
        continue;
      }
      const other = OTHER.exec(entry);
      if (other === null) bad(entry, 'is not a host, host:port, IP or CIDR');
      const [, host = '', prefix, port] = other;
      const normal = normalName(entry, host);
      if (prefix !== undefined || isIP(normal) !== 0) {
        this.#nets.push(netRule(entry, normal, prefix, portOf(entry, port)));
      } else {
        this.#names.push({ name: normal, port: portOf(entry, port) });
      }
    }
  }

  /** True when the list holds IP or CIDR entries, so an unlisted name is worth resolving. */
  get hasAddresses(): boolean {
    return this.#nets.length > 0;
  }

  /** True when `hostname` (lower case, as `URL.hostname` has it) is listed by name for `port`. */
  allowsName(hostname: string, port: number, defaultPort: number): boolean {
    return this.#names.some(
      (rule) => rule.name === hostname && portMatches(rule.port, port, defaultPort),
    );
  }

  /** True when an IP or CIDR entry covers `address` (no brackets) on `port`. */
  allowsAddress(address: string, port: number, defaultPort: number): boolean {
    const ip = unmapped(address);
    const family = isIP(ip) === 4 ? 'ipv4' : 'ipv6';
    return this.#nets.some(
      (rule) =>
        rule.family === family &&
        rule.list.check(ip, family) &&
        portMatches(rule.port, port, defaultPort),
    );
  }
}

function normalName(entry: string, host: string): string {
  try {
    const url = new URL(`http://${host}/`);
    if (url.username === '' && url.password === '' && url.port === '') return url.hostname;
  } catch {
    // Reported below.
  }
  return bad(entry, 'is not a valid host name');
}

/**
 * The host to connect to for a request to `hostname:port`, or `undefined` when the list does not
 * allow it. `hostname` is as `URL.hostname` spells it (IPv6 in brackets); the result too.
 *
 * @throws {Error} when resolving the name fails (the caller answers 502).
 */
export async function allowedHost(
  list: AllowList,
  hostname: string,
  port: number,
  defaultPort: number,
): Promise<string | undefined> {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname;
  if (isIP(bare) !== 0) return list.allowsAddress(bare, port, defaultPort) ? hostname : undefined;
  if (list.allowsName(hostname, port, defaultPort)) return hostname;
  if (!list.hasAddresses) return undefined;
  const addresses = await lookup(bare, { all: true, order: 'verbatim' });
  const chosen = addresses.find(({ address }) => list.allowsAddress(address, port, defaultPort));
  if (chosen === undefined) return undefined;
  return chosen.family === 6 ? `[${chosen.address}]` : chosen.address;
}
