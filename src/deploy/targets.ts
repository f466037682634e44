/**
 * What `egg:`, `file:`, `npm:` and `call:` references (and the explicit `paste.*_factory` keys)
 * point at: a registry entry, or an export of the user's code, with the protocol it is to be built
 * with. Entries that are planned or unsupported, exports of the wrong kind and malformed
 * references are refused here, before any factory runs.
 */
import { DeployError, codes, deployWarning, type Where } from './errors.ts';
import { closest } from './values.ts';
import { importExport, packageInstalled, parseModuleRef, type ModuleRef } from './modules.ts';
import {
  objectTypeOf,
  parseEntryPointName,
  taggedProtocol,
  type AvailableEntry,
  type ObjectType,
  type Protocol,
} from './registry.ts';
import type { From, Session } from './resolve.ts';
import type { FileScope, Value } from './scope.ts';

/** How a leaf's target is to be called. `handler`/`middleware`: a ready object, no factory. */
export type LeafProtocol = Protocol | 'handler' | 'middleware';

/** What a leaf builds from. */
export type Target =
  | { readonly kind: 'entry'; readonly label: string; readonly entry: AvailableEntry }
  | { readonly kind: 'export'; readonly label: string; readonly value: unknown };

/** A target and the protocol to build it with. */
export interface Found {
  readonly protocol: LeafProtocol;
  readonly target: Target;
}

const found = (protocol: LeafProtocol, target: Target): Found => ({ protocol, target });

/** How object types are named in messages. */
export const OBJECT_WORDS: Readonly<Record<ObjectType, string>> = {
  app: 'an application',
  filter: 'a filter',
  server: 'a server',
};

/** Built-in distributions whose missing names are reported as such, not looked up on npm. */
const KNOWN_DISTRIBUTIONS = ['Paste', 'PasteDeploy', 'PasteScript', 'WSGIProxy', 'wsgi_cache'];

/** Resolves references to targets, for one load. */
export class Targets {
  readonly #session: Session;

  constructor(session: Session) {
    this.#session = session;
  }

  /** An explicit protocol key (`paste.app_factory = ./app.js#make`). */
  async explicit(protocol: Protocol, value: Value, type: ObjectType, from: From): Promise<Found> {
    const { where } = value;
    if (objectTypeOf(protocol) !== type) {
      throw new DeployError(
        codes.kind,
        where,
        `this protocol builds ${OBJECT_WORDS[objectTypeOf(protocol)]}, but the section needs ${OBJECT_WORDS[type]}`,
      );
    }
    const ref = parseModuleRef(value.value.replace(/^(?:file|npm):/, ''));
    if (ref === undefined || /^[\w.]+:\w/.test(value.value)) throw badModule(value.value, where);
    const imported = await this.#import(ref, from.scope, where, value.value);
    if (typeof imported.value !== 'function') {
      throw new DeployError(codes.export, where, `${imported.label} is not a function`);
    }
    return found(protocol, { kind: 'export', label: imported.label, value: imported.value });
  }

  /** `egg:Dist#name`: a registry entry, or an npm package of that name. */
  async egg(text: string, type: ObjectType, from: From): Promise<Found> {
    if (/^egg:[^#]*[=<>!~]/.test(text)) {
      throw new DeployError(
        codes.uri,
        from.where,
        `"${text}": version requirements are not supported (PasteDeploy documented them but never did); remove them`,
      );
    }
    const name = parseEntryPointName(text);
    if (name === undefined) {
      throw new DeployError(
        codes.uri,
        from.where,
        `"${text}" is not egg:DISTRIBUTION or egg:DISTRIBUTION#NAME`,
      );
    }
    const label = `egg:${name.dist}#${name.name}`;
    const registry = this.#session.registry;
    const entry = registry.lookup(name, type);
    if (entry !== undefined) {
      if (entry.status === 'planned') {
        throw new DeployError(
          codes.unavailable,
          from.where,
          `capability not available yet: ${label} will be provided by ${entry.capability}`,
        );
      }
      if (entry.status === 'unsupported') {
        throw new DeployError(
          codes.unsupported,
          from.where,
          `${label} is not supported: ${entry.reason}`,
        );
      }
      return found(entry.protocol, { kind: 'entry', label, entry });
    }
    const others = registry.typesOf(name);
    if (others.length > 0) {
      throw new DeployError(
        codes.kind,
        from.where,
        `${label} is ${others.map((t) => OBJECT_WORDS[t]).join(' and ')}, but this place needs ${OBJECT_WORDS[type]}`,
      );
    }
    const known = KNOWN_DISTRIBUTIONS.find((d) => d.toLowerCase() === name.dist.toLowerCase());
    if (known !== undefined || registry.hasDistribution(name.dist)) {
      const near = closest(name.name, registry.namesOf(name.dist));
      throw new DeployError(
        codes.notFound,
        from.where,
        `${label}: ${known ?? name.dist} has no entry point "${name.name}"${near === undefined ? '' : ` (did you mean ${near}?)`}`,
      );
    }
    // Anyone else's distribution is an npm package of that name: egg:my_app#app is npm:my_app#app.
    const candidates = [...new Set([name.dist, name.dist.toLowerCase()])];
    const pkg = candidates.find((candidate) => packageInstalled(candidate, from.scope.dir));
    if (pkg === undefined) {
      throw new DeployError(
        codes.import,
        from.where,
        `${text}: no entry point of that name is known, and there is no npm package "${name.dist}" where ${from.scope.dir} can see it; for your own code use file:./module.js#export or npm:package#export`,
      );
    }
    const exportName = text.includes('#') ? name.name : undefined;
    return this.#object({ kind: 'npm', specifier: pkg, exportName }, text, type, from);
  }

  /** `file:`, `npm:` (an object or a tagged factory) and `call:` (a factory). */
  async module(
    rest: string,
    type: ObjectType,
    from: From,
    scheme: 'call' | 'file' | 'npm',
  ): Promise<Found> {
    const text = `${scheme}:${rest}`;
    if (scheme === 'call' && /^[\w.]+:[\w.]+$/.test(rest)) {
      throw badModule(text, from.where);
    }
    const ref = parseModuleRef(rest, scheme === 'call' ? undefined : scheme);
    if (ref === undefined) throw badModule(text, from.where);
    if (scheme !== 'call') return this.#object(ref, text, type, from);
    const imported = await this.#import(ref, from.scope, from.where, text);
    const tagged = taggedProtocol(imported.value);
    const protocol =
      tagged ??
      (from.callProtocol !== undefined && objectTypeOf(from.callProtocol) === type
        ? from.callProtocol
        : type);
    if (typeof imported.value !== 'function') {
      throw new DeployError(
        codes.export,
        from.where,
        `${text} is not a function, so it cannot be called as a factory`,
      );
    }
    checkKind(protocol, type, text, from.where);
    return found(protocol, { kind: 'export', label: text, value: imported.value });
  }

  /** A `file:`/`npm:` export: a ready Handler or Middleware, or a tagged factory. */
  async #object(ref: ModuleRef, label: string, type: ObjectType, from: From): Promise<Found> {
    const imported = await this.#import(ref, from.scope, from.where, label);
    let { value } = imported;
    const tagged = taggedProtocol(value);
    if (tagged !== undefined) {
      checkKind(tagged, type, label, from.where);
      return found(tagged, { kind: 'export', label, value });
    }
    if (
      type === 'app' &&
      typeof value === 'object' &&
      value !== null &&
      typeof (value as { fetch?: unknown }).fetch === 'function'
    ) {
      // A Hono app (or anything else with a Fetch-style fetch method) is a Handler.
      const app = value as { fetch: (request: Request) => Response | Promise<Response> };
      value = (request: Request) => app.fetch(request);
    }
    if (typeof value !== 'function' || type === 'server') {
      const wanted =
        type === 'app'
          ? 'a Handler (a function of request and context)'
          : type === 'filter'
            ? 'a Middleware (a function of the next handler)'
            : 'a serverFactory(…)';
      throw new DeployError(
        codes.export,
        from.where,
        `${label} is ${describe(value)}, not ${wanted}`,
      );
    }
    return found(type === 'app' ? 'handler' : 'middleware', { kind: 'export', label, value });
  }

  async #import(
    ref: ModuleRef,
    scope: FileScope,
    where: Where,
    label: string,
  ): Promise<{ value: unknown; label: string }> {
    const imported = await importExport(ref, scope.dir, where, label);
    this.#session.watch(imported.file);
    return imported;
  }

  /** Checks `require = Dist …`: each a distribution trowel stands in for, or an installed package. */
  require(require: Value, scope: FileScope): void {
    for (const spec of require.value.split(/\s+/).filter((s) => s !== '')) {
      const name = /^[^\s=<>!~[;]+/.exec(spec)?.[0] ?? spec;
      if (name !== spec) {
        this.#session.warn(
          deployWarning(
            'TROWEL_WARN_DEPLOY_REQUIRE_VERSION',
            require.where,
            `the version in "${spec}" is not checked`,
          ),
        );
      }
      const known =
        KNOWN_DISTRIBUTIONS.some((d) => d.toLowerCase() === name.toLowerCase()) ||
        this.#session.registry.hasDistribution(name);
      if (
        !known &&
        !packageInstalled(name, scope.dir) &&
        !packageInstalled(name.toLowerCase(), scope.dir)
      ) {
        throw new DeployError(
          codes.require,
          require.where,
          `"${name}" is required but no npm package of that name is installed`,
        );
      }
    }
  }
}

/** Checks that a protocol builds the object type the place needs. */
export function checkKind(protocol: Protocol, type: ObjectType, label: string, where: Where): void {
  if (objectTypeOf(protocol) !== type) {
    throw new DeployError(
      codes.kind,
      where,
      `${label} is ${OBJECT_WORDS[objectTypeOf(protocol)]} (${protocol} factory), but this place needs ${OBJECT_WORDS[type]}`,
    );
  }
}

/** The error for a reference that is not a JS module reference. */
export function badModule(text: string, where: Where): DeployError {
  return new DeployError(
    codes.uri,
    where,
    `"${text}" is not a module reference: write file:./module.js#export, npm:package#export or call:./module.js#factory (Python module paths do not apply)`,
  );
}

/** A short description of a value, for messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'string') return `a string (${JSON.stringify(value)})`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return `${typeof value} ${value.toString()}`;
  }
  return typeof value === 'symbol' ? 'a symbol' : 'undefined';
}
