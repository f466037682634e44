/**
 * Sessions in this process's memory: fast, bounded, and gone on restart. Use it for development,
 * tests and single-process servers; behind a load balancer or with worker processes, use
 * {@link RedisStore} so every process sees the same sessions.
 */
import { ConfigError } from '../core/config-error.ts';
import type { JsonValue, SessionRecord, SessionStore, StoredSession } from './store.ts';

/** Options for {@link MemoryStore}. */
export interface MemoryStoreOptions {
  /**
   * The most sessions kept. When full, the session used longest ago is dropped, so a flood of new
   * sessions costs memory up to this bound and no further.
   * @default 10000
   */
  readonly maxSessions?: number;
}

/**
 * A bounded in-memory {@link SessionStore} with per-session expiry. Records are copied in and out,
 * so nothing the application keeps a reference to can change a stored session.
 *
 * @example
 * ```ts
 * import { MemoryStore } from 'trowel/session';
 * const store = new MemoryStore({ maxSessions: 50_000 });
 * ```
 */
export class MemoryStore implements SessionStore {
  readonly #max: number;
  // Map order is least recently used first: set and touch move an entry to the end.
  readonly #entries = new Map<string, { json: string; createdAt: number; expiresAt: number }>();

  /** @throws {ConfigError} `TROWEL_ERR_SESSION_OPTIONS` for a bad `maxSessions`. */
  constructor(options: MemoryStoreOptions = {}) {
    const max = options.maxSessions ?? 10_000;
    if (!Number.isSafeInteger(max) || max < 1) {
      throw new ConfigError(
        'TROWEL_ERR_SESSION_OPTIONS',
        `MemoryStore: maxSessions must be a positive integer, got ${String(max)}`,
      );
    }
    this.#max = max;
  }

  /** The number of sessions held, expired ones not yet swept included. */
  get size(): number {
    return this.#entries.size;
  }

  get(id: string): Promise<StoredSession | undefined> {
    const entry = this.#entries.get(id);
    if (entry === undefined) return Promise.resolve(undefined);
    if (entry.expiresAt <= Date.now()) {
      this.#entries.delete(id);
      return Promise.resolve(undefined);
    }
    const data = JSON.parse(entry.json) as StoredSession['data'];
    return Promise.resolve({ data, createdAt: entry.createdAt, expiresAt: entry.expiresAt });
  }

  set(id: string, record: SessionRecord, ttl: number): Promise<void> {
    this.#entries.delete(id);
    this.#entries.set(id, {
      json: JSON.stringify(record.data),
      createdAt: record.createdAt,
      expiresAt: Date.now() + ttl,
    });
    this.#evict();
    return Promise.resolve();
  }

  merge(
    id: string,
    changes: ReadonlyMap<string, JsonValue | undefined>,
    ttl: number,
  ): Promise<boolean> {
    const entry = this.#entries.get(id);
    if (entry === undefined || entry.expiresAt <= Date.now()) return Promise.resolve(false);
    const data = new Map(Object.entries(JSON.parse(entry.json) as Record<string, JsonValue>));
    for (const [key, value] of changes) {
      if (value === undefined) data.delete(key);
      else data.set(key, value);
    }
    this.#entries.delete(id);
    this.#entries.set(id, {
      json: JSON.stringify(Object.fromEntries(data)),
      createdAt: entry.createdAt,
      expiresAt: Date.now() + ttl,
    });
    return Promise.resolve(true);
  }

  touch(id: string, ttl: number): Promise<void> {
    const entry = this.#entries.get(id);
    if (entry !== undefined && entry.expiresAt > Date.now()) {
      this.#entries.delete(id);
      this.#entries.set(id, { ...entry, expiresAt: Date.now() + ttl });
    }
    return Promise.resolve();
  }

  destroy(id: string): Promise<void> {
    this.#entries.delete(id);
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#entries.clear();
    return Promise.resolve();
  }

  #evict(): void {
    if (this.#entries.size <= this.#max) return;
    const now = Date.now();
    for (const [id, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(id);
    }
    for (const id of this.#entries.keys()) {
      if (this.#entries.size <= this.#max) break;
      this.#entries.delete(id);
    }
  }
}
