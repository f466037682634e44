/**
 * The replay cache behind signature checking: remembers each accepted nonce until its signature
 * could no longer pass the freshness window, so a captured request cannot be sent again.
 *
 * It is bounded. When it is full of nonces that are all still live, it refuses new ones and says
 * when the first will expire, instead of forgetting one early (which would reopen the replay
 * window) or growing without limit (which a flood of signed requests could exploit).
 */

/** The outcome of {@link NonceCache.add}. */
export type NonceResult = 'added' | 'replayed' | { readonly retryAfter: number };

/** A bounded set of nonces, each kept until its expiry. */
export class NonceCache {
  readonly #max: number;
  readonly #expiries = new Map<string, number>();
  /** While the cache is known to be full of live nonces: when the earliest expires (ms). */
  #fullUntil = 0;

  constructor(max: number) {
    this.#max = max;
  }

  /** The number of nonces held. */
  get size(): number {
    return this.#expiries.size;
  }

  /**
   * Records `nonce` as used until `expiresAt` (ms since the epoch). Answers `replayed` when it is
   * already held and live, or when to retry (seconds) when the cache is full of live nonces.
   */
  add(nonce: string, expiresAt: number, now: number): NonceResult {
    const seen = this.#expiries.get(nonce);
    if (seen !== undefined && seen >= now) return 'replayed';
    if (seen === undefined && this.#expiries.size >= this.#max) {
      if (now < this.#fullUntil) return { retryAfter: seconds(this.#fullUntil - now) };
      const earliest = this.#sweep(now);
      if (this.#expiries.size >= this.#max) {
        this.#fullUntil = earliest;
        return { retryAfter: seconds(earliest - now) };
      }
    }
    // Re-inserting moves the key to the end, keeping the map roughly in expiry order.
    this.#expiries.delete(nonce);
    this.#expiries.set(nonce, expiresAt);
    return 'added';
  }

  /** Drops every expired nonce; returns the earliest expiry among those left. */
  #sweep(now: number): number {
    let earliest = Number.POSITIVE_INFINITY;
    for (const [nonce, expiry] of this.#expiries) {
      if (expiry < now) this.#expiries.delete(nonce);
      else if (expiry < earliest) earliest = expiry;
    }
    return earliest;
  }
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}
