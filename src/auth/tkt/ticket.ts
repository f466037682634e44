/**
 * The mod_auth_tkt ticket format: build a ticket and check one, byte for byte as Apache
 * mod_auth_tkt and Python Paste's `paste.auth.auth_tkt` (`AuthTicket`, `parse_ticket`) do.
 *
 * `ticket = hex(digest) + %08x(timestamp) + quote(uid) + '!' + [tokens + '!'] + user_data`, with
 * `digest = H(H(ip4 + ts4 + secret + uid + '\0' + tokens + '\0' + user_data) + secret)` where `H` is
 * hex MD5, SHA-256 or SHA-512, `ip4` the client's IPv4 address (`0.0.0.0` when the ticket is not
 * bound to an address) and `ts4` the timestamp as 4 big-endian bytes.
 *
 * These functions neither read cookies nor check the age of a ticket: the `authTkt()` middleware
 * does both. Use them directly only to issue or read tickets outside a request (a login service
 * in another process, a migration script).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { hasControl } from '../../core/header-syntax.ts';

/** The digest algorithms mod_auth_tkt knows (`TKTAuthDigestType`). */
export type TicketDigest = 'md5' | 'sha256' | 'sha512';

/** The hex length of each digest. */
const HEX_LENGTH: Readonly<Record<TicketDigest, number>> = { md5: 32, sha256: 64, sha512: 128 };

/** What a ticket says, once its digest has been checked. */
export interface TicketData {
  /** The user id. */
  readonly user: string;
  /** The tokens (roles); empty when the ticket has none. */
  readonly tokens: readonly string[];
  /** Free-form user data; `''` when the ticket has none. */
  readonly userData: string;
  /** When the ticket was issued, in whole seconds since the epoch. */
  readonly timestamp: number;
}

/** What {@link createTicket} needs. */
export interface TicketInit {
  /** The shared secret (mod_auth_tkt's `TKTAuthSecret`). */
  readonly secret: string;
  /** The user id; must not be empty. */
  readonly user: string;
  /** Tokens (roles); none may be empty or contain `,`, `!` or a control character. @default [] */
  readonly tokens?: readonly string[];
  /** Free-form data; must not contain `!` or a control character. @default '' */
  readonly userData?: string;
  /** The issue time, in seconds since the epoch. @default now */
  readonly timestamp?: number;
  /** The IPv4 address to bind the ticket to. @default '0.0.0.0' (not bound) */
  readonly ip?: string;
  /** @default 'sha256' */
  readonly digest?: TicketDigest;
}

// A control character would let a ticket smuggle a second header line through a CGI gateway.
const CONTROL = { test: hasControl };

/**
 * Builds a ticket string (not yet a cookie value: see `authTkt()` for the cookie).
 *
 * @throws {TypeError} for an empty user, a token with `,` or `!`, user data with `!`, a control
 * character anywhere, an address that is not IPv4, or a timestamp outside 0…2³²−1.
 * @example
 * ```ts
 * import { createTicket } from 'trowel/auth/tkt';
 * createTicket({ secret: 'shared_secret', user: 'username', tokens: ['admin'], timestamp: 1579782607, digest: 'md5' });
 * // '731274bec45f6983c1f33bac8e8baf435e2991cfusername!admin!'
 * ```
 */
export function createTicket(init: TicketInit): string {
  const { secret, user, tokens = [], userData = '', ip = '0.0.0.0', digest = 'sha256' } = init;
  const timestamp = init.timestamp ?? Math.floor(Date.now() / 1000);
  if (user === '' || CONTROL.test(user)) {
    throw new TypeError('ticket user must be non-empty and free of control characters');
  }
  for (const token of tokens) {
    if (token === '' || /[,!]/.test(token) || CONTROL.test(token)) {
      throw new TypeError(
        `ticket token ${JSON.stringify(token)} is empty or has ",", "!" or a control character`,
      );
    }
  }
  // mod_auth_tkt splits on the first two "!", so a "!" in the data would be read as a token list.
  if (userData.includes('!') || CONTROL.test(userData)) {
    throw new TypeError('ticket user data must not contain "!" or a control character');
  }
  if (!Number.isSafeInteger(timestamp) || timestamp < 0 || timestamp > 0xffffffff) {
    throw new TypeError('ticket timestamp must be an integer from 0 to 2^32-1');
  }
  const joined = tokens.join(',');
  const hex = ticketDigest(digest, secret, ipBytes(ip), timestamp, user, joined, userData);
  const stamp = timestamp.toString(16).padStart(8, '0');
  return `${hex}${stamp}${quoteUser(user)}!${joined === '' ? '' : `${joined}!`}${userData}`;
}

/**
 * Checks a ticket's digest in constant time and reads it. The age is not checked here.
 *
 * @returns the ticket's contents, or `undefined` when it is malformed or its digest does not match
 * (a wrong secret, algorithm or address, or any change to the ticket).
 * @example
 * ```ts
 * import { createTicket, verifyTicket } from 'trowel/auth/tkt';
 * const secret = 'a long shared secret';
 * verifyTicket(createTicket({ secret, user: 'alice' }), { secret })?.user; // 'alice'
 * ```
 */
export function verifyTicket(
  ticket: string,
  options: { readonly secret: string; readonly ip?: string; readonly digest?: TicketDigest },
): TicketData | undefined {
  const digest = options.digest ?? 'sha256';
  const size = HEX_LENGTH[digest];
  const given = ticket.slice(0, size);
  const stamp = ticket.slice(size, size + 8);
  if (!/^[0-9a-f]+$/i.test(given) || given.length !== size || !/^[0-9a-f]{8}$/i.test(stamp)) {
    return undefined;
  }
  const rest = ticket.slice(size + 8);
  const bang = rest.indexOf('!');
  if (bang === -1) return undefined;
  const user = unquoteUser(rest.slice(0, bang));
  if (user === undefined || user === '') return undefined;
  // As Paste's parse_ticket and mod_auth_tkt: with a second "!", what precedes it is the tokens.
  const data = rest.slice(bang + 1);
  const second = data.indexOf('!');
  const tokens = second === -1 ? '' : data.slice(0, second);
  const userData = second === -1 ? data : data.slice(second + 1);
  let ip: Buffer;
  try {
    ip = ipBytes(options.ip ?? '0.0.0.0');
  } catch {
    return undefined;
  }
  const timestamp = Number.parseInt(stamp, 16);
  const expected = ticketDigest(digest, options.secret, ip, timestamp, user, tokens, userData);
  // Both sides are hex of one fixed length, so the comparison leaks nothing through its length.
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(given.toLowerCase()))) return undefined;
  return { user, tokens: tokens === '' ? [] : tokens.split(','), userData, timestamp };
}

function ticketDigest(
  algorithm: TicketDigest,
  secret: string,
  ip: Buffer,
  timestamp: number,
  user: string,
  tokens: string,
  userData: string,
): string {
  const stamp = Buffer.alloc(4);
  stamp.writeUInt32BE(timestamp);
  const inner = createHash(algorithm)
    .update(ip)
    .update(stamp)
    .update(`${secret}${user}\0${tokens}\0${userData}`, 'utf8')
    .digest('hex');
  return createHash(algorithm).update(`${inner}${secret}`, 'utf8').digest('hex');
}

/**
 * The 4 bytes of an IPv4 address; an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, as Node reports
 * IPv4 peers on a dual-stack socket) counts as its IPv4 address.
 *
 * @throws {TypeError} for anything else: the ticket format has room for 4 bytes only.
 * @example
 * ```ts
 * import { ipBytes } from './ticket.ts';
 * ipBytes('::ffff:192.0.2.1'); // <Buffer c0 00 02 01>
 * ```
 */
export function ipBytes(address: string): Buffer {
  const v4 = address.toLowerCase().startsWith('::ffff:') ? address.slice(7) : address;
  if (!isIPv4(v4)) {
    throw new TypeError(
      `mod_auth_tkt tickets bind IPv4 addresses only, got ${JSON.stringify(address)}`,
    );
  }
  return Buffer.from(v4.split('.').map(Number));
}

// Paste's AuthTicket writes the user id through Python's `quote()` (safe: letters, digits, `_.-~/`)
// and parse_ticket unquotes it, while the digest covers the raw id: done the same way here.
function quoteUser(user: string): string {
  return encodeURIComponent(user)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%2F/g, '/');
}

function unquoteUser(quoted: string): string | undefined {
  try {
    return decodeURIComponent(quoted);
  } catch {
    return undefined;
  }
}
