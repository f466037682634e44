/**
 * The second half of loading: calls the factories of a resolved tree in PasteDeploy's order (a
 * pipeline builds its application, then its filters in order, and wraps them in reverse; a
 * filter-app builds `next`, then its filter; `filter-with` builds the filter, then what it wraps),
 * and checks that each factory returned what its protocol promises. A factory that throws is
 * reported with the section and key that named it.
 */
import { isConfigError } from '../core/config-error.ts';
import type { Handler, Middleware } from '../core/handler.ts';
import { makeSettings, type Settings } from './converters.ts';
import { DeployError, codes, isDeployError, type DeployWarning, type Where } from './errors.ts';
import type { CompositeLoader, DeployFilter, Factory, ServerRunner } from './registry.ts';
import type { Leaf, Node, Resolver } from './resolve.ts';
import { describe } from './targets.ts';
import type { Values } from './scope.ts';

/** Turns values with their places into {@link Settings}. */
export function toSettings(
  values: Values,
  section: Where,
  warn?: (warning: DeployWarning) => void,
): Settings {
  const plain: Record<string, string> = {};
  const sources: Record<string, Where> = {};
  for (const [key, { value, where }] of values) {
    plain[key] = value;
    sources[key] = where;
  }
  return makeSettings(plain, sources, warn === undefined ? { section } : { section, warn });
}

function wrap(error: unknown, leaf: Leaf): unknown {
  if (isDeployError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isConfigError(error)) {
    return new DeployError(error.code, leaf.where, `${leaf.target.label}: ${message}`, {
      cause: error,
    });
  }
  return new DeployError(codes.factory, leaf.where, `${leaf.target.label} failed: ${message}`, {
    cause: error,
  });
}

async function guarded<T>(leaf: Leaf, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw wrap(error, leaf);
  }
}

function asHandler(value: unknown, leaf: Leaf, what: string): Handler {
  if (typeof value === 'function') return value as Handler;
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { fetch?: unknown }).fetch === 'function'
  ) {
    const app = value as { fetch: (request: Request) => Response | Promise<Response> };
    return (request) => app.fetch(request);
  }
  throw new DeployError(
    codes.export,
    leaf.where,
    `${leaf.target.label}: ${what} returned ${describe(value)}, not a Handler`,
  );
}

function assertFunction(
  value: unknown,
  leaf: Leaf,
  what: string,
  wanted: string,
): asserts value is (...args: never[]) => unknown {
  if (typeof value !== 'function') {
    throw new DeployError(
      codes.export,
      leaf.where,
      `${leaf.target.label}: ${what} returned ${describe(value)}, not ${wanted}`,
    );
  }
}

/** Builds resolved trees; composites get a loader that resolves and builds more. */
export class Builder {
  readonly #resolver: Resolver;
  readonly #warn: (warning: DeployWarning) => void;

  constructor(resolver: Resolver, warn: (warning: DeployWarning) => void) {
    this.#resolver = resolver;
    this.#warn = warn;
  }

  /** Builds an application. */
  async app(node: Node): Promise<Handler> {
    switch (node.type) {
      case 'leaf':
        return this.#appLeaf(node);
      case 'pipeline': {
        let app = await this.app(node.app);
        const filters: DeployFilter[] = [];
        for (const filter of node.filters) filters.push(await this.filter(filter));
        for (const filter of filters.reverse()) app = await filter(app);
        return app;
      }
      case 'filter-app': {
        const next = await this.app(node.next);
        const filter = await this.filter(node.filter);
        return filter(next);
      }
      case 'filter-with': {
        const filter = await this.filter(node.filter);
        return filter(await this.app(node.inner));
      }
    }
  }

  /** Builds a filter. */
  async filter(node: Node): Promise<DeployFilter> {
    if (node.type === 'filter-with') {
      const outer = await this.filter(node.filter);
      const inner = await this.filter(node.inner);
      return async (next) => outer(await inner(next));
    }
    if (node.type !== 'leaf') throw new Error(`a ${node.type} is not a filter`);
    const leaf = node;
    const { local, global } = this.#settings(leaf);
    if (leaf.protocol === 'middleware') {
      this.#noOptions(leaf, 'a Middleware', 'filterFactory');
      const middleware =
        leaf.target.kind === 'export' ? (leaf.target.value as Middleware) : undefined;
      if (middleware === undefined) throw new Error('a middleware leaf holds an export');
      return (next) => guarded(leaf, () => asHandler(middleware(next), leaf, 'the middleware'));
    }
    const factory = await this.#factory(leaf);
    if (factory.protocol === 'filter') {
      const made: unknown = await guarded(leaf, () => factory.create(local, global));
      assertFunction(made, leaf, 'the filter factory', 'a Middleware');
      const middleware = made as Middleware;
      return (next) => guarded(leaf, () => asHandler(middleware(next), leaf, 'the middleware'));
    }
    if (factory.protocol === 'filter-app') {
      return async (next) =>
        asHandler(
          await guarded(leaf, () => factory.create(next, local, global)),
          leaf,
          'the filter-app factory',
        );
    }
    throw new DeployError(
      codes.kind,
      leaf.where,
      `${leaf.target.label} is a ${factory.protocol} factory, not a filter`,
    );
  }

  /** Builds a server runner. */
  async server(node: Node): Promise<ServerRunner> {
    if (node.type !== 'leaf') throw new Error(`a ${node.type} is not a server`);
    const leaf = node;
    const { local, global } = this.#settings(leaf);
    const factory = await this.#factory(leaf);
    if (factory.protocol === 'server') {
      const runner: unknown = await guarded(leaf, () => factory.create(local, global));
      assertFunction(runner, leaf, 'the server factory', 'a function that serves a handler');
      return runner as ServerRunner;
    }
    if (factory.protocol === 'server-runner') {
      return (handler, run) =>
        guarded(leaf, () => factory.create(handler, local, global, run ?? {}));
    }
    throw new DeployError(
      codes.kind,
      leaf.where,
      `${leaf.target.label} is a ${factory.protocol} factory, not a server`,
    );
  }

  async #appLeaf(leaf: Leaf): Promise<Handler> {
    if (leaf.protocol === 'handler') {
      this.#noOptions(leaf, 'a Handler', 'appFactory');
      return asHandler(
        leaf.target.kind === 'export' ? leaf.target.value : undefined,
        leaf,
        'the import',
      );
    }
    const { local, global } = this.#settings(leaf);
    const factory = await this.#factory(leaf);
    if (factory.protocol === 'app') {
      return asHandler(
        await guarded(leaf, () => factory.create(local, global)),
        leaf,
        'the app factory',
      );
    }
    if (factory.protocol === 'composite') {
      const loader = this.#compositeLoader(leaf);
      return asHandler(
        await guarded(leaf, () => factory.create(loader, local, global)),
        leaf,
        'the composite factory',
      );
    }
    throw new DeployError(
      codes.kind,
      leaf.where,
      `${leaf.target.label} is a ${factory.protocol} factory, not an application`,
    );
  }

  #settings(leaf: Leaf): { local: Settings; global: Settings } {
    return {
      local: toSettings(leaf.local, leaf.section, this.#warn),
      global: toSettings(leaf.global, leaf.section, this.#warn),
    };
  }

  #noOptions(leaf: Leaf, what: string, helper: string): void {
    const [first] = leaf.local.values();
    if (first !== undefined) {
      throw new DeployError(
        codes.option,
        first.where,
        `${leaf.target.label} is ${what}, which takes no options; to take options, export ${helper}((options, globalConf) => …) or use call:`,
      );
    }
  }

  async #factory(leaf: Leaf): Promise<Factory> {
    const { target } = leaf;
    if (target.kind === 'entry') {
      const factory = await guarded(leaf, () => target.entry.load());
      if (factory.protocol !== target.entry.protocol) {
        throw new DeployError(
          codes.factory,
          leaf.where,
          `${target.label}: the registry says ${target.entry.protocol}, the factory says ${factory.protocol}`,
        );
      }
      return factory;
    }
    // A tagged export or a call: target; the resolver checked the protocol.
    return { protocol: leaf.protocol, create: target.value } as Factory;
  }

  #compositeLoader(leaf: Leaf): CompositeLoader {
    const from = (key: string | undefined): Parameters<Resolver['reference']>[2] => ({
      scope: leaf.scope,
      where: (key === undefined ? undefined : leaf.local.get(key)?.where) ?? leaf.section,
      global: leaf.global,
      stack: leaf.stack,
    });
    return {
      where: leaf.section,
      getApp: async (reference, opts) =>
        this.app(await this.#resolver.reference(reference, 'app', from(opts?.key))),
      getFilter: async (reference, opts) =>
        this.filter(await this.#resolver.reference(reference, 'filter', from(opts?.key))),
      getServer: async (reference, opts) =>
        this.server(await this.#resolver.reference(reference, 'server', from(opts?.key))),
    };
  }
}
