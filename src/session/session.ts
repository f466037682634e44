/**
 * The per-request session object that `session()` puts in the context under {@link SESSION}. It
 * reads the store only when first used, keeps values as JSON, and records what the request
 * changed so the middleware can save only that (see the middleware for when and how).
 */
import { createKey, type Key } from '../core/context.ts';
import { newSessionId } from './id.ts';
import type { JsonValue, StoredSession } from './store.ts';

/** What the middleware tells a session about where it comes from; not part of the public API. */
export interface SessionSource {
  /** A well-formed id from the cookie, or undefined. */
  readonly cookieId: string | undefined;
  /** Reads the store for `id`, applying the idle and absolute timeouts. */
  readonly load: (id: string) => Promise<StoredSession | undefined>;
}

/** The mutable state a session shares with the middleware that made it. */
export interface SessionState {
  loaded: boolean;
  id: string;
  /** True when the current id is not (yet) in the store. */
  isNew: boolean;
  createdAt: number;
  expiresAt: number;
  readonly data: Map<string, string>;
  /** Keys this request set (JSON text) or deleted (undefined), for the merge on save. */
  readonly changes: Map<string, string | undefined>;
  /** Replace the stored values rather than merge into them. */
  whole: boolean;
  /** `regenerate()` was called: save under the new id even when empty. */
  regenerated: boolean;
  /** Stored ids this request made obsolete (regenerated, destroyed, expired). */
  readonly obsolete: string[];
}

/**
 * The application's handle on the client's session. Every data method is async because the first
 * one reads the store; later ones work on the loaded copy. Values are JSON: they are copied in
 * and out, so change a stored object by `set()`ting it again.
 */
export class Session {
  readonly #state: SessionState;
  readonly #source: SessionSource;
  #loading: Promise<void> | undefined;

  /** Made by `session()`; applications get theirs from `ctx.require(SESSION)`. */
  constructor(state: SessionState, source: SessionSource) {
    this.#state = state;
    this.#source = source;
  }

  /** The session id; `undefined` until the session was loaded (by `load()` or any data method). */
  get id(): string | undefined {
    return this.#state.loaded ? this.#state.id : undefined;
  }

  /** True when the client brought no live session and this one is not saved yet. */
  get isNew(): boolean {
    return this.#state.isNew;
  }

  /** Reads the store (once per request). The data methods call it for you. */
  load(): Promise<void> {
    this.#loading ??= this.#doLoad();
    return this.#loading;
  }

  async #doLoad(): Promise<void> {
    const state = this.#state;
    const { cookieId } = this.#source;
    const stored = cookieId === undefined ? undefined : await this.#source.load(cookieId);
    if (cookieId !== undefined && stored !== undefined) {
      state.id = cookieId;
      state.isNew = false;
      state.createdAt = stored.createdAt;
      state.expiresAt = stored.expiresAt;
      for (const [key, value] of Object.entries(stored.data)) {
        state.data.set(key, JSON.stringify(value));
      }
    } else {
      // An id the store does not know is never adopted (session fixation, CWE-384).
      this.#fresh();
    }
    state.loaded = true;
  }

  #fresh(): void {
    const state = this.#state;
    state.id = newSessionId();
    state.isNew = true;
    state.createdAt = Date.now();
    state.expiresAt = 0;
    state.data.clear();
    state.changes.clear();
    state.whole = true;
    state.regenerated = false;
  }

  /** The value under `key`, or `undefined`. */
  async get<T extends JsonValue = JsonValue>(key: string): Promise<T | undefined> {
    await this.load();
    const text = this.#state.data.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  /**
   * Stores `value` under `key`. Setting the value already there is not a change.
   *
   * @throws {TypeError} when `value` has no JSON form (undefined, a function, a BigInt, a cycle).
   */
  async set(key: string, value: JsonValue): Promise<void> {
    const text = JSON.stringify(value) as string | undefined;
    if (typeof text !== 'string') {
      throw new TypeError(`session value for ${JSON.stringify(key)} has no JSON form`);
    }
    await this.load();
    if (this.#state.data.get(key) === text) return;
    this.#state.data.set(key, text);
    this.#state.changes.set(key, text);
  }

  /** Removes `key`; resolves to whether it was there. */
  async delete(key: string): Promise<boolean> {
    await this.load();
    if (!this.#state.data.delete(key)) return false;
    this.#state.changes.set(key, undefined);
    return true;
  }

  /** True when `key` holds a value. */
  async has(key: string): Promise<boolean> {
    await this.load();
    return this.#state.data.has(key);
  }

  /** The keys that hold values. */
  async keys(): Promise<string[]> {
    await this.load();
    return [...this.#state.data.keys()];
  }

  /** Removes every value; the session and its id stay. */
  async clear(): Promise<void> {
    await this.load();
    if (this.#state.data.size === 0 && !this.#state.whole) return;
    this.#state.data.clear();
    this.#state.changes.clear();
    this.#state.whole = true;
  }

  /**
   * Moves the values to a new id and forgets the old one; the timeouts start again. Call it when
   * the user logs in or gains privileges, so an id planted or seen before cannot follow them
   * (OWASP Session Management; CWE-384).
   */
  async regenerate(): Promise<void> {
    await this.load();
    const state = this.#state;
    if (!state.isNew) state.obsolete.push(state.id);
    state.id = newSessionId();
    state.isNew = true;
    state.createdAt = Date.now();
    state.whole = true;
    // Saved even when it holds no values: the application asked for a new id.
    state.regenerated = true;
  }

  /**
   * Forgets the session in the store and removes the cookie. Setting a value afterwards starts a
   * new session with a new id.
   */
  async destroy(): Promise<void> {
    await this.load();
    const state = this.#state;
    if (!state.isNew) state.obsolete.push(state.id);
    this.#fresh();
  }
}

/**
 * The context key under which `session()` puts the request's {@link Session}.
 *
 * @example
 * ```ts
 * import { SESSION } from 'trowel/session';
 * import type { Handler } from 'trowel';
 * const app: Handler = async (_request, ctx) => {
 *   const visits = ((await ctx.require(SESSION).get<number>('visits')) ?? 0) + 1;
 *   await ctx.require(SESSION).set('visits', visits);
 *   return new Response(`visit ${visits}\n`);
 * };
 * ```
 */
export const SESSION: Key<Session> = createKey<Session>('trowel.session');
