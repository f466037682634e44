/**
 * Server-side sessions: a cryptographically random id in a cookie (HttpOnly, SameSite=Lax, Secure
 * on https, optionally `__Host-`), the data in a store — memory, a directory of JSON files, or
 * Redis shared by many processes — loaded lazily, saved only when changed, expiring when idle and
 * after an absolute lifetime, with `regenerate()` against fixation and `destroy()` for logout.
 *
 * Replaces `paste.session` (`egg:Paste#paste_session`) and `paste.flup_session`
 * (`egg:Paste#flup_session`), without their cookie-chosen file paths, pickle, predictable ids and
 * creation-time-only expiry. Not for stateless APIs or for values that fit a signed cookie.
 *
 * @module trowel/session
 */
export { session } from './middleware.ts';
export type { SessionOptions } from './options.ts';
export { Session, SESSION } from './session.ts';
export type { JsonValue, SessionRecord, SessionStore, StoredSession } from './store.ts';
export { MemoryStore, type MemoryStoreOptions } from './memory-store.ts';
export { FileStore, type FileStoreOptions } from './file-store.ts';
export { RedisStore, type RedisClientLike, type RedisStoreOptions } from './redis-store.ts';
export { isSessionId, newSessionId } from './id.ts';
