/**
 * The contract between `session()` and the place sessions live. A store keeps, per id, the
 * session's data and creation time, and forgets it when its time to live runs out. It never sees
 * an id that {@link isSessionId} rejects: the middleware checks before calling.
 *
 * Write a store of your own for another backend (a SQL table, a KV service); the three bundled
 * stores are {@link MemoryStore}, {@link FileStore} and {@link RedisStore}.
 */

/** A value a session can hold: whatever survives `JSON.stringify` and `JSON.parse` unchanged. */
export type JsonValue =
  string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** What the middleware hands a store to keep. */
export interface SessionRecord {
  /** The session's values, by key. */
  readonly data: Readonly<Record<string, JsonValue>>;
  /** When the session was first created (epoch ms); the absolute timeout counts from here. */
  readonly createdAt: number;
}

/** What a store gives back: the record plus the time the store will forget it. */
export interface StoredSession extends SessionRecord {
  /** When the record expires (epoch ms), as the store last set it. */
  readonly expiresAt: number;
}

/**
 * Where sessions live. All methods take a validated id; `ttl` is in milliseconds and always
 * positive.
 *
 * @example
 * ```ts
 * import type { SessionStore, StoredSession, SessionRecord } from 'trowel/session';
 *
 * class MapStore implements SessionStore {
 *   readonly #map = new Map<string, StoredSession>();
 *   get(id: string): Promise<StoredSession | undefined> {
 *     const hit = this.#map.get(id);
 *     return Promise.resolve(hit && hit.expiresAt > Date.now() ? hit : undefined);
 *   }
 *   set(id: string, record: SessionRecord, ttl: number): Promise<void> {
 *     this.#map.set(id, { ...record, expiresAt: Date.now() + ttl });
 *     return Promise.resolve();
 *   }
 *   touch(id: string, ttl: number): Promise<void> {
 *     const hit = this.#map.get(id);
 *     if (hit) this.#map.set(id, { ...hit, expiresAt: Date.now() + ttl });
 *     return Promise.resolve();
 *   }
 *   destroy(id: string): Promise<void> {
 *     this.#map.delete(id);
 *     return Promise.resolve();
 *   }
 * }
 * ```
 */
export interface SessionStore {
  /** The live record for `id`, or `undefined` when there is none or it has expired. */
  get(id: string): Promise<StoredSession | undefined>;
  /** Stores `record` under `id`, replacing any earlier one, to expire `ttl` ms from now. */
  set(id: string, record: SessionRecord, ttl: number): Promise<void>;
  /** Pushes the expiry of an existing record to `ttl` ms from now; does nothing for a missing one. */
  touch(id: string, ttl: number): Promise<void>;
  /** Forgets `id`; does nothing for a missing one. */
  destroy(id: string): Promise<void>;
  /**
   * Optional: applies `changes` (a value per key set, `undefined` per key deleted) to the stored
   * record atomically and sets its expiry to `ttl` ms from now; resolves to false, writing
   * nothing, when there is no record. Without it, the middleware reads the record, merges and
   * calls `set()`, serialized only within one process.
   */
  merge?(
    id: string,
    changes: ReadonlyMap<string, JsonValue | undefined>,
    ttl: number,
  ): Promise<boolean>;
  /** Releases connections, timers or handles the store holds. */
  close?(): Promise<void>;
}
