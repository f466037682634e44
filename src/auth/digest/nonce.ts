/**
 * Server-issued Digest nonces that need no server-side table to check (RFC 7616 §3.3, §5.4):
 * each nonce is `issue time | 12 random bytes | HMAC-SHA-256(secret, realm, opaque, time,
 * random)`, base64url-encoded, so a nonce the server did not make — invented by a client, or made
 * with another secret or for another realm — fails the MAC, and its age is read from the nonce
 * itself. {@link NonceCounts} remembers the last `nc` of the nonces in use, to refuse replays.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const TIME_BYTES = 8;
const RANDOM_BYTES = 12;
const MAC_BYTES = 16;
const NONCE_BYTES = TIME_BYTES + RANDOM_BYTES + MAC_BYTES;
// A nonce dated ahead of this server's clock by more than this is not one of ours (or the clocks
// of the servers sharing the secret disagree too much).
const FUTURE_SKEW_MS = 60_000;

/** What {@link Nonces.check} found. */
export type NonceCheck =
  | { readonly kind: 'invalid' }
  | { readonly kind: 'valid'; readonly issued: number; readonly expired: boolean };

/** Issues and checks the nonces of one realm. */
export interface Nonces {
  /** The `opaque` value of every challenge: derived from the secret and realm, so it is fixed. */
  readonly opaque: string;
  /** A new nonce dated `now` (ms since the epoch). */
  issue(now: number): string;
  /** Whether `nonce` was issued with this secret and realm, and whether it is older than the lifetime. */
  check(nonce: string, now: number): NonceCheck;
}

/** Makes the nonce issuer for `realm`, with nonces valid for `lifetimeMs`. */
export function createNonces(secret: Uint8Array, realm: string, lifetimeMs: number): Nonces {
  const mac = (label: string, data: Uint8Array): Buffer =>
    createHmac('sha256', secret)
      .update(`trowel.digest.${label}\0${realm}\0`, 'utf8')
      .update(data)
      .digest()
      .subarray(0, MAC_BYTES);
  const opaque = mac('opaque', new Uint8Array(0)).toString('base64url');
  const sign = (body: Uint8Array): Buffer => mac(`nonce\0${opaque}`, body);
  return {
    opaque,
    issue(now) {
      const body = Buffer.alloc(TIME_BYTES + RANDOM_BYTES);
      body.writeBigUInt64BE(BigInt(now), 0);
      randomBytes(RANDOM_BYTES).copy(body, TIME_BYTES);
      return Buffer.concat([body, sign(body)]).toString('base64url');
    },
    check(nonce, now) {
      if (!/^[A-Za-z0-9_-]+$/.test(nonce)) return { kind: 'invalid' };
      const bytes = Buffer.from(nonce, 'base64url');
      if (bytes.length !== NONCE_BYTES || bytes.toString('base64url') !== nonce) {
        return { kind: 'invalid' };
      }
      const body = bytes.subarray(0, TIME_BYTES + RANDOM_BYTES);
      if (!timingSafeEqual(sign(body), bytes.subarray(TIME_BYTES + RANDOM_BYTES))) {
        return { kind: 'invalid' };
      }
      const issued = Number(body.readBigUInt64BE(0));
      if (issued > now + FUTURE_SKEW_MS) return { kind: 'invalid' };
      return { kind: 'valid', issued, expired: now - issued > lifetimeMs };
    },
  };
}

/**
 * The last `nc` seen for each nonce in use, so that a request whose `nc` is not greater is
 * refused as a replay (RFC 7616 §3.4, §5.4). Only nonces that authenticated a request are kept,
 * never those of anonymous requests, and at most `max` of them: expired ones are dropped first,
 * then the oldest. A nonce that was dropped before its lifetime ended cannot be told from a
 * replay, so every untracked nonce issued no later than the newest dropped one is refused too
 * (with `stale=true`, so the client just takes a fresh nonce).
 */
export class NonceCounts {
  readonly #max: number;
  readonly #lifetimeMs: number;
  readonly #seen = new Map<string, { nc: number; issued: number }>();
  #floor = Number.NEGATIVE_INFINITY;

  /** Tracks at most `max` nonces that live `lifetimeMs`. */
  constructor(max: number, lifetimeMs: number) {
    this.#max = max;
    this.#lifetimeMs = lifetimeMs;
  }

  /** How many nonces are tracked. */
  get size(): number {
    return this.#seen.size;
  }

  /** Records `nc` for `nonce` and returns true, or returns false when it is not greater than the last. */
  accept(nonce: string, issued: number, nc: number, now: number): boolean {
    const entry = this.#seen.get(nonce);
    if (entry !== undefined) {
      if (nc <= entry.nc) return false;
      entry.nc = nc;
      return true;
    }
    if (issued <= this.#floor) return false;
    this.#seen.set(nonce, { nc, issued });
    if (this.#seen.size > this.#max) this.#shrink(now);
    return true;
  }

  #shrink(now: number): void {
    for (const [nonce, entry] of this.#seen) {
      if (now - entry.issued > this.#lifetimeMs) this.#seen.delete(nonce);
    }
    for (const [nonce, entry] of this.#seen) {
      if (this.#seen.size <= this.#max) break;
      this.#seen.delete(nonce);
      this.#floor = Math.max(this.#floor, entry.issued);
    }
  }
}
