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
import { closest } from './values.ts';
import { DeployError, codes, displayPath, type DeployWarning, type Where } from './errors.ts';
import type { ObjectType, Protocol, Registry } from './registry.ts';
import {
  sectionKind,
  type FileScope,
  type SectionInfo,
  type SectionKind,
  type Value,
  type Values,
} from './scope.ts';
import { OBJECT_WORDS, Targets, type Found, type LeafProtocol, type Target } from './targets.ts';

export type { LeafProtocol, Target } from './targets.ts';

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

const withoutLocation = (values: Values): Map<string, Value> => {
  const copy = new Map(values);
  copy.delete('here');
  copy.delete('__file__');
  return copy;
};

/** Resolves names and URIs into {@link Node}s. */
export class Resolver {
  readonly #session: Session;
  readonly #targets: Targets;

  constructor(session: Session) {
    this.#session = session;
    this.#targets = new Targets(session);
  }

  #found({ protocol, target }: Found, type: ObjectType, from: From): Leaf {
    return this.#leaf(type, protocol, target, from);
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
        return this.#found(await this.#targets.egg(text, type, from), type, from);
      case 'call':
        return this.#found(await this.#targets.module(rest, type, from, 'call'), type, from);
      case 'file':
      case 'npm':
        return this.#found(await this.#targets.module(rest, type, from, scheme), type, from);
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
    if (info.require !== undefined) this.#targets.require(info.require, scope);
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
      const { protocol, target } = await this.#targets.explicit(
        explicit.protocol,
        explicit.value,
        type,
        from,
      );
      return this.#leaf(type, protocol, target, { ...from, where }, local);
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
