/**
 * The arithmetic of HTTP Digest (RFC 7616 §3.4.1–§3.4.3, and RFC 2617 for MD5): HA1 from a
 * password, the `-sess` session key, and the `response` and `rspauth` values. Pure functions,
 * checked against the RFCs' worked examples.
 */
import { createHash } from 'node:crypto';

/** A Digest algorithm without its `-sess` suffix (RFC 7616 §6.1). */
export type DigestHash = 'MD5' | 'SHA-256' | 'SHA-512-256';

/** A Digest algorithm as named in a challenge: a hash, or its session variant. */
export type DigestAlgorithm = DigestHash | `${DigestHash}-sess`;

/**
 * Every algorithm trowel accepts, strongest first.
 *
 * @example
 * ```ts
 * import { DIGEST_ALGORITHMS } from 'trowel/auth/digest';
 *
 * DIGEST_ALGORITHMS.includes('SHA-256-sess'); // true
 * ```
 */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = [
  'SHA-512-256',
  'SHA-256',
  'MD5',
  'SHA-512-256-sess',
  'SHA-256-sess',
  'MD5-sess',
];

const NODE_NAMES: Readonly<Record<DigestHash, string>> = {
  MD5: 'md5',
  'SHA-256': 'sha256',
  'SHA-512-256': 'sha512-256',
};

/** The algorithm named `name` (case-insensitively, as RFC 7616 §3.3 tokens are), if trowel has it. */
export function digestAlgorithm(name: string): DigestAlgorithm | undefined {
  const lower = name.toLowerCase();
  return DIGEST_ALGORITHMS.find((algorithm) => algorithm.toLowerCase() === lower);
}

/** The hash under `algorithm`, without `-sess`. */
export function baseHash(algorithm: DigestAlgorithm): DigestHash {
  return (algorithm.endsWith('-sess') ? algorithm.slice(0, -5) : algorithm) as DigestHash;
}

/** `H(data)`: lowercase hex of the hash of the UTF-8 bytes (or the bytes given). */
export function digestHex(hash: DigestHash, data: string | Uint8Array): string {
  const h = createHash(NODE_NAMES[hash]);
  if (typeof data === 'string') h.update(data, 'utf8');
  else h.update(data);
  return h.digest('hex');
}

/**
 * `H(user:realm:password)`, the HA1 an htdigest file stores (for MD5) and a `ha1For` callback
 * returns.
 *
 * @example
 * ```ts
 * import { digestHa1 } from 'trowel/auth/digest';
 *
 * digestHa1('MD5', 'alice', 'realm1', 'wonderland'); // '731fccb3e59f5dc2a8e87e7356e6068b'
 * ```
 */
export function digestHa1(hash: DigestHash, user: string, realm: string, password: string): string {
  return digestHex(hash, `${user}:${realm}:${password}`);
}

/** What a `response` (or `rspauth`) is computed from. */
export interface ResponseInput {
  readonly algorithm: DigestAlgorithm;
  /** `H(user:realm:password)` under the algorithm's hash. */
  readonly ha1: string;
  readonly nonce: string;
  readonly nc: string;
  readonly cnonce: string;
  readonly qop: 'auth' | 'auth-int';
  /** The request method; `''` for `rspauth` (RFC 7616 §3.5). */
  readonly method: string;
  readonly uri: string;
  /** `H(entity-body)`, for `auth-int` only. */
  readonly bodyHash?: string;
}

/**
 * The expected `response` value (RFC 7616 §3.4.1): `KD(HA1', nonce:nc:cnonce:qop:HA2)`, where
 * HA1' is HA1 or, for `-sess`, `H(HA1:nonce:cnonce)`.
 *
 * @example
 * ```ts
 * import { digestHa1, digestResponse } from 'trowel/auth/digest';
 *
 * digestResponse({
 *   algorithm: 'MD5',
 *   ha1: digestHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life'),
 *   nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
 *   nc: '00000001',
 *   cnonce: '0a4f113b',
 *   qop: 'auth',
 *   method: 'GET',
 *   uri: '/dir/index.html',
 * }); // '6629fae49393a05397450978507c4ef1'
 * ```
 */
export function digestResponse(input: ResponseInput): string {
  const hash = baseHash(input.algorithm);
  const ha1 = input.algorithm.endsWith('-sess')
    ? digestHex(hash, `${input.ha1}:${input.nonce}:${input.cnonce}`)
    : input.ha1;
  const a2 =
    input.qop === 'auth-int'
      ? `${input.method}:${input.uri}:${input.bodyHash ?? digestHex(hash, '')}`
      : `${input.method}:${input.uri}`;
  const ha2 = digestHex(hash, a2);
  return digestHex(hash, `${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

/**
 * `H(user:realm)`, the user name a client sends with `userhash=true` (RFC 7616 §3.4.4).
 *
 * @example
 * ```ts
 * import { digestUserhash } from 'trowel/auth/digest';
 *
 * digestUserhash('SHA-512-256', 'Jäsøn Doe', 'api@example.org'); // '793263ca…' (RFC 7616 §3.9.2)
 * ```
 */
export function digestUserhash(hash: DigestHash, user: string, realm: string): string {
  return digestHex(hash, `${user}:${realm}`);
}
