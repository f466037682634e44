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
import { DeployError, codes, deployWarning, type DeployWarning, type Where } from './errors.ts';

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

/** Paste's `asbool` words. */
const TRUE = new Set(['true', 'yes', 'on', 'y', 't', '1']);
const FALSE = new Set(['false', 'no', 'off', 'n', 'f', '0']);

/** `true`/`yes`/`on`/`y`/`t`/`1` and `false`/`no`/`off`/`n`/`f`/`0`, any case; else `undefined`. */
export function parseBool(value: string): boolean | undefined {
  const word = value.trim().toLowerCase();
  return TRUE.has(word) ? true : FALSE.has(word) ? false : undefined;
}

/** A decimal integer (optional sign, `_` between digits allowed); else `undefined`. */
export function parseInteger(value: string): number | undefined {
  const text = value.trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(text)) return undefined;
  const number = Number(text.replace(/_/g, ''));
  return Number.isSafeInteger(number) ? number : undefined;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * A byte count: a number with an optional unit `b`, `k`/`kb`/`kib`, `m…`, `g…`, `t…` (any case;
 * all binary, as nginx reads `10m`), e.g. `512`, `64k`, `1.5 MiB`; else `undefined`.
 */
export function parseSize(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  if (!match) return undefined;
  const unit = SIZE_UNITS[(match[2] ?? '').toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * A duration in milliseconds: `250ms`, `30s`, `5m`, `2h`, `1d`, `1h30m`, `1.5s`; a bare number is
 * in `bareUnit` (seconds, as Paste's timeouts are); else `undefined`.
 */
export function parseDuration(value: string, bareUnit: 's' | 'ms' = 's'): number | undefined {
  const text = value.trim().toLowerCase();
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    return Math.round(Number(text) * (bareUnit === 's' ? 1000 : 1));
  }
  const parts = /^(?:\d+(?:\.\d+)?\s*(?:ms|sec|min|s|m|h|d)\s*)+$/.test(text)
    ? text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|sec|min|s|m|h|d)/g)
    : undefined;
  if (parts === undefined) return undefined;
  let total = 0;
  for (const [, amount, unit] of parts) total += Number(amount) * (DURATION_UNITS[unit ?? ''] ?? 0);
  return Math.round(total);
}

/** Splits a list on whitespace (Paste's `aslist`) or on commas, dropping empty items. */
export function parseList(
  value: string,
  separator: 'whitespace' | 'comma' = 'whitespace',
): string[] {
  const items = separator === 'comma' ? value.split(',') : value.split(/\s+/);
  return items.map((item) => item.trim()).filter((item) => item !== '');
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

/** The entry of `candidates` within edit distance 2 of `word`, if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}
