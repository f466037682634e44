/**
 * Which peers `forwarded()` believes by address: IP addresses and CIDR blocks (IPv4, IPv6 and
 * IPv4-mapped IPv6), plus the shorthands `loopback` and `private`.
 */
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../core/config-error.ts';

/** Ranges behind the `loopback` shorthand (RFC 1122 §3.2.1.3, RFC 4291 §2.5.3). */
const LOOPBACK = ['127.0.0.0/8', '::1/128'];
/** Ranges behind the `private` shorthand: RFC 1918, RFC 6598 shared space, RFC 4193 ULA, link-local. */
const PRIVATE = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
];

const MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** Tells whether a peer address is trusted. */
export type TrustCheck = (address: string) => boolean;

/**
 * Builds the check for `entries`.
 *
 * @throws {ConfigError} `TROWEL_ERR_FORWARDED_TRUSTED_PROXY` for an entry that is neither an
 * address, a CIDR block nor a shorthand.
 */
export function trustCheck(entries: readonly string[]): TrustCheck {
  if (!Array.isArray(entries)) {
    throw new ConfigError(
      'TROWEL_ERR_FORWARDED_TRUSTED_PROXY',
      'forwarded(): trustedProxies must be an array of addresses or CIDR blocks',
    );
  }
  if (entries.length === 0) return () => false;
  const list = new BlockList();
  for (const raw of entries) {
    const entry = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
    const expanded = entry === 'loopback' ? LOOPBACK : entry === 'private' ? PRIVATE : [entry];
    for (const item of expanded) addEntry(list, item, String(raw));
  }
  return (address) => {
    const mapped = MAPPED.exec(address)?.[1];
    const plain = mapped ?? address;
    const family = isIP(plain);
    if (family === 0) return false;
    return list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}

function addEntry(list: BlockList, entry: string, original: string): void {
  const [rawAddress = '', bits, extra] = entry.split('/');
  // An IPv4-mapped IPv6 entry (`::ffff:10.0.0.0/104`) means the IPv4 range it maps.
  const mapped = MAPPED.exec(rawAddress)?.[1];
  const address = mapped ?? rawAddress;
  const family = isIP(address);
  let prefix = family === 6 ? 128 : 32;
  if (bits !== undefined) {
    prefix = /^\d{1,3}$/.test(bits) ? Number(bits) - (mapped === undefined ? 0 : 96) : -1;
  }
  if (family === 0 || extra !== undefined || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
    throw new ConfigError(
      'TROWEL_ERR_FORWARDED_TRUSTED_PROXY',
      `forwarded(): ${JSON.stringify(original)} in trustedProxies is not an IP address, a CIDR block, "loopback" or "private"`,
    );
  }
  list.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
}
