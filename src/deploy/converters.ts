/**
 * Typed reading of config values. Every value in a deploy config is a string (as in PasteDeploy);
 * a factory turns the ones it takes into booleans, integers, lists, byte sizes, durations and paths
 * with these functions, which fail with a {@link DeployError} naming the file, line, section and key
 * of the bad value — Paste's `asbool`/`asint`/`aslist`, with the place added.
 *
 * Options and global settings reach factories as {@link Settings}: plain frozen string records that
 * also remember where each value was written (see {@link settingWhere}).
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { isConfigError } from '../core/config-error.ts';
import { DeployError, codes, deployWarning, type DeployWarning, type Where } from './errors.ts';
import { closest, parseBool, parseDuration, parseInteger, parseList, parseSize } from './values.ts';

/** Options or global settings, as a factory receives them: string values, read-only. */
export type Settings = Readonly<Record<string, string>>;

const SOURCES = Symbol.for('trowel.deploy.sources');
const CONTEXT = Symbol.for('trowel.deploy.settings-context');

/**
 * Makes {@link Settings} from values and where each was written.
 *
 * @example
 * ```ts
 * import { makeSettings, asInt } from 'trowel/deploy';
 * const options = makeSettings({ port: '8080' }, { port: { file: 'site.ini', section: 'server:main', key: 'port' } });
 * asInt(options, 'port'); // 8080
 * ```
 */
export function makeSettings(
  values: Readonly<Record<string, string>>,
  sources: Readonly<Record<string, Where>> = {},
  context: SettingsContext = {},
): Settings {
  const settings: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [key, value] of Object.entries(values)) settings[key] = value;
  Object.defineProperty(settings, SOURCES, { value: { ...sources } });
  Object.defineProperty(settings, CONTEXT, { value: context });
  return Object.freeze(settings);
}

/** What settings know beyond their values. */
export interface SettingsContext {
  /** The section the settings belong to, for messages about keys that are missing. */
  readonly section?: Where;
  /** Where {@link warnSetting} reports. @default console.warn */
  readonly warn?: (warning: DeployWarning) => void;
}

function contextOf(settings: Settings): SettingsContext {
  return (settings as { [CONTEXT]?: SettingsContext })[CONTEXT] ?? {};
}

/**
 * Reports that `key` loads but will not do what its author may think (an option trowel accepts
 * and ignores, say), through the loader's `onWarning`.
 *
 * @example
 * ```ts
 * import { makeSettings, warnSetting } from 'trowel/deploy';
 * const options = makeSettings({ threadpool_workers: '20' });
 * warnSetting(options, 'threadpool_workers', 'TROWEL_WARN_DEPLOY_IGNORED', 'ignored: use --workers');
 * ```
 */
export function warnSetting(settings: Settings, key: string, code: string, detail: string): void {
  const warning = deployWarning(code, settingWhere(settings, key), detail);
  const warn = contextOf(settings).warn;
  if (warn === undefined) console.warn(`trowel: warning: ${warning.message}`);
  else warn(warning);
}

/** Where `key` of `settings` was written; a bare description when unknown. */
export function settingWhere(settings: Settings, key: string): Where {
  const sources = (settings as { [SOURCES]?: Record<string, Where> })[SOURCES];
  return sources?.[key] ?? { file: 'the options', key };
}

function bad(settings: Settings, key: string, detail: string): DeployError {
  return new DeployError(codes.value, settingWhere(settings, key), detail);
}

/** Options of the converters that take a range. */
export interface RangeOptions {
  /** Returned when the key is absent. @default undefined */
  readonly fallback?: number;
  /** The smallest value accepted. @default -Infinity */
  readonly min?: number;
  /** The largest value accepted. @default Infinity */
  readonly max?: number;
}

function inRange(
  settings: Settings,
  key: string,
  value: number,
  options: RangeOptions,
  shown: string,
): number {
  const { min = -Infinity, max = Infinity } = options;
  if (value < min || value > max) {
    const range =
      min === -Infinity
        ? `at most ${max}`
        : max === Infinity
          ? `at least ${min}`
          : `from ${min} to ${max}`;
    throw bad(settings, key, `must be ${range}, got ${shown}`);
  }
  return value;
}

/**
 * The boolean value of `key` (Paste's words, see {@link parseBool}), or `fallback` when absent.
 *
 * @throws {DeployError} `TROWEL_ERR_DEPLOY_VALUE` for any other word.
 * @example
 * ```ts
 * import { asBool, makeSettings } from 'trowel/deploy';
 * asBool(makeSettings({ debug: 'yes' }), 'debug', false); // true
 * ```
 */
export function asBool(settings: Settings, key: string, fallback: boolean): boolean;
export function asBool(settings: Settings, key: string): boolean | undefined;
export function asBool(settings: Settings, key: string, fallback?: boolean): boolean | undefined {
  const value = settings[key];
  if (value === undefined) return fallback;
  const parsed = parseBool(value);
  if (parsed === undefined) {
    throw bad(settings, key, `expected true or false (yes/no, on/off, 1/0), got "${value}"`);
  }
  return parsed;
}

/**
 * The integer value of `key`, or `options.fallback` when absent.
 *
 * @throws {DeployError} `TROWEL_ERR_DEPLOY_VALUE` for a non-integer or one out of range.
 * @example
 * ```ts
 * import { asInt, makeSettings } from 'trowel/deploy';
 * asInt(makeSettings({ port: '8080' }), 'port', { min: 0, max: 65535 }); // 8080
 * ```
 */
export function asInt(
  settings: Settings,
  key: string,
  options: RangeOptions & { readonly fallback: number },
): number;
export function asInt(settings: Settings, key: string, options?: RangeOptions): number | undefined;
export function asInt(
  settings: Settings,
  key: string,
  options: RangeOptions = {},
): number | undefined {
  const value = settings[key];
  if (value === undefined) return options.fallback;
  const parsed = parseInteger(value);
  if (parsed === undefined) throw bad(settings, key, `expected an integer, got "${value}"`);
  return inRange(settings, key, parsed, options, value);
}

/**
 * The byte count of `key` (see {@link parseSize}), or `options.fallback` when absent.
 *
 * @throws {DeployError} `TROWEL_ERR_DEPLOY_VALUE` for a value that is not a size, or out of range.
 * @example
 * ```ts
 * import { asSize, makeSettings } from 'trowel/deploy';
 * asSize(makeSettings({ max_body_size: '10m' }), 'max_body_size'); // 10485760
 * ```
 */
export function asSize(
  settings: Settings,
  key: string,
  options: RangeOptions & { readonly fallback: number },
): number;
export function asSize(settings: Settings, key: string, options?: RangeOptions): number | undefined;
export function asSize(
  settings: Settings,
  key: string,
  options: RangeOptions = {},
): number | undefined {
  const value = settings[key];
  if (value === undefined) return options.fallback;
  const parsed = parseSize(value);
  if (parsed === undefined) {
    throw bad(settings, key, `expected a size such as 512, 64k, 10m or 1g, got "${value}"`);
  }
  return inRange(settings, key, parsed, options, value);
}

/** Options of {@link asDuration}. */
export interface DurationOptions extends RangeOptions {
  /** The unit of a bare number. @default 's' */
  readonly bareUnit?: 's' | 'ms';
}

/**
 * The duration of `key` in milliseconds (see {@link parseDuration}), or `options.fallback`.
 *
 * @throws {DeployError} `TROWEL_ERR_DEPLOY_VALUE` for a value that is not a duration, or out of range.
 * @example
 * ```ts
 * import { asDuration, makeSettings } from 'trowel/deploy';
 * asDuration(makeSettings({ timeout: '1m30s' }), 'timeout'); // 90000
 * ```
 */
export function asDuration(
  settings: Settings,
  key: string,
  options: DurationOptions & { readonly fallback: number },
): number;
export function asDuration(
  settings: Settings,
  key: string,
  options?: DurationOptions,
): number | undefined;
export function asDuration(
  settings: Settings,
  key: string,
  options: DurationOptions = {},
): number | undefined {
  const value = settings[key];
  if (value === undefined) return options.fallback;
  const parsed = parseDuration(value, options.bareUnit);
  if (parsed === undefined) {
    throw bad(
      settings,
      key,
      `expected a duration such as 30 (seconds), 500ms, 30s, 5m or 1h, got "${value}"`,
    );
  }
  return inRange(settings, key, parsed, options, value);
}

/**
 * The list value of `key` split on whitespace (or commas), or `fallback` when absent.
 *
 * @example
 * ```ts
 * import { asList, makeSettings } from 'trowel/deploy';
 * asList(makeSettings({ methods: 'GET POST' }), 'methods'); // ['GET', 'POST']
 * ```
 */
export function asList(
  settings: Settings,
  key: string,
  options: {
    readonly separator?: 'whitespace' | 'comma';
    readonly fallback?: readonly string[];
  } = {},
): string[] {
  const value = settings[key];
  if (value === undefined) return [...(options.fallback ?? [])];
  return parseList(value, options.separator);
}

/**
 * The value of `key`, which must be present (and, unless `allowEmpty`, not empty).
 *
 * @throws {DeployError} `TROWEL_ERR_DEPLOY_OPTION` when it is missing.
 * @example
 * ```ts
 * import { asString, makeSettings } from 'trowel/deploy';
 * asString(makeSettings({ address: 'http://127.0.0.1:9000/' }), 'address');
 * ```
 */
export function asString(
  settings: Settings,
  key: string,
  options: { readonly what?: string; readonly allowEmpty?: boolean } = {},
): string {
  const value = settings[key];
  if (value === undefined || (value === '' && options.allowEmpty !== true)) {
    const where =
      value === undefined ? { ...sectionWhere(settings), key } : settingWhere(settings, key);
    throw new DeployError(
      codes.option,
      where,
      `${value === undefined ? 'is required' : 'must not be empty'}${options.what === undefined ? '' : `: ${options.what}`}`,
    );
  }
  return value;
}

/**
 * One of `choices` (compared case-insensitively, returned as listed), or `fallback` when absent.
 *
 * @throws {DeployError} `TROWEL_ERR_DEPLOY_VALUE` for anything else.
 * @example
 * ```ts
 * import { asChoice, makeSettings } from 'trowel/deploy';
 * asChoice(makeSettings({ mode: 'Warn' }), 'mode', ['strict', 'warn'] as const, 'strict'); // 'warn'
 * ```
 */
export function asChoice<const T extends string>(
  settings: Settings,
  key: string,
  choices: readonly T[],
  fallback: T,
): T {
  const value = settings[key];
  if (value === undefined) return fallback;
  const found = choices.find((choice) => choice.toLowerCase() === value.trim().toLowerCase());
  if (found === undefined) {
    throw bad(settings, key, `expected one of ${choices.join(', ')}, got "${value}"`);
  }
  return found;
}

/**
 * The path in `key`, resolved against the directory of the file the value is written in (so a
 * relative path means the same thing wherever the section is used from), or `undefined`.
 *
 * @example
 * ```ts
 * import { asPath, makeSettings } from 'trowel/deploy';
 * const options = makeSettings({ root: 'htdocs' }, { root: { file: '/srv/site.ini', key: 'root' } });
 * asPath(options, 'root'); // '/srv/htdocs'
 * ```
 */
export function asPath(settings: Settings, key: string): string | undefined {
  const value = settings[key];
  if (value === undefined) return undefined;
  if (isAbsolute(value)) return value;
  const { file } = settingWhere(settings, key);
  return isAbsolute(file) ? resolve(dirname(file), value) : resolve(value);
}

/** Where a missing key would go: the section the settings belong to. */
export function sectionWhere(settings: Settings): Where {
  const { section } = contextOf(settings);
  if (section === undefined) return { file: 'the options' };
  return section.section === undefined
    ? { file: section.file }
    : { file: section.file, section: section.section };
}

/**
 * Checks that `settings` has no key outside `known` (Paste's factories took `**kw` and dropped
 * typos silently).
 *
 * @throws {DeployError} `TROWEL_ERR_DEPLOY_OPTION` naming the first unknown key and the closest
 * known one.
 * @example
 * ```ts
 * import { checkKeys, makeSettings } from 'trowel/deploy';
 * checkKeys(makeSettings({ port: '80' }), ['host', 'port'], 'egg:Paste#http');
 * ```
 */
export function checkKeys(settings: Settings, known: readonly string[], what: string): void {
  for (const key of Object.keys(settings)) {
    if (known.includes(key)) continue;
    const near = closest(key, known);
    throw new DeployError(
      codes.option,
      settingWhere(settings, key),
      `${what} has no option "${key}"${near === undefined ? '' : ` (did you mean "${near}"?)`}; it takes ${known.length === 0 ? 'no options' : known.join(', ')}`,
    );
  }
}

/**
 * The keys `prefix1`, `prefix2`, … of `settings` in numeric order (`app2` before `app10`, which
 * Paste's cascade sorted the other way round).
 *
 * @throws {DeployError} `TROWEL_ERR_DEPLOY_OPTION` for a key that starts with `prefix` but is not
 * followed by a number, or two keys with the same number (`app1`, `app01`).
 * @example
 * ```ts
 * import { makeSettings, numberedKeys } from 'trowel/deploy';
 * numberedKeys(makeSettings({ app10: 'c', app2: 'b', app1: 'a' }), 'app'); // ['app1', 'app2', 'app10']
 * ```
 */
export function numberedKeys(settings: Settings, prefix: string): string[] {
  const found = new Map<number, string>();
  for (const key of Object.keys(settings)) {
    if (!key.startsWith(prefix)) continue;
    const digits = key.slice(prefix.length);
    if (!/^\d+$/.test(digits)) {
      throw new DeployError(
        codes.option,
        settingWhere(settings, key),
        `"${key}" must be "${prefix}" followed by a number (${prefix}1, ${prefix}2, …)`,
      );
    }
    const number = Number(digits);
    const other = found.get(number);
    if (other !== undefined) {
      throw new DeployError(
        codes.option,
        settingWhere(settings, key),
        `"${key}" has the same number as "${other}"`,
      );
    }
    found.set(number, key);
  }
  return [...found].sort(([a], [b]) => a - b).map(([, key]) => key);
}

/**
 * Runs `build` (usually a capability's factory) and turns a `ConfigError` it throws into a
 * {@link DeployError} with the same code, placed at the key `keyFor` names for it (the section
 * when it names none or the key is not set), with the factory's `name(): ` prefix removed.
 *
 * @example
 * ```ts
 * import { locate, makeSettings } from 'trowel/deploy';
 * const options = makeSettings({ address: 'ftp://x/' });
 * locate(options, () => 'address', () => new URL(options['address'] ?? ''));
 * ```
 */
export function locate<T>(
  settings: Settings,
  keyFor: (code: string, message: string) => string | undefined,
  build: () => T,
): T {
  try {
    return build();
  } catch (error) {
    if (!isConfigError(error)) throw error;
    const message = error.message.replace(/^[\w.]+\(\): /, '');
    const key = keyFor(error.code, message);
    const where =
      key !== undefined && settings[key] !== undefined
        ? settingWhere(settings, key)
        : sectionWhere(settings);
    throw new DeployError(error.code, where, message, { cause: error });
  }
}
