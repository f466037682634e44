/**
 * @module trowel/deploy
 *
 * PasteDeploy for trowel: loads applications, filters and servers from INI files —
 * `[app:]`, `[filter:]`, `[pipeline:]`, `[composite:]`, `[filter-app:]`, `[server:]` and
 * `[DEFAULT]` sections, `use`, `filter-with`, `next`, `pipeline`, `set`/`get`, `require`,
 * `%(here)s` — and resolves every entry point name of Paste, PasteDeploy, PasteScript, WSGIProxy
 * and wsgi_cache (`use = egg:Paste#http`) to the trowel capability that provides it, so a Paste
 * user's config runs unchanged where the capability exists, and fails with a clear message where it
 * does not yet. User code is named with `file:./app.js#name` or `npm:package#name`. It also holds
 * PasteDeploy's two filters, `prefix()` and `configFilter()`.
 *
 * Config text is parsed here and nowhere else: factories receive string options with where each
 * was written, and read them with typed converters (`asBool`, `asInt`, `asSize`, `asDuration`, …)
 * whose errors name the file, line, section and key. Every mistake is reported while loading,
 * before anything serves.
 *
 * Not for: configuring a program that is not built from trowel handlers (use JSON or environment
 * variables), or building an application in code (import the capabilities and `compose()` them).
 */
export {
  appConfig,
  loadApp,
  loadDeployment,
  loadFilter,
  loadServer,
  type AppConfig,
  type Deployment,
  type DeploymentOptions,
  type LoadOptions,
} from './loader.ts';
export { parseIni, type IniEntry, type IniFile, type IniSection } from './parser.ts';
export { interpolate, type Variable, type Variables } from './interpolate.ts';
export { parseBool, parseDuration, parseInteger, parseList, parseSize } from './values.ts';
export {
  asBool,
  asChoice,
  asDuration,
  asInt,
  asList,
  asPath,
  asSize,
  asString,
  checkKeys,
  locate,
  makeSettings,
  numberedKeys,
  sectionWhere,
  settingWhere,
  warnSetting,
  type DurationOptions,
  type RangeOptions,
  type Settings,
  type SettingsContext,
} from './converters.ts';
export { DeployError, isDeployError, type DeployWarning, type Where } from './errors.ts';
export {
  Registry,
  appFactory,
  compositeFactory,
  filterAppFactory,
  filterFactory,
  serverFactory,
  type AppFactory,
  type AvailableEntry,
  type CompositeFactory,
  type CompositeLoader,
  type DeployFilter,
  type EntryPoint,
  type EntryPointName,
  type Factory,
  type FilterAppFactory,
  type FilterFactory,
  type ObjectType,
  type PlannedEntry,
  type Protocol,
  type RunOptions,
  type RunningServer,
  type ServerFactory,
  type ServerRunner,
  type ServerRunnerFactory,
  type UnsupportedEntry,
} from './registry.ts';
export { defaultRegistry } from './entry-points.ts';
export { PREFIX_ORIGINAL, prefix, type PrefixOptions, type PrefixOriginal } from './prefix.ts';
export { DEPLOY_CONFIG, configFilter, type DeployConfig } from './config-filter.ts';
