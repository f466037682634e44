/**
 * The address ranges of `grantIp()` rules: an IP address, a CIDR block (`10.0.0.0/8`,
 * `2001:db8::/32`, or IPv4 with a dotted mask, `10.0.0.0/255.0.0.0`), or an inclusive range
 * (`10.0.0.1-10.0.0.9`, also written `10.0.0.1<->10.0.0.9` as Paste's `IP4Range` printed it).
 * IPv4-mapped IPv6 forms (`::ffff:10.0.0.1`) mean the IPv4 address, in rules and in clients.
 */
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../../core/config-error.ts';

/** Tells whether a client address lies in a range. */
export type RangeCheck = (address: string) => boolean;

const MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** The address as the rules compare it: the zone dropped, an IPv4-mapped form as IPv4. */
export function plainAddress(
  address: string,
): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const unzoned = address.split('%', 1)[0] ?? '';
  const plain = MAPPED.exec(unzoned)?.[1] ?? unzoned;
  const family = isIP(plain);
  if (family === 0) return undefined;
  return { address: plain, family: family === 4 ? 'ipv4' : 'ipv6' };
}

function bad(entry: string, why: string): never {
  throw new ConfigError(
    'TROWEL_ERR_AUTH_GRANTIP_RULE',
    `grantIp(): ${JSON.stringify(entry)} is not ${why}`,
  );
}

/** The prefix length of a contiguous dotted IPv4 mask, or -1. */
function maskBits(mask: string): number {
  if (isIP(mask) !== 4) return -1;
  const value = mask.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const bits = value.toString(2).padStart(32, '0');
  return /^1*0*$/.test(bits) ? (bits.indexOf('0') === -1 ? 32 : bits.indexOf('0')) : -1;
}

function prefixLength(bits: string, family: 'ipv4' | 'ipv6', mapped: boolean): number {
  if (/^\d{1,3}$/.test(bits)) {
    const n = Number(bits) - (mapped ? 96 : 0);
    return n >= 0 && n <= (family === 'ipv4' ? 32 : 128) ? n : -1;
  }
  return family === 'ipv4' && !mapped ? maskBits(bits) : -1;
}

/**
 * Builds the check for one rule key.
 *
 * @throws {ConfigError} `TROWEL_ERR_AUTH_GRANTIP_RULE` for anything but an address, a CIDR block
 * or a range (host names included: they are not resolved).
 */
export function rangeCheck(entry: string): RangeCheck {
  const text = entry.trim();
  const list = new BlockList();
  const range = /^(.+?)\s*(?:<->|-)\s*(.+)$/.exec(text);
  if (range && !text.includes('/')) {
    const start = plainAddress(range[1] ?? '');
    const end = plainAddress(range[2] ?? '');
    if (!start || !end || start.family !== end.family) bad(entry, 'a range of two addresses');
    try {
      list.addRange(start.address, end.address, start.family);
    } catch {
      bad(entry, 'a range whose start is not after its end');
    }
  } else {
    const [raw = '', bits, extra] = text.split('/');
    const mapped = MAPPED.test(raw);
    const address = plainAddress(raw);
    if (!address || extra !== undefined || raw.includes('%')) {
      bad(entry, 'an IP address, a CIDR block or a range (host names are not resolved)');
    }
    const prefix =
      bits === undefined
        ? address.family === 'ipv4'
          ? 32
          : 128
        : prefixLength(bits, address.family, mapped);
    if (prefix < 0) bad(entry, 'a CIDR block with a valid prefix length');
    list.addSubnet(address.address, prefix, address.family);
  }
  return (client) => {
    const plain = plainAddress(client);
    return plain !== undefined && list.check(plain.address, plain.family);
  };
}
