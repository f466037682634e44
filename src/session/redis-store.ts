/**
 * Sessions in Redis, so that every trowel process behind a load balancer — on one machine or many —
 * sees the same sessions. Each session is one hash at `prefix + id`: field `c` holds the creation
 * time and field `d:<key>` the JSON of each value. Writes are Lua scripts, so each is atomic: a
 * whole write replaces the hash, and `merge()` changes only the fields a request changed — two
 * processes saving different keys of one session at the same moment both keep their change. Every
 * write sets a `PEXPIRE`, so Redis itself forgets idle sessions; no sweeper is needed.
 *
 * ioredis is an optional peer dependency: the store checks that it can be found when built and
 * imports it on first use. Not for a Redis that untrusted parties can write to: whoever can write
 * the keys can forge sessions.
 */
import { ConfigError } from '../core/config-error.ts';
import type { JsonValue, SessionRecord, SessionStore, StoredSession } from './store.ts';

/** The part of an ioredis client the store uses; an ioredis `Redis` (or `Cluster`) fits. */
export interface RedisClientLike {
  hgetall(key: string): Promise<Record<string, string>>;
  pttl(key: string): Promise<number>;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  pexpire(key: string, milliseconds: number): Promise<number>;
  del(key: string): Promise<number>;
  quit(): Promise<unknown>;
}

/** Options for {@link RedisStore}: a `url` to connect to, or a ready `client`. */
export interface RedisStoreOptions {
  /** A `redis://` or `rediss://` URL; the store connects with ioredis and closes on `close()`. */
  readonly url?: string;
  /** A connected client to use instead of `url`; the caller keeps it and closes it. */
  readonly client?: RedisClientLike;
  /** Prepended to every session id to make its key. @default 'trowel:session:' */
  readonly prefix?: string;
  /**
   * Told about connection errors of a connection the store made from `url` (ioredis reconnects by
   * itself; commands that fail meanwhile fail their request).
   * @default ignore them
   */
  readonly onError?: (error: Error) => void;
}

// KEYS[1] the session; ARGV[1] the TTL in ms, ARGV[2] the creation time, then field, value pairs.
const REPLACE = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'c', ARGV[2])
for i = 3, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

// KEYS[1] the session; ARGV[1] the TTL in ms, ARGV[2] how many fields to delete, those fields,
// then field, value pairs to set. Nothing is written for a session that is gone.
const MERGE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local deletes = tonumber(ARGV[2])
for i = 3, 2 + deletes do redis.call('HDEL', KEYS[1], ARGV[i]) end
for i = 3 + deletes, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`;

/**
 * A {@link SessionStore} in Redis, shared by every process that uses the same server and prefix.
 *
 * @example
 * ```ts
 * import { RedisStore } from 'trowel/session';
 * const store = new RedisStore({ url: 'redis://127.0.0.1:6379/0', prefix: 'myapp:session:' });
 * ```
 */
export class RedisStore implements SessionStore {
  readonly #prefix: string;
  readonly #owned: boolean;
  #client: Promise<RedisClientLike> | undefined;
  readonly #url: string;
  readonly #onError: (error: Error) => void;

  /**
   * @throws {ConfigError} `TROWEL_ERR_SESSION_OPTIONS` when neither or both of `url` and `client`
   * are given or the URL is not redis: or rediss:; `TROWEL_ERR_SESSION_REDIS_MISSING` when a `url`
   * is given and ioredis cannot be found.
   */
  constructor(options: RedisStoreOptions) {
    const { url, client } = options;
    if ((url === undefined) === (client === undefined)) {
      throw new ConfigError(
        'TROWEL_ERR_SESSION_OPTIONS',
        'RedisStore: give exactly one of url and client',
      );
    }
    const prefix = options.prefix ?? 'trowel:session:';
    if (typeof prefix !== 'string') {
      throw new ConfigError('TROWEL_ERR_SESSION_OPTIONS', 'RedisStore: prefix must be a string');
    }
    this.#prefix = prefix;
    this.#owned = client === undefined;
    this.#url = url ?? '';
    this.#onError = options.onError ?? (() => undefined);
    if (client !== undefined) {
      this.#client = Promise.resolve(client);
      return;
    }
    let protocol: string;
    try {
      protocol = new URL(this.#url).protocol;
    } catch {
      protocol = '';
    }
    if (protocol !== 'redis:' && protocol !== 'rediss:') {
      throw new ConfigError(
        'TROWEL_ERR_SESSION_OPTIONS',
        'RedisStore: url must be a redis:// or rediss:// URL',
      );
    }
    try {
      import.meta.resolve('ioredis');
    } catch (error) {
      throw new ConfigError(
        'TROWEL_ERR_SESSION_REDIS_MISSING',
        'RedisStore needs the ioredis package: npm install ioredis',
        { cause: error },
      );
    }
  }

  #connect(): Promise<RedisClientLike> {
    this.#client ??= import('ioredis').then(({ Redis }) => {
      // A failed command fails the request rather than waiting for Redis to come back.
      const client = new Redis(this.#url, { maxRetriesPerRequest: 2 });
      client.on('error', this.#onError);
      return client;
    });
    return this.#client;
  }

  async get(id: string): Promise<StoredSession | undefined> {
    const client = await this.#connect();
    const key = this.#prefix + id;
    let hash: Record<string, string>;
    let ttl: number;
    try {
      [hash, ttl] = await Promise.all([client.hgetall(key), client.pttl(key)]);
    } catch (error) {
      // Something other than a session hash under the key (another program's data): not ours.
      if (error instanceof Error && error.message.startsWith('WRONGTYPE')) return undefined;
      throw error;
    }
    // PTTL is -2 for a missing key and -1 for one without expiry, which no store write makes.
    const createdAt = Number(hash['c']);
    if (ttl < 0 || !Number.isFinite(createdAt)) return undefined;
    const data: Record<string, JsonValue> = {};
    try {
      for (const [field, text] of Object.entries(hash)) {
        if (!field.startsWith('d:')) continue;
        Object.defineProperty(data, field.slice(2), {
          value: JSON.parse(text) as JsonValue,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    } catch {
      return undefined;
    }
    return { createdAt, data, expiresAt: Date.now() + ttl };
  }

  async set(id: string, record: SessionRecord, ttl: number): Promise<void> {
    const client = await this.#connect();
    const fields: string[] = [];
    for (const [key, value] of Object.entries(record.data)) {
      fields.push(`d:${key}`, JSON.stringify(value));
    }
    await client.eval(REPLACE, 1, this.#prefix + id, ms(ttl), String(record.createdAt), ...fields);
  }

  async merge(
    id: string,
    changes: ReadonlyMap<string, JsonValue | undefined>,
    ttl: number,
  ): Promise<boolean> {
    const client = await this.#connect();
    const deletes: string[] = [];
    const sets: string[] = [];
    for (const [key, value] of changes) {
      if (value === undefined) deletes.push(`d:${key}`);
      else sets.push(`d:${key}`, JSON.stringify(value));
    }
    const args = [ms(ttl), deletes.length, ...deletes, ...sets];
    return (await client.eval(MERGE, 1, this.#prefix + id, ...args)) === 1;
  }

  async touch(id: string, ttl: number): Promise<void> {
    const client = await this.#connect();
    await client.pexpire(this.#prefix + id, ms(ttl));
  }

  async destroy(id: string): Promise<void> {
    const client = await this.#connect();
    await client.del(this.#prefix + id);
  }

  /** Disconnects when the store made the connection itself; a given `client` is left open. */
  async close(): Promise<void> {
    if (!this.#owned || this.#client === undefined) return;
    const client = await this.#client;
    this.#client = undefined;
    await client.quit();
  }
}

function ms(ttl: number): number {
  return Math.max(1, Math.ceil(ttl));
}
