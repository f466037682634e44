/**
 * `session()`: a server-side session per client, found by a random id in a cookie.
 *
 * **When not to use it.** To carry a few signed values without server state, `signedCookie()`
 * (trowel/auth) is lighter; for an API authenticated per request by a token, no session is needed.
 *
 * **Concurrent requests to one session.** Each request works on its own copy, loaded when it first
 * touches the session. On save, the keys that request set or deleted are applied on top of the
 * record as it is in the store *then* (read again), so two requests that change different keys
 * both keep their change, and when two change the same key the one that saves last wins. A store
 * with `merge()` (RedisStore) applies the changes atomically, across processes too; otherwise the
 * saves of one session are serialized within a process, but across processes (a shared directory)
 * the re-read and the write are two steps, so two saves of the same session within that gap can
 * still lose the first one's keys. `clear()` and `regenerate()` write the whole session instead of
 * merging. A save never brings back a session that another request destroyed or regenerated in
 * the meantime: its changes are dropped.
 */
import type { Handler, Middleware } from '../core/handler.ts';
import { deleteCookie, getCookies, serializeCookie } from '../core/cookies.ts';
import { isSessionId } from './id.ts';
import {
  cookieAttributes,
  resolveOptions,
  type ResolvedSessionOptions,
  type SessionOptions,
} from './options.ts';
import { SESSION, Session, type SessionState } from './session.ts';
import type { JsonValue, StoredSession } from './store.ts';

/**
 * Puts a {@link Session} in the context under {@link SESSION}. The store is read only when the
 * application first uses the session, and written only when the session changed, was regenerated
 * or destroyed, or (at most once per `touchInterval`) to push back its idle expiry. Changes made
 * after the handler has returned its `Response` (while the body streams) are not saved.
 *
 * @throws {ConfigError} `TROWEL_ERR_SESSION_OPTIONS` for a bad option, when built.
 * @example
 * ```ts
 * import { compose } from 'trowel';
 * import { session, SESSION, MemoryStore } from 'trowel/session';
 *
 * const app = compose(session({ store: new MemoryStore(), hostPrefix: true }))(async (_req, ctx) => {
 *   const s = ctx.require(SESSION);
 *   const n = ((await s.get<number>('n')) ?? 0) + 1;
 *   await s.set('n', n);
 *   return new Response(`request ${n}\n`);
 * });
 * ```
 */
export function session(options: SessionOptions = {}): Middleware {
  const opts = resolveOptions(options);
  const locks = new Map<string, Promise<unknown>>();

  const load = async (id: string): Promise<StoredSession | undefined> => {
    const stored = await opts.store.get(id);
    if (stored === undefined) return undefined;
    const now = Date.now();
    if (stored.expiresAt <= now || stored.createdAt + opts.absoluteTimeout <= now) {
      await opts.store.destroy(id);
      return undefined;
    }
    return stored;
  };

  return (next: Handler): Handler =>
    async (request, ctx) => {
      const raw = getCookies(request).get(opts.cookieName);
      // Checked before any store access: a cookie value never becomes a path or key pattern.
      const cookieId = isSessionId(raw) ? raw : undefined;
      const state: SessionState = {
        loaded: false,
        id: '',
        isNew: true,
        createdAt: 0,
        expiresAt: 0,
        data: new Map(),
        changes: new Map(),
        whole: false,
        regenerated: false,
        obsolete: [],
      };
      const handle = new Session(state, { cookieId, load });
      const response = await next(request, ctx.derive({}).set(SESSION, handle));
      // Lazy: a request that never used the session costs no store access and no cookie.
      if (!state.loaded) return response;
      const cookie = await commit(opts, state, raw !== undefined, locks);
      if (cookie === undefined) return response;
      const maxAge = cookie.maxAge;
      const value =
        cookie.value === undefined
          ? deleteCookie(opts.cookieName, cookieAttributes(opts, ctx.scheme === 'https', undefined))
          : serializeCookie(
              opts.cookieName,
              cookie.value,
              cookieAttributes(opts, ctx.scheme === 'https', maxAge),
            );
      return withCookie(response, value);
    };
}

interface CookieOut {
  /** The id to send, or undefined to delete the cookie. */
  readonly value: string | undefined;
  readonly maxAge?: number;
}

async function commit(
  opts: ResolvedSessionOptions,
  state: SessionState,
  hadCookie: boolean,
  locks: Map<string, Promise<unknown>>,
): Promise<CookieOut | undefined> {
  const { store } = opts;
  const now = Date.now();
  const absoluteLeft = state.createdAt + opts.absoluteTimeout - now;
  const ttl = Math.max(1, Math.min(opts.idleTimeout, absoluteLeft));
  const maxAge = Math.max(0, Math.ceil((opts.rolling ? ttl : absoluteLeft) / 1000));
  const record = (data: Record<string, JsonValue>): { data: typeof data; createdAt: number } => ({
    data,
    createdAt: state.createdAt,
  });

  if (state.isNew) {
    const keep = state.data.size > 0 || state.regenerated;
    // The new id is stored before the old one goes, so a failed write does not log the user out.
    if (keep) await store.set(state.id, record(fromMap(state.data)), ttl);
    // Under the same per-id lock as saves: a concurrent request's get-then-set on the old id (in a
    // store without an atomic merge) finishes first, or sees it gone, so it cannot bring it back.
    for (const id of state.obsolete) {
      await serialized(locks, id, async () => {
        await store.destroy(id);
        return true;
      });
    }
    if (keep) return { value: state.id, maxAge };
    // Nothing worth keeping: no store entry per anonymous visitor, and a stale cookie goes.
    return hadCookie ? { value: undefined } : undefined;
  }

  if (state.whole || state.changes.size > 0) {
    const saved = await serialized(locks, state.id, async () => {
      if (store.merge !== undefined && !state.whole) {
        const changes = new Map<string, JsonValue | undefined>();
        for (const [key, text] of state.changes) {
          changes.set(key, text === undefined ? undefined : (JSON.parse(text) as JsonValue));
        }
        return store.merge(state.id, changes, ttl);
      }
      const fresh = await store.get(state.id);
      // Destroyed or regenerated by a concurrent request: do not bring it back.
      if (fresh === undefined) return false;
      let merged = state.data;
      if (!state.whole) {
        merged = new Map(Object.entries(fresh.data).map(([k, v]) => [k, JSON.stringify(v)]));
        for (const [key, text] of state.changes) {
          if (text === undefined) merged.delete(key);
          else merged.set(key, text);
        }
      }
      await store.set(state.id, record(fromMap(merged)), ttl);
      return true;
    });
    if (!saved) return undefined;
    return opts.rolling ? { value: state.id, maxAge } : undefined;
  }

  // Unchanged: push back the idle expiry, but at most once per touchInterval.
  if (now + ttl - state.expiresAt >= opts.touchInterval) {
    await store.touch(state.id, ttl);
    return opts.rolling ? { value: state.id, maxAge } : undefined;
  }
  return undefined;
}

function fromMap(data: ReadonlyMap<string, string>): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [key, text] of data) {
    Object.defineProperty(out, key, {
      value: JSON.parse(text) as JsonValue,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

async function serialized<T>(
  locks: Map<string, Promise<unknown>>,
  id: string,
  task: () => Promise<T>,
): Promise<T> {
  const before = locks.get(id) ?? Promise.resolve();
  const run = before.then(task, task);
  const tail = run.catch(() => undefined);
  locks.set(id, tail);
  try {
    return await run;
  } finally {
    if (locks.get(id) === tail) locks.delete(id);
  }
}

function withCookie(response: Response, cookie: string): Response {
  let out = response;
  try {
    out.headers.append('set-cookie', cookie);
  } catch {
    // Immutable headers (a Response from fetch()): copy it.
    out = new Response(response.body, response);
    out.headers.append('set-cookie', cookie);
  }
  // A shared cache must not hand one client's session id to another (RFC 9111 §7.3 notes that
  // Set-Cookie does not stop caching).
  if (!out.headers.has('cache-control')) out.headers.set('cache-control', 'private');
  return out;
}
