/**
 * The factories behind the filter entry points that exist today: `egg:Paste#lint`,
 * `egg:Paste#httpexceptions`, `egg:PasteDeploy#prefix` and the `config` filters. Each reads
 * Paste's option names, converts them, and refuses any it does not know.
 */
import { httpErrors } from '../core/http-error.ts';
import { configFilter } from './config-filter.ts';
import {
  asBool,
  asChoice,
  asInt,
  asList,
  checkKeys,
  settingWhere,
  warnSetting,
} from './converters.ts';
import { DeployError, codes } from './errors.ts';
import { prefix, type PrefixOptions } from './prefix.ts';
import type { FilterFactory } from './registry.ts';

/** `egg:Paste#lint`: `lint()`; trowel adds `mode = strict | warn`. */
export const lintFilter: FilterFactory = async (options) => {
  checkKeys(options, ['mode'], 'egg:Paste#lint');
  const mode = asChoice(options, 'mode', ['strict', 'warn'] as const, 'strict');
  // Loaded only by configs that use it.
  const { lint } = await import('../lint/index.ts');
  return lint({ mode });
};

/** `egg:Paste#httpexceptions`: `httpErrors()`. Paste's `warning_level` is accepted and has no effect. */
export const httpExceptionsFilter: FilterFactory = (options) => {
  checkKeys(options, ['warning_level'], 'egg:Paste#httpexceptions');
  if (options['warning_level'] !== undefined) {
    warnSetting(
      options,
      'warning_level',
      'TROWEL_WARN_DEPLOY_IGNORED',
      'ignored: every HTTP error thrown below the filter becomes its response',
    );
  }
  return httpErrors();
};

/**
 * `egg:PasteDeploy#prefix`: `prefix()`, with `prefix`, `translate_forwarded_server`, `force_port`,
 * `scheme`, and trowel's `trusted_proxies` (whitespace-separated addresses or CIDR blocks).
 */
export const prefixFilter: FilterFactory = (options) => {
  checkKeys(
    options,
    ['prefix', 'translate_forwarded_server', 'force_port', 'scheme', 'trusted_proxies'],
    'egg:PasteDeploy#prefix',
  );
  const result: { -readonly [K in keyof PrefixOptions]: PrefixOptions[K] } = {
    prefix: options['prefix'] ?? '/',
    translateForwardedServer: asBool(options, 'translate_forwarded_server', true),
  };
  if (options['trusted_proxies'] !== undefined)
    result.trustedProxies = asList(options, 'trusted_proxies');
  if (options['force_port'] !== undefined) {
    result.forcePort =
      options['force_port'].trim() === ''
        ? ''
        : asInt(options, 'force_port', { fallback: 0, min: 1, max: 65_535 });
  }
  if (options['scheme'] !== undefined)
    result.scheme = asChoice(options, 'scheme', ['http', 'https'] as const, 'http');
  try {
    return prefix(result);
  } catch (error) {
    const key = /trustedProxies/.test(String(error)) ? 'trusted_proxies' : 'prefix';
    throw new DeployError(
      codes.value,
      settingWhere(options, key),
      error instanceof Error ? error.message.replace(/^prefix\(\): /, '') : String(error),
    );
  }
};

/** `egg:PasteDeploy#config` and `egg:Paste#config`: the globals, then the options, for the app. */
export const configFilterFactory: FilterFactory = (options, globalConf) =>
  configFilter({ ...globalConf, ...options });
