/**
 * The INI dialect of PasteDeploy: Python's `configparser.ConfigParser` in strict mode with
 * case-sensitive keys (`optionxform = str`). This is the one place trowel reads config text.
 *
 * What it accepts, as ConfigParser does:
 *
 * - `[section]` headers; `[DEFAULT]` holds the defaults and may appear more than once.
 * - `key = value` and `key: value`, split at the first `=` or `:`; the key and value are trimmed.
 * - Continuation lines: a line indented deeper than its key line continues the value (joined with
 *   `\n`); blank lines inside a value are kept, trailing ones dropped.
 * - Full-line comments starting with `#` or `;` (also inside a continued value). There are no
 *   inline comments: `a = b ; c` is the value `b ; c`, and `egg:Paste#http` keeps its `#`.
 * - Duplicate sections, or a key twice in one section, are errors.
 *
 * Where it differs, it is louder or does what the author meant: text after a section's closing `]`
 * is an error (ConfigParser ignores it), and a key that starts with `http://` or `https://` keeps
 * its colon, so urlmap's `http://host/path = app` is read whole (ConfigParser reads the key
 * `http`). Values are kept raw here; `%(name)s` is expanded by {@link interpolate}.
 *
 * Not for: INI files of other tools with other rules (inline comments, typed values); parse those
 * with a parser made for them.
 */
import { DeployError, codes } from './errors.ts';

/** One `key = value` as written. */
export interface IniEntry {
  /** The key, trimmed, case preserved. */
  readonly key: string;
  /** The value, trimmed, continuation lines joined with `\n`, not interpolated. */
  readonly raw: string;
  /** The line the key is on (1-based). */
  readonly line: number;
}

/** One `[section]` with its entries in file order. */
export interface IniSection {
  /** The name between the brackets, as written. */
  readonly name: string;
  /** The line of the header. */
  readonly line: number;
  readonly entries: ReadonlyMap<string, IniEntry>;
}

/** A parsed file. */
export interface IniFile {
  /** The path given to {@link parseIni}, used in error messages. */
  readonly path: string;
  /** The `[DEFAULT]` entries (all `[DEFAULT]` blocks together). */
  readonly defaults: ReadonlyMap<string, IniEntry>;
  /** Every other section, in file order. */
  readonly sections: ReadonlyMap<string, IniSection>;
}

/** The name of the defaults section. */
export const DEFAULT_SECTION = 'DEFAULT';

interface Building {
  readonly name: string;
  readonly line: number;
  readonly entries: Map<string, { key: string; lines: string[]; line: number }>;
}

function syntax(path: string, line: number, section: string | undefined, detail: string): never {
  throw new DeployError(
    codes.syntax,
    section === undefined ? { file: path, line } : { file: path, line, section },
    detail,
  );
}

/** Splits a key line at its delimiter; `undefined` when it has none. */
export function splitKeyLine(text: string): { key: string; value: string } | undefined {
  let from = 0;
  // A urlmap key may be a URL; its "://" is not the delimiter. The URL ends at the first "=", or
  // at a ":" followed by a space.
  const url = /^https?:\/\//i.exec(text);
  if (url) {
    const eq = text.indexOf('=', url[0].length);
    const colon = /:(?=\s|$)/.exec(text.slice(url[0].length));
    const at = eq !== -1 ? eq : colon === null ? -1 : colon.index + url[0].length;
    if (at === -1) return undefined;
    return { key: text.slice(0, at).trimEnd(), value: text.slice(at + 1).trim() };
  }
  while (from < text.length && text[from] !== '=' && text[from] !== ':') from++;
  if (from === text.length) return undefined;
  return { key: text.slice(0, from).trimEnd(), value: text.slice(from + 1).trim() };
}

/**
 * Parses INI text.
 *
 * @throws {DeployError} `TROWEL_ERR_DEPLOY_SYNTAX` naming the file, line and section: a key before
 * any section, a line that is neither a section, a key, a comment nor a continuation, an empty
 * key or section name, text after `]`, a duplicate section or key.
 *
 * @example
 * ```ts
 * import { parseIni } from 'trowel/deploy';
 * const file = parseIni('[app:main]\nuse = egg:Paste#static\n', 'site.ini');
 * file.sections.get('app:main')?.entries.get('use')?.raw; // 'egg:Paste#static'
 * ```
 */
export function parseIni(text: string, path: string): IniFile {
  const defaults: Building = { name: DEFAULT_SECTION, line: 0, entries: new Map() };
  const sections = new Map<string, Building>();
  let current: Building | undefined;
  let option: { key: string; lines: string[]; line: number } | undefined;
  let indentLevel = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index++) {
    const lineNo = index + 1;
    const line = lines[index] ?? '';
    const stripped = line.trim();
    const isComment = stripped.startsWith('#') || stripped.startsWith(';');
    if (stripped === '' || isComment) {
      // A blank line inside a value is part of it (ConfigParser's empty_lines_in_values); a
      // comment line is skipped without ending the value.
      if (!isComment && option !== undefined) option.lines.push('');
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (current !== undefined && option !== undefined && indent > indentLevel) {
      option.lines.push(stripped);
      continue;
    }
    indentLevel = indent;
    if (stripped.startsWith('[')) {
      const close = stripped.lastIndexOf(']');
      if (close === -1) syntax(path, lineNo, current?.name, `"${stripped}" has no closing "]"`);
      if (close !== stripped.length - 1) {
        syntax(path, lineNo, current?.name, `text after "]" in "${stripped}"`);
      }
      const name = stripped.slice(1, -1);
      if (name.trim() === '') syntax(path, lineNo, current?.name, 'a section name is empty');
      option = undefined;
      if (name === DEFAULT_SECTION) {
        current = defaults;
        continue;
      }
      const seen = sections.get(name);
      if (seen !== undefined) {
        syntax(path, lineNo, name, `section [${name}] is already defined on line ${seen.line}`);
      }
      current = { name, line: lineNo, entries: new Map() };
      sections.set(name, current);
      continue;
    }
    if (current === undefined) {
      syntax(path, lineNo, undefined, `"${stripped}" comes before any [section] header`);
    }
    const split = splitKeyLine(stripped);
    if (split === undefined) {
      syntax(
        path,
        lineNo,
        current.name,
        `"${stripped}" is not "key = value", a [section], a comment or an indented continuation`,
      );
    }
    if (split.key === '') syntax(path, lineNo, current.name, `"${stripped}" has no key`);
    const previous = current.entries.get(split.key);
    if (previous !== undefined) {
      throw new DeployError(
        codes.syntax,
        { file: path, line: lineNo, section: current.name, key: split.key },
        `the key is already set on line ${previous.line}`,
      );
    }
    option = { key: split.key, lines: [split.value], line: lineNo };
    current.entries.set(split.key, option);
  }
  const freeze = (building: Building): Map<string, IniEntry> =>
    new Map(
      [...building.entries].map(([key, entry]) => [
        key,
        { key, raw: entry.lines.join('\n').trimEnd(), line: entry.line },
      ]),
    );
  return {
    path,
    defaults: freeze(defaults),
    sections: new Map(
      [...sections].map(([name, s]) => [name, { name, line: s.line, entries: freeze(s) }]),
    ),
  };
}
