/**
 * The first half of loading: from a name or URI to a tree of what is to be built — which
 * factories, with which options and globals, wrapped in which filters — checking every section,
 * reference and entry point on the way, before any factory runs. `build.ts` is the second half.
 *
 * The rules are PasteDeploy's (`loadwsgi.py`): `use` takes another section of the same object type
 * or a URI, and the section's own keys override the referenced one's; `filter-with` wraps (the
 * filter outermost); a `[pipeline:]` is filters then an app and takes no options; a
 * `[filter-app:]` is a filter plus `next`; `set` and `get` move values between the globals and the
 * options. Where PasteDeploy dropped something silently, this fails or does what was meant; the
 * README lists each case.
 */
import { resolve } from 'node:path';
import {
  DeployError,
  codes,
  deployWarning,
  displayPath,
  type DeployWarning,
  type Where,
} from './errors.ts';
import { importExport, packageInstalled, parseModuleRef, type ModuleRef } from './modules.ts';
import {
  objectTypeOf,
  parseEntryPointName,
  taggedProtocol,
  type AvailableEntry,
  type ObjectType,
  type Protocol,
  type Registry,
} from './registry.ts';
import {
  sectionKind,
  type FileScope,
  type SectionInfo,
  type SectionKind,
  type Value,
  type Values,
} from './scope.ts';
import { closest } from './converters.ts';

/** How a leaf's target is to be called. `handler`/`middleware`: a ready object, no factory. */
export type LeafProtocol = Protocol | 'handler' | 'middleware';

/** What a leaf builds from. */
export type Target =
  | { readonly kind: 'entry'; readonly label: string; readonly entry: AvailableEntry }
  | { readonly kind: 'export'; readonly label: string; readonly value: unknown };

/** One factory call (or one ready object) with its options and globals. */
export interface Leaf {
  readonly type: 'leaf';
  readonly objectType: ObjectType;
  readonly protocol: LeafProtocol;
  readonly target: Target;
  readonly local: Values;
  readonly global: Values;
  /** The key that names the target (`use`, a pipeline item, …). */
  readonly where: Where;
  /** The section whose options these are (for missing-key messages). */
  readonly section: Where;
  readonly scope: FileScope;
  readonly stack: readonly string[];
}

/** A tree of things to build. */
export type Node =
  | Leaf
  | { readonly type: 'pipeline'; readonly app: Node; readonly filters: readonly Node[] }
  | { readonly type: 'filter-app'; readonly filter: Node; readonly next: Node }
  | {
      readonly type: 'filter-with';
      readonly objectType: 'app' | 'filter';
      readonly filter: Node;
      readonly inner: Node;
    };

/** What the resolver needs from the load session. */
export interface Session {
  readonly registry: Registry;
  /** Loads (once) and returns the scope of a config file entered with `vars`. */
  scope(path: string, vars: Values, where: Where): Promise<FileScope>;
  /** Records a file that, when changed, should reload the server. */
  watch(path: string): void;
  warn(warning: DeployWarning): void;
}

/** Where a reference is made from. */
export interface From {
  readonly scope: FileScope;
  /** The key holding the reference. */
  readonly where: Where;
  /** The globals of the referring section, handed down. */
  readonly global: Values;
  /** The protocol of `call:` (from the referring section's kind). */
  readonly callProtocol?: Protocol;
  readonly stack: readonly string[];
}

const SECTION_KINDS: Readonly<Record<ObjectType, readonly SectionKind[]>> = {
  app: ['app', 'composite', 'pipeline', 'filter-app'],
  filter: ['filter'],
  server: ['server'],
};

const OBJECT_WORDS: Readonly<Record<ObjectType, string>> = {
  app: 'an application',
  filter: 'a filter',
  server: 'a server',
};

const CALL_PROTOCOLS: Readonly<Record<SectionKind, Protocol>> = {
  app: 'app',
  composite: 'composite',
  filter: 'filter',
  // PasteDeploy looked for "paste.filter-app_factory" here and failed; a filter-app's filter is a
  // filter.
  'filter-app': 'filter',
  server: 'server',
  pipeline: 'app',
};

/** Built-in distributions whose missing names are reported as such, not looked up on npm. */
const KNOWN_DISTRIBUTIONS = ['Paste', 'PasteDeploy', 'PasteScript', 'WSGIProxy', 'wsgi_cache'];

const withoutLocation = (values: Values): Map<string, Value> => {
  const copy = new Map(values);
  copy.delete('here');
  copy.delete('__file__');
  return copy;
};

/** Resolves names and URIs into {@link Node}s. */
export class Resolver {
  readonly #session: Session;

  constructor(session: Session) {
    this.#session = session;
  }

  /** Resolves `reference` (a section name in `from.scope`, or a URI) as an object of `type`. */
  async reference(reference: string, type: ObjectType, from: From): Promise<Node> {
    const text = reference.trim();
    const scheme = /^([a-zA-Z]+):/.exec(text)?.[1];
    if (scheme === undefined) return this.section(from.scope, text, type, from);
    const rest = text.slice(scheme.length + 1);
    switch (scheme) {
      case 'config':
        return this.#config(rest, type, from);
      case 'egg':
        return this.#egg(text, type, from);
      case 'call':
        return this.#module(rest, type, from, 'call');
      case 'file':
      case 'npm':
        return this.#module(rest, type, from, scheme);
      default:
        throw new DeployError(
          codes.uri,
          from.where,
          `"${text}": unknown scheme "${scheme}:" (use a section name, config:, egg:, call:, file: or npm:)`,
        );
    }
  }

  /** Finds and resolves the section `name` of `type` in `scope`. */
  async section(scope: FileScope, name: string, type: ObjectType, from: From): Promise<Node> {
    const kinds = SECTION_KINDS[type];
    const found = [...scope.file.sections.values()].filter((section) => {
      const parsed = sectionKind(section.name);
      return parsed !== undefined && parsed.name === name && kinds.includes(parsed.kind);
    });
    if (found.length === 0) throw this.#notFound(scope, name, type, from.where);
    if (found.length > 1) {
      throw new DeployError(
        codes.ambiguous,
        from.where,
        `"${name}" names ${found.map((s) => `[${s.name}] (line ${s.line})`).join(' and ')} in ${displayPath(scope.path)}; rename one`,
      );
    }
    const [section] = found;
    if (section === undefined) throw this.#notFound(scope, name, type, from.where);
    const id = `${scope.path}\u0000${section.name}`;
    if (from.stack.includes(id)) {
      const names = [...from.stack, id].map((s) => `[${s.split('\u0000')[1] ?? s}]`);
      throw new DeployError(
        codes.section,
        from.where,
        `sections refer to each other in a loop: ${names.join(' → ')}`,
      );
    }
    const info = scope.read(section);
    return this.#fromSection(info, type, from.global, [...from.stack, id]);
  }

  async #fromSection(
    info: SectionInfo,
    type: ObjectType,
    passedDown: Values,
    stack: readonly string[],
  ): Promise<Node> {
    const { scope } = info;
    const global = new Map(scope.globals());
    for (const [name, value] of withoutLocation(passedDown)) global.set(name, value);
    for (const [name, value] of info.sets) global.set(name, value);
    const local = new Map(info.local);
    for (const [name, value] of info.gets) {
      const found = global.get(value.value);
      if (found === undefined) {
        throw new DeployError(
          codes.section,
          value.where,
          `there is no global "${value.value}" to get (not in [DEFAULT], a set key or the command line)`,
        );
      }
      local.set(name, { value: found.value, where: value.where });
    }
    if (info.require !== undefined) this.#require(info.require, scope);
    const from: From = {
      scope,
      where: info.where,
      global,
      callProtocol: CALL_PROTOCOLS[info.kind],
      stack,
    };
    let node: Node;
    if (info.kind === 'pipeline') node = await this.#pipeline(info, from);
    else if (info.kind === 'filter-app') {
      if (info.next === undefined) {
        throw new DeployError(
          codes.section,
          info.where,
          'a [filter-app:] section needs next = APP, the application it wraps',
        );
      }
      const next = await this.reference(info.next.value, 'app', {
        ...from,
        where: info.next.where,
      });
      const filter = await this.#named(info, 'filter', local, from);
      node = { type: 'filter-app', filter, next };
    } else {
      node = await this.#named(info, type, local, from);
    }
    if (info.filterWith !== undefined && type !== 'server') {
      const filter = await this.reference(info.filterWith.value, 'filter', {
        ...from,
        where: info.filterWith.where,
      });
      node = { type: 'filter-with', objectType: type, filter, inner: node };
    }
    return node;
  }

  async #pipeline(info: SectionInfo, from: From): Promise<Node> {
    const extra = [...info.local.values(), ...info.gets.values(), ...(info.use ? [info.use] : [])];
    const first = extra[0] ?? info.protocolKeys[0]?.value;
    if (first !== undefined) {
      throw new DeployError(
        codes.section,
        first.where,
        'a [pipeline:] section takes only pipeline (and set, filter-with); give options to the sections it names',
      );
    }
    if (info.pipeline === undefined) {
      throw new DeployError(
        codes.section,
        info.where,
        'a [pipeline:] section needs pipeline = FILTER … APP',
      );
    }
    const items = info.pipeline.value.split(/\s+/).filter((item) => item !== '');
    const appName = items.pop();
    if (appName === undefined) {
      throw new DeployError(
        codes.section,
        info.pipeline.where,
        'the pipeline is empty: it needs at least an application',
      );
    }
    const at = { ...from, where: info.pipeline.where };
    const app = await this.reference(appName, 'app', at);
    const filters: Node[] = [];
    for (const item of items) filters.push(await this.reference(item, 'filter', at));
    return { type: 'pipeline', app, filters };
  }

  /** The object a section names with `use` or an explicit protocol key, with its options applied. */
  async #named(info: SectionInfo, type: ObjectType, local: Values, from: From): Promise<Node> {
    const [explicit, another] = info.protocolKeys;
    if (another !== undefined) {
      throw new DeployError(
        codes.section,
        another.value.where,
        'a section may name only one factory protocol',
      );
    }
    if (info.use !== undefined && explicit !== undefined) {
      throw new DeployError(
        codes.section,
        explicit.value.where,
        'a section has either use or a paste.*_factory key, not both',
      );
    }
    if (explicit !== undefined) {
      const where = explicit.value.where;
      if (objectTypeOf(explicit.protocol) !== type) {
        throw new DeployError(
          codes.kind,
          where,
          `this protocol builds ${OBJECT_WORDS[objectTypeOf(explicit.protocol)]}, but the section needs ${OBJECT_WORDS[type]}`,
        );
      }
      const ref = parseModuleRef(explicit.value.value.replace(/^(?:file|npm):/, ''));
      if (ref === undefined || /^[\w.]+:\w/.test(explicit.value.value)) {
        throw this.#badModule(explicit.value.value, where);
      }
      const imported = await this.#import(ref, from.scope, where, explicit.value.value);
      if (typeof imported.value !== 'function') {
        throw new DeployError(codes.export, where, `${imported.label} is not a function`);
      }
      return this.#leaf(
        type,
        explicit.protocol,
        { kind: 'export', label: imported.label, value: imported.value },
        { ...from, where },
        local,
      );
    }
    if (info.use === undefined) {
      throw new DeployError(
        codes.section,
        info.where,
        `the section needs use = … to say what it is (a section name, egg:, config:, call:, file: or npm:)`,
      );
    }
    const node = await this.reference(info.use.value, type, { ...from, where: info.use.where });
    return this.#override(node, local, info.sets);
  }

  /** Applies a `use`-ing section's own options and `set` keys over what it uses. */
  #override(node: Node, local: Values, sets: Values): Node {
    if (node.type === 'leaf') {
      return {
        ...node,
        local: new Map([...node.local, ...local]),
        global: new Map([...node.global, ...sets]),
      };
    }
    if (node.type === 'filter-with')
      return { ...node, inner: this.#override(node.inner, local, sets) };
    const first = [...local.values()][0];
    if (first !== undefined) {
      throw new DeployError(
        codes.section,
        first.where,
        `the section uses a ${node.type}, which takes no options of its own`,
      );
    }
    return node;
  }

  #leaf(
    type: ObjectType,
    protocol: LeafProtocol,
    target: Target,
    from: From,
    local: Values = new Map(),
  ): Leaf {
    return {
      type: 'leaf',
      objectType: type,
      protocol,
      target,
      local,
      global: from.global,
      where: from.where,
      section: {
        file: from.where.file,
        ...(from.where.section === undefined ? {} : { section: from.where.section }),
      },
      scope: from.scope,
      stack: from.stack,
    };
  }

  async #config(rest: string, type: ObjectType, from: From): Promise<Node> {
    const hash = rest.indexOf('#');
    let path = decodeURIComponent(hash === -1 ? rest : rest.slice(0, hash));
    const name = hash === -1 ? 'main' : rest.slice(hash + 1).trim();
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '' || name === '') {
      throw new DeployError(
        codes.uri,
        from.where,
        `"config:${rest}" needs a path: config:FILE or config:FILE#NAME`,
      );
    }
    const absolute = resolve(from.scope.dir, path);
    const vars = withoutLocation(from.global);
    const scope = await this.#session.scope(absolute, vars, from.where);
    return this.section(scope, name, type, { ...from, scope });
  }

  async #egg(text: string, type: ObjectType, from: From): Promise<Node> {
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
      return this.#leaf(type, entry.protocol, { kind: 'entry', label, entry }, from);
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

  async #module(
    rest: string,
    type: ObjectType,
    from: From,
    scheme: 'call' | 'file' | 'npm',
  ): Promise<Node> {
    const text = `${scheme}:${rest}`;
    if (scheme === 'call' && /^[\w.]+:[\w.]+$/.test(rest)) {
      throw this.#badModule(text, from.where);
    }
    const ref = parseModuleRef(rest, scheme === 'call' ? undefined : scheme);
    if (ref === undefined) throw this.#badModule(text, from.where);
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
    this.#checkKind(protocol, type, text, from.where);
    return this.#leaf(type, protocol, { kind: 'export', label: text, value: imported.value }, from);
  }

  /** A `file:`/`npm:` export: a ready Handler or Middleware, or a tagged factory. */
  async #object(ref: ModuleRef, label: string, type: ObjectType, from: From): Promise<Node> {
    const imported = await this.#import(ref, from.scope, from.where, label);
    let { value } = imported;
    const tagged = taggedProtocol(value);
    if (tagged !== undefined) {
      this.#checkKind(tagged, type, label, from.where);
      return this.#leaf(type, tagged, { kind: 'export', label, value }, from);
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
    return this.#leaf(
      type,
      type === 'app' ? 'handler' : 'middleware',
      { kind: 'export', label, value },
      from,
    );
  }

  #checkKind(protocol: Protocol, type: ObjectType, label: string, where: Where): void {
    if (objectTypeOf(protocol) !== type) {
      throw new DeployError(
        codes.kind,
        where,
        `${label} is ${OBJECT_WORDS[objectTypeOf(protocol)]} (${protocol} factory), but this place needs ${OBJECT_WORDS[type]}`,
      );
    }
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

  #badModule(text: string, where: Where): DeployError {
    return new DeployError(
      codes.uri,
      where,
      `"${text}" is not a module reference: write file:./module.js#export, npm:package#export or call:./module.js#factory (Python module paths do not apply)`,
    );
  }

  #require(require: Value, scope: FileScope): void {
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

  #notFound(scope: FileScope, name: string, type: ObjectType, where: Where): DeployError {
    const names: string[] = [];
    const strays: string[] = [];
    for (const section of scope.file.sections.values()) {
      const parsed = sectionKind(section.name);
      if (parsed !== undefined && SECTION_KINDS[type].includes(parsed.kind))
        names.push(parsed.name);
      else if (
        parsed === undefined &&
        section.name.includes(':') &&
        section.name.split(':')[1]?.trim() === name
      ) {
        strays.push(section.name);
      }
    }
    const near = closest(name, names);
    const hints = [
      near === undefined ? undefined : `did you mean "${near}"?`,
      strays.length > 0
        ? `[${strays.join('], [')}] has a prefix the loader does not know (app, application, composite, filter, filter-app, pipeline, server)`
        : undefined,
      names.length > 0
        ? `it has ${names.map((n) => `"${n}"`).join(', ')}`
        : `it has no ${SECTION_KINDS[type].join('/')} sections`,
    ].filter((h) => h !== undefined);
    return new DeployError(
      codes.notFound,
      where,
      `there is no ${OBJECT_WORDS[type].replace(/^an? /, '')} named "${name}" in ${displayPath(scope.path)} (${hints.join('; ')})`,
    );
  }
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
