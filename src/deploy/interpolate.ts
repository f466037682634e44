/**
 * `%(name)s` interpolation, as ConfigParser's BasicInterpolation does it: a reference is replaced
 * by the named value, itself interpolated against the same variables; `%%` is a literal `%`.
 *
 * One difference, so that a URL such as `http://x/%7Efoo` needs no escaping: a `%` followed by
 * anything other than `%` or `(` is kept as it is (ConfigParser refuses the value). `%(` that does
 * not form `%(name)s` is an error, as are a missing name and a reference loop.
 */
import { DeployError, codes, formatWhere, type Where } from './errors.ts';

/** A value that a reference can name. */
export interface Variable {
  /** The value, not yet interpolated. */
  readonly raw: string;
  /** Where it is defined, for error messages. */
  readonly where: Where;
  /** False for values that are literal (command-line variables, `here`): never interpolated. */
  readonly interpolate?: boolean;
}

/** Finds the variable a reference names; `undefined` when there is none. */
export type Variables = (name: string) => Variable | undefined;

const REFERENCE = /^%\(([^)]+)\)s/;

/**
 * Expands `%(name)s` and `%%` in `raw`.
 *
 * @param hint Added to the message when a name is missing (where the user could define it).
 * @throws {DeployError} `TROWEL_ERR_DEPLOY_INTERPOLATION` for a malformed reference, a missing
 * name or a loop, naming `where`.
 *
 * @example
 * ```ts
 * import { interpolate } from 'trowel/deploy';
 * const vars = new Map([['here', { raw: '/srv/site', where: { file: 'site.ini' } }]]);
 * interpolate('%(here)s/htdocs', { file: 'site.ini' }, (name) => vars.get(name)); // '/srv/site/htdocs'
 * ```
 */
export function interpolate(raw: string, where: Where, lookup: Variables, hint = ''): string {
  return expand(raw, where, lookup, hint, []);
}

function expand(
  raw: string,
  where: Where,
  lookup: Variables,
  hint: string,
  chain: readonly string[],
): string {
  let out = '';
  let rest = raw;
  for (;;) {
    const at = rest.indexOf('%');
    if (at === -1) return out + rest;
    out += rest.slice(0, at);
    rest = rest.slice(at);
    const next = rest[1];
    if (next === '%') {
      out += '%';
      rest = rest.slice(2);
      continue;
    }
    if (next !== '(') {
      out += '%';
      rest = rest.slice(1);
      continue;
    }
    const match = REFERENCE.exec(rest);
    if (match === null) {
      throw new DeployError(
        codes.interpolation,
        where,
        `"${rest.slice(0, 40)}" is not a reference: write %(name)s, or %% for a literal %`,
      );
    }
    const name = match[1] ?? '';
    rest = rest.slice(match[0].length);
    if (chain.includes(name)) {
      throw new DeployError(
        codes.interpolation,
        where,
        `%(${name})s refers back to itself: ${[...chain, name].join(' → ')}`,
      );
    }
    const variable = lookup(name);
    if (variable === undefined) {
      const via = chain.length > 0 ? ` (through ${chain.map((c) => `%(${c})s`).join(', ')})` : '';
      throw new DeployError(
        codes.interpolation,
        where,
        `%(${name})s${via} names nothing: "${name}" is not set in this section or in [DEFAULT]${hint}`,
      );
    }
    if (variable.interpolate === false || !variable.raw.includes('%')) {
      out += variable.raw;
      continue;
    }
    try {
      out += expand(variable.raw, where, lookup, hint, [...chain, name]);
    } catch (error) {
      // A mistake inside the named value is reported where that value is written.
      if (error instanceof DeployError && chain.length === 0 && variable.where !== where) {
        throw new DeployError(
          codes.interpolation,
          where,
          `${error.detail} (in the value of %(${name})s, ${formatWhere(variable.where)})`,
        );
      }
      throw error;
    }
  }
}
