/**
 * One config file as the loader sees it: its parsed text, the variables handed down to it, its
 * `[DEFAULT]` (interpolated), and each section read into its special keys, its local options, its
 * `set`/`get` keys — with every value interpolated and carrying where it was written.
 *
 * Interpolation sees, first to last: the section's own keys; the variables handed down to the
 * file (command-line `name=value`, or for a file loaded through `config:`, the globals of the
 * section that loaded it); the file's `[DEFAULT]`; `here` and `__file__` (this file's directory
 * and path). PasteDeploy let `[DEFAULT]` win over the command line for interpolation while the
 * command line won in `global_conf`; here both agree.
 */
import { dirname } from 'node:path';
import type { Where } from './errors.ts';
import { interpolate, type Variable, type Variables } from './interpolate.ts';
import type { IniEntry, IniFile, IniSection } from './parser.ts';
import type { Protocol } from './registry.ts';

/** A value with where it was written. */
export interface Value {
  readonly value: string;
  readonly where: Where;
}

/** Values by name. */
export type Values = ReadonlyMap<string, Value>;

/** The section kinds, with PasteDeploy's alternative spellings folded in. */
export type SectionKind = 'app' | 'composite' | 'filter' | 'server' | 'pipeline' | 'filter-app';

const PREFIXES: Readonly<Record<string, SectionKind>> = {
  app: 'app',
  application: 'app',
  composite: 'composite',
  composit: 'composite',
  filter: 'filter',
  server: 'server',
  pipeline: 'pipeline',
  'filter-app': 'filter-app',
};

/** The explicit protocol keys PasteDeploy accepts instead of `use`. */
export const PROTOCOL_KEYS: Readonly<Record<string, Protocol>> = {
  'paste.app_factory': 'app',
  'paste.composite_factory': 'composite',
  'paste.composit_factory': 'composite',
  'paste.filter_factory': 'filter',
  'paste.filter_app_factory': 'filter-app',
  'paste.server_factory': 'server',
  'paste.server_runner': 'server-runner',
};

/**
 * The kind and name of a section header: `app:main`, `app: main`, and a bare `app` (which the
 * PasteDeploy docs promise means `app:main`). `undefined` for sections the loader ignores.
 */
export function sectionKind(header: string): { kind: SectionKind; name: string } | undefined {
  const colon = header.indexOf(':');
  const prefix = colon === -1 ? header : header.slice(0, colon);
  const kind = PREFIXES[prefix];
  if (kind === undefined) return undefined;
  return { kind, name: colon === -1 ? 'main' : header.slice(colon + 1).trim() };
}

/** A section read for the loader. */
export interface SectionInfo {
  readonly scope: FileScope;
  readonly section: IniSection;
  readonly kind: SectionKind;
  /** The place of the header. */
  readonly where: Where;
  readonly use: Value | undefined;
  readonly filterWith: Value | undefined;
  readonly next: Value | undefined;
  readonly pipeline: Value | undefined;
  readonly require: Value | undefined;
  readonly protocolKeys: readonly { readonly protocol: Protocol; readonly value: Value }[];
  /** `set NAME = value`: by NAME. */
  readonly sets: Values;
  /** `get LOCAL = GLOBAL`: by LOCAL, the value being the global's name. */
  readonly gets: Values;
  /** Every other key. */
  readonly local: Values;
}

/** A parsed file with the variables it was entered with. */
export class FileScope {
  readonly file: IniFile;
  /** The absolute path. */
  readonly path: string;
  readonly dir: string;
  readonly #vars: Values;
  #globals: Map<string, Value> | undefined;

  constructor(file: IniFile, vars: Values) {
    this.file = file;
    this.path = file.path;
    this.dir = dirname(file.path);
    this.#vars = vars;
  }

  #builtin(name: 'here' | '__file__'): Variable {
    return {
      raw: name === 'here' ? this.dir : this.path,
      where: { file: this.path, key: name },
      interpolate: false,
    };
  }

  /** The lookup `%(name)s` uses inside `section` (or in `[DEFAULT]` when none is given). */
  variables(section?: IniSection): Variables {
    return (name) => {
      const own = section?.entries.get(name);
      if (own !== undefined) return this.#variable(section, own);
      const handed = this.#vars.get(name);
      if (handed !== undefined)
        return { raw: handed.value, where: handed.where, interpolate: false };
      const fallback = this.file.defaults.get(name);
      if (fallback !== undefined) return this.#variable(undefined, fallback);
      if (name === 'here' || name === '__file__') return this.#builtin(name);
      return undefined;
    };
  }

  #variable(section: IniSection | undefined, entry: IniEntry): Variable {
    return { raw: entry.raw, where: this.entryWhere(section, entry) };
  }

  /** Where `entry` of `section` (or of `[DEFAULT]`) is written. */
  entryWhere(section: IniSection | undefined, entry: IniEntry): Where {
    return {
      file: this.path,
      line: entry.line,
      section: section?.name ?? 'DEFAULT',
      key: entry.key,
    };
  }

  /** The interpolated value of `entry`. */
  value(section: IniSection | undefined, entry: IniEntry): Value {
    const where = this.entryWhere(section, entry);
    const value = interpolate(
      entry.raw,
      where,
      this.variables(section),
      ', nor given on the command line (trowel serve config.ini name=value)',
    );
    return { value, where };
  }

  /**
   * The file's globals: `here` and `__file__`, then `[DEFAULT]` (interpolated), then the variables
   * handed down.
   */
  globals(): Values {
    if (this.#globals !== undefined) return this.#globals;
    const globals = new Map<string, Value>();
    for (const name of ['here', '__file__'] as const) {
      const builtin = this.#builtin(name);
      globals.set(name, { value: builtin.raw, where: builtin.where });
    }
    for (const entry of this.file.defaults.values())
      globals.set(entry.key, this.value(undefined, entry));
    for (const [name, value] of this.#vars) globals.set(name, value);
    this.#globals = globals;
    return globals;
  }

  /** Reads `section` into its special keys, `set`/`get` keys and local options. */
  read(section: IniSection): SectionInfo {
    const parsed = sectionKind(section.name);
    if (parsed === undefined) throw new Error(`[${section.name}] is not a loader section`);
    const { kind } = parsed;
    const where: Where = { file: this.path, line: section.line, section: section.name };
    const sets = new Map<string, Value>();
    const gets = new Map<string, Value>();
    const local = new Map<string, Value>();
    const protocolKeys: { protocol: Protocol; value: Value }[] = [];
    const special: Record<string, Value | undefined> = {};
    const specialKeys = new Set(['use', 'require']);
    if (kind !== 'server') specialKeys.add('filter-with');
    if (kind === 'filter-app') specialKeys.add('next');
    if (kind === 'pipeline') specialKeys.add('pipeline');
    for (const entry of section.entries.values()) {
      const value = this.value(section, entry);
      const { key } = entry;
      // The parser trims keys, so "set NAME" always has a name here; a bare "set" is a plain key.
      const setGet = /^(set|get)\s+(.+)$/.exec(key);
      if (setGet) {
        (setGet[1] === 'set' ? sets : gets).set(setGet[2] ?? '', value);
      } else if (specialKeys.has(key)) {
        special[key] = value;
      } else if (key in PROTOCOL_KEYS) {
        protocolKeys.push({ protocol: PROTOCOL_KEYS[key] ?? 'app', value });
      } else {
        local.set(key, value);
      }
    }
    return {
      scope: this,
      section,
      kind,
      where,
      use: special['use'],
      filterWith: special['filter-with'],
      next: special['next'],
      pipeline: special['pipeline'],
      require: special['require'],
      protocolKeys,
      sets,
      gets,
      local,
    };
  }
}
