/**
 * The per-request context: WSGI's `environ`, minus the request itself, typed.
 *
 * A `Context` carries the mount split (`scriptName` + `pathInfo`), who the client is and how it
 * reached us (`remoteAddr`, `scheme`, `host`), an `AbortSignal` that fires when the client goes
 * away, and typed extension values that middleware hands to the application (the authenticated
 * user, the session, …). Values are addressed by {@link Key}s made with {@link createKey}, never by
 * strings, so two capabilities cannot collide by accident.
 *
 * A context is never mutated by mounting: {@link Context.derive} makes a child whose extension values
 * fall back to the parent's, and whose own `set` calls stay invisible to the parent.
 */

/** A typed handle for one context value. Two keys with the same name are still different keys. */
export interface Key<T> {
  /** A human-readable name, used in error messages and debug output. */
  readonly name: string;
  /** The identity of the key. */
  readonly id: symbol;
  /** Returned by `ctx.get()` when nothing was set. */
  readonly defaultValue: T | undefined;
}

/**
 * Makes a typed context key.
 *
 * @example
 * ```ts
 * import { createKey } from 'trowel';
 * export const REQUEST_ID = createKey<string>('example.requestId');
 * ```
 */
export function createKey<T>(name: string, defaultValue?: T): Key<T> {
  return Object.freeze({ name, id: Symbol(name), defaultValue });
}

/** What a server, a test fixture or a mount needs to say to build a context. */
export interface ContextInit {
  /** The mount prefix, in URL-encoded form; `''` or starting with `/`, never exactly `/`. @default '' */
  readonly scriptName?: string;
  /** The rest of the path, in URL-encoded form; `''` or starting with `/`. @default the URL's path */
  readonly pathInfo?: string;
  /** The peer's IP address, as the socket reports it. @default '' */
  readonly remoteAddr?: string;
  /** The peer's port. @default 0 */
  readonly remotePort?: number;
  /** The scheme the client used (`http` or `https`). @default the URL's scheme */
  readonly scheme?: string;
  /** The authority (host[:port]) the client used. @default the URL's host */
  readonly host?: string;
  /**
   * Fires when the client disconnects or the request is otherwise abandoned. A function is called
   * instead when `signal` is first read, so a server can leave the signal unbuilt for the many
   * requests nobody asks about; it should return the same signal on every call.
   * @default never fires
   */
  readonly signal?: AbortSignal | (() => AbortSignal);
}

const NEVER = new AbortController().signal;

/**
 * The typed per-request context handed to every {@link Handler} beside the `Request`.
 */
export class Context {
  /** The part of the path that led to the current handler (WSGI `SCRIPT_NAME`), URL-encoded. */
  readonly scriptName: string;
  /** The part of the path the current handler is to resolve (WSGI `PATH_INFO`), URL-encoded. */
  readonly pathInfo: string;
  /** The peer's address (WSGI `REMOTE_ADDR`). */
  readonly remoteAddr: string;
  /** The peer's port. */
  readonly remotePort: number;
  /** The scheme the client used: `http` or `https`. */
  readonly scheme: string;
  /** The host (and port, if not the default) the client used. */
  readonly host: string;
  #signal: AbortSignal | (() => AbortSignal);
  readonly #values: Map<symbol, unknown>;
  readonly #parent: Context | undefined;

  /**
   * Builds a context for `request`. Fields not given are taken from the request URL.
   *
   * @throws {TypeError} when `scriptName` or `pathInfo` is malformed.
   */
  constructor(request: Request | URL | string, init: ContextInit = {}, parent?: Context) {
    let url: URL | undefined;
    const fromUrl = (): URL =>
      (url ??=
        request instanceof URL
          ? request
          : new URL(typeof request === 'string' ? request : request.url));
    const scriptName = init.scriptName ?? '';
    const pathInfo = init.pathInfo ?? fromUrl().pathname;
    assertPathPart('scriptName', scriptName);
    assertPathPart('pathInfo', pathInfo);
    if (scriptName === '/') {
      throw new TypeError('scriptName must not be "/": use "" and put the slash in pathInfo');
    }
    this.scriptName = scriptName;
    this.pathInfo = pathInfo;
    this.remoteAddr = init.remoteAddr ?? '';
    this.remotePort = init.remotePort ?? 0;
    this.scheme = init.scheme ?? fromUrl().protocol.slice(0, -1);
    this.host = init.host ?? fromUrl().host;
    this.#signal = init.signal ?? NEVER;
    this.#values = new Map();
    this.#parent = parent;
  }

  /** Aborts when the client goes away; long work and upstream requests should follow it. */
  get signal(): AbortSignal {
    const signal = this.#signal;
    if (typeof signal !== 'function') return signal;
    return (this.#signal = signal());
  }

  /** The value stored under `key` here or in an ancestor, else the key's default. */
  get<T>(key: Key<T>): T | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walking the parent chain
    for (let c: Context | undefined = this; c; c = c.#parent) {
      if (c.#values.has(key.id)) return c.#values.get(key.id) as T;
    }
    return key.defaultValue;
  }

  /**
   * The value stored under `key`.
   *
   * @throws {Error} when nothing is stored and the key has no default: a middleware that should
   * have set it is missing from the stack.
   */
  require<T>(key: Key<T>): T {
    const value = this.get(key);
    if (value === undefined) {
      throw new Error(
        `context value "${key.name}" is not set: is the middleware that provides it installed?`,
      );
    }
    return value;
  }

  /** True when `key` was set here or in an ancestor. */
  has(key: Key<unknown>): boolean {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walking the parent chain
    for (let c: Context | undefined = this; c; c = c.#parent) {
      if (c.#values.has(key.id)) return true;
    }
    return false;
  }

  /** Stores `value` under `key` in this context (not in its parent). Returns `this`. */
  set<T>(key: Key<T>, value: T): this {
    this.#values.set(key.id, value);
    return this;
  }

  /** Removes the value this context stored under `key`; an ancestor's value shows through again. */
  delete(key: Key<unknown>): this {
    this.#values.delete(key.id);
    return this;
  }

  /**
   * A child context with some fields changed. Extension values fall back to this context's; values
   * the child sets stay in the child.
   */
  derive(changes: ContextInit): Context {
    return new Context(
      'http://derive.invalid/',
      {
        scriptName: changes.scriptName ?? this.scriptName,
        pathInfo: changes.pathInfo ?? this.pathInfo,
        remoteAddr: changes.remoteAddr ?? this.remoteAddr,
        remotePort: changes.remotePort ?? this.remotePort,
        scheme: changes.scheme ?? this.scheme,
        host: changes.host ?? this.host,
        // The parent's signal as given, so deriving does not build a signal nobody asked for.
        signal: changes.signal ?? this.#signal,
      },
      this,
    );
  }
}

function assertPathPart(name: string, value: string): void {
  if (value !== '' && !value.startsWith('/')) {
    throw new TypeError(`${name} must be empty or start with "/", got ${JSON.stringify(value)}`);
  }
}
