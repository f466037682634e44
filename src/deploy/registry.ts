/**
 * Entry points: the names a config's `use = egg:Dist#name` can give, each with the factory protocol
 * it follows and its status — `available` (a capability provides it), `planned` (the capability
 * that will provide it does not exist yet) or `unsupported` (trowel will not provide it, and says
 * what to use instead). The loader turns the last two into clear errors naming the file, section
 * and key; a capability that lands replaces its `planned` entries with `available` ones.
 *
 * The factory protocols are PasteDeploy's, in Fetch terms (all values are strings, see
 * `converters.ts`):
 *
 * | protocol | PasteDeploy | signature |
 * |---|---|---|
 * | `app` | `paste.app_factory` | `(options, globalConf) => Handler` |
 * | `composite` | `paste.composite_factory` | `(loader, options, globalConf) => Handler` |
 * | `filter` | `paste.filter_factory` | `(options, globalConf) => Middleware` |
 * | `filter-app` | `paste.filter_app_factory` | `(next, options, globalConf) => Handler` |
 * | `server` | `paste.server_factory` | `(options, globalConf) => ServerRunner` |
 * | `server-runner` | `paste.server_runner` | `(handler, options, globalConf, run) => RunningServer` |
 *
 * Any factory may return a promise.
 */
import type { Handler, Middleware } from '../core/handler.ts';
import type { Settings } from './converters.ts';
import type { Where } from './errors.ts';

/** The three kinds of object a config builds. */
export type ObjectType = 'app' | 'filter' | 'server';

/** A factory protocol (see the module comment). */
export type Protocol = 'app' | 'composite' | 'filter' | 'filter-app' | 'server' | 'server-runner';

/** A filter as the loader hands it out: it may need to wait while it wraps `next`. */
export type DeployFilter = (next: Handler) => Promise<Handler>;

/** What the CLI (or any caller) asks of a server when it runs one. */
export interface RunOptions {
  /** Close gracefully on SIGTERM/SIGINT and exit the process with code 0. @default false */
  readonly handleSignals?: boolean;
  /** Called once the server listens. */
  readonly onListen?: (info: {
    readonly url: string;
    readonly host: string;
    readonly port: number;
  }) => void;
}

/** A running server, as a {@link ServerRunner} resolves it. */
export interface RunningServer {
  /** `http://host:port` (or https), without a trailing slash. */
  readonly url: string;
  /** Stops the server gracefully. */
  close(): Promise<void>;
}

/** Serves a handler: what a `[server:]` section builds. */
export type ServerRunner = (handler: Handler, run?: RunOptions) => Promise<RunningServer>;

/** Lets a composite factory (urlmap, cascade) load the applications its options name. */
export interface CompositeLoader {
  /** The composite's section. */
  readonly where: Where;
  /**
   * Loads the application `reference` names (a section name of the composite's file, or a
   * `config:`/`egg:`/`call:`/`file:`/`npm:` URI). Give the option `key` it came from, so that an
   * error names it.
   */
  getApp(reference: string, options?: { readonly key?: string }): Promise<Handler>;
  /** Loads a filter, as {@link CompositeLoader.getApp} loads an application. */
  getFilter(reference: string, options?: { readonly key?: string }): Promise<DeployFilter>;
  /** Loads a server, as {@link CompositeLoader.getApp} loads an application. */
  getServer(reference: string, options?: { readonly key?: string }): Promise<ServerRunner>;
}

/** `paste.app_factory`. */
export type AppFactory = (options: Settings, globalConf: Settings) => Handler | Promise<Handler>;
/** `paste.composite_factory`. */
export type CompositeFactory = (
  loader: CompositeLoader,
  options: Settings,
  globalConf: Settings,
) => Handler | Promise<Handler>;
/** `paste.filter_factory`. */
export type FilterFactory = (
  options: Settings,
  globalConf: Settings,
) => Middleware | Promise<Middleware>;
/** `paste.filter_app_factory`. */
export type FilterAppFactory = (
  next: Handler,
  options: Settings,
  globalConf: Settings,
) => Handler | Promise<Handler>;
/** `paste.server_factory`. */
export type ServerFactory = (
  options: Settings,
  globalConf: Settings,
) => ServerRunner | Promise<ServerRunner>;
/** `paste.server_runner`. */
export type ServerRunnerFactory = (
  handler: Handler,
  options: Settings,
  globalConf: Settings,
  run: RunOptions,
) => Promise<RunningServer>;

/** A factory together with its protocol. */
export type Factory =
  | { readonly protocol: 'app'; readonly create: AppFactory }
  | { readonly protocol: 'composite'; readonly create: CompositeFactory }
  | { readonly protocol: 'filter'; readonly create: FilterFactory }
  | { readonly protocol: 'filter-app'; readonly create: FilterAppFactory }
  | { readonly protocol: 'server'; readonly create: ServerFactory }
  | { readonly protocol: 'server-runner'; readonly create: ServerRunnerFactory };

/** An entry point a capability provides. `load` is called only when a config uses it. */
export interface AvailableEntry {
  readonly status: 'available';
  readonly protocol: Protocol;
  /** The module that provides it, e.g. `trowel/lint`. */
  readonly capability: string;
  readonly load: () => Factory | Promise<Factory>;
}

/** An entry point whose capability does not exist yet. */
export interface PlannedEntry {
  readonly status: 'planned';
  readonly protocol: Protocol;
  /** The module that will provide it, e.g. `trowel/proxy`. */
  readonly capability: string;
}

/** An entry point trowel will not provide. */
export interface UnsupportedEntry {
  readonly status: 'unsupported';
  readonly protocol: Protocol;
  /** Why, and what to use instead. */
  readonly reason: string;
}

/** A registry entry. */
export type EntryPoint = AvailableEntry | PlannedEntry | UnsupportedEntry;

/** The object type a protocol builds. */
export function objectTypeOf(protocol: Protocol): ObjectType {
  if (protocol === 'app' || protocol === 'composite') return 'app';
  if (protocol === 'filter' || protocol === 'filter-app') return 'filter';
  return 'server';
}

/** An entry point name, split: `egg:Paste#http` → `{ dist: 'Paste', name: 'http' }`. */
export interface EntryPointName {
  readonly dist: string;
  readonly name: string;
}

/**
 * Splits `egg:Dist#name`, `Dist#name` or `egg:Dist` (name `main`). `undefined` when malformed.
 */
export function parseEntryPointName(text: string): EntryPointName | undefined {
  const body = text.startsWith('egg:') ? text.slice(4) : text;
  const hash = body.indexOf('#');
  const dist = (hash === -1 ? body : body.slice(0, hash)).trim();
  const name = hash === -1 ? 'main' : body.slice(hash + 1).trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(dist) || name === '') return undefined;
  return { dist, name };
}

/**
 * The entry points a loader knows, by name and object type. Distribution names are matched
 * case-insensitively (`egg:paste#http` works, as in PasteDeploy); entry names exactly.
 *
 * @example
 * ```ts
 * import { Registry, appFactory } from 'trowel/deploy';
 * const registry = new Registry().register('egg:MyBackend#main', {
 *   status: 'available',
 *   protocol: 'app',
 *   capability: 'my-backend',
 *   load: () => ({ protocol: 'app', create: () => () => new Response('backend') }),
 * });
 * ```
 */
export class Registry {
  readonly #entries = new Map<string, Map<ObjectType, EntryPoint>>();
  readonly #names = new Map<string, EntryPointName>();

  /**
   * Adds (or replaces) the entry for `name` and the object type of its protocol; a name may have
   * one entry per object type (`egg:WSGIProxy` is both an app and a filter). Returns `this`.
   *
   * @throws {TypeError} for a malformed name.
   */
  register(name: string, entry: EntryPoint): this {
    const parsed = parseEntryPointName(name);
    if (parsed === undefined)
      throw new TypeError(`not an entry point name: ${JSON.stringify(name)}`);
    const key = Registry.#key(parsed);
    let byType = this.#entries.get(key);
    if (byType === undefined) {
      byType = new Map();
      this.#entries.set(key, byType);
      this.#names.set(key, parsed);
    }
    byType.set(objectTypeOf(entry.protocol), entry);
    return this;
  }

  /** The entry for `name` and `type`, if any. */
  lookup(name: EntryPointName, type: ObjectType): EntryPoint | undefined {
    return this.#entries.get(Registry.#key(name))?.get(type);
  }

  /** Every object type `name` has an entry for. */
  typesOf(name: EntryPointName): ObjectType[] {
    return [...(this.#entries.get(Registry.#key(name))?.keys() ?? [])];
  }

  /** True when some entry belongs to distribution `dist` (any case). */
  hasDistribution(dist: string): boolean {
    const lower = dist.toLowerCase();
    return [...this.#names.values()].some((n) => n.dist.toLowerCase() === lower);
  }

  /** The names registered for distribution `dist`. */
  namesOf(dist: string): string[] {
    const lower = dist.toLowerCase();
    return [...this.#names.values()]
      .filter((n) => n.dist.toLowerCase() === lower)
      .map((n) => n.name);
  }

  /** Every entry, as `egg:Dist#name`, its object type and the entry. */
  *entries(): Generator<{
    readonly name: string;
    readonly type: ObjectType;
    readonly entry: EntryPoint;
  }> {
    for (const [key, byType] of this.#entries) {
      const { dist, name } = this.#names.get(key) ?? { dist: '?', name: '?' };
      for (const [type, entry] of byType) yield { name: `egg:${dist}#${name}`, type, entry };
    }
  }

  static #key(name: EntryPointName): string {
    return `${name.dist.toLowerCase()}#${name.name}`;
  }
}

const PROTOCOL = Symbol.for('trowel.deploy.protocol');

function tag<F extends (...args: never[]) => unknown>(protocol: Protocol, create: F): F {
  if (typeof create !== 'function') {
    throw new TypeError(`a ${protocol} factory must be a function`);
  }
  const tagged = ((...args: Parameters<F>) => create(...args)) as F;
  Object.defineProperty(tagged, PROTOCOL, { value: protocol });
  Object.defineProperty(tagged, 'name', { value: create.name });
  return tagged;
}

/** The protocol a function was tagged with by {@link appFactory} and friends, if any. */
export function taggedProtocol(value: unknown): Protocol | undefined {
  if (typeof value !== 'function') return undefined;
  return (value as { [PROTOCOL]?: Protocol })[PROTOCOL];
}

/**
 * Marks an export as an app factory, so `use = file:./app.js#make` calls it with the section's
 * options instead of taking it as a ready Handler.
 *
 * @example
 * ```ts
 * import { appFactory, asString } from 'trowel/deploy';
 * export const hello = appFactory((options) => {
 *   const greeting = asString(options, 'greeting');
 *   return () => new Response(`${greeting}\n`);
 * });
 * ```
 */
export function appFactory(create: AppFactory): AppFactory {
  return tag('app', create);
}

/**
 * Marks an export as a filter factory `(options, globalConf) => Middleware`.
 *
 * @example
 * ```ts
 * import { asString, filterFactory } from 'trowel/deploy';
 * export const tagged = filterFactory((options) => {
 *   const value = asString(options, 'value');
 *   return (next) => async (request, ctx) => {
 *     const response = await next(request, ctx);
 *     response.headers.set('x-tag', value);
 *     return response;
 *   };
 * });
 * ```
 */
export function filterFactory(create: FilterFactory): FilterFactory {
  return tag('filter', create);
}

/**
 * Marks an export as a filter-app factory `(next, options, globalConf) => Handler`.
 *
 * @example
 * ```ts
 * import { filterAppFactory } from 'trowel/deploy';
 * export const guard = filterAppFactory((next) => (request, ctx) =>
 *   request.method === 'TRACE' ? new Response(null, { status: 405 }) : next(request, ctx));
 * ```
 */
export function filterAppFactory(create: FilterAppFactory): FilterAppFactory {
  return tag('filter-app', create);
}

/**
 * Marks an export as a composite factory `(loader, options, globalConf) => Handler`.
 *
 * @example
 * ```ts
 * import { compositeFactory } from 'trowel/deploy';
 * export const pair = compositeFactory(async (loader, options) => {
 *   const first = await loader.getApp(options['first'] ?? '', { key: 'first' });
 *   return (request, ctx) => first(request, ctx);
 * });
 * ```
 */
export function compositeFactory(create: CompositeFactory): CompositeFactory {
  return tag('composite', create);
}

/**
 * Marks an export as a server factory `(options, globalConf) => ServerRunner`.
 *
 * @example
 * ```ts
 * import { serverFactory } from 'trowel/deploy';
 * import { serve } from 'trowel/server';
 * export const local = serverFactory(() => (handler) => serve(handler, { port: 0 }));
 * ```
 */
export function serverFactory(create: ServerFactory): ServerFactory {
  return tag('server', create);
}
