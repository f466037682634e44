/**
 * The proxy entry points, mapped onto `proxy()` and `transparentProxy()` from `trowel/proxy`:
 *
 * | entry point | Paste/WSGIProxy options | trowel |
 * |---|---|---|
 * | `egg:Paste#proxy` | `address`, `allowed_request_methods`, `suppress_http_headers` | `proxy(address, { methods, suppressHeaders })` |
 * | `egg:Paste#transparent_proxy` | `force_host`, `force_scheme` | `transparentProxy({ forceHost, forceScheme, allowHosts })`; without `force_host`, `allow_hosts` is required |
 * | `egg:WSGIProxy#main` (app) | `href`, `secret_file` (else the globals'), and (Python-only in WSGIProxy) `string_keys`, `unicode_keys`, `json_keys` | `proxy(href, { wsgiproxy: true, transport, secretFile })`; `pickle_keys` is refused |
 * | `egg:WSGIProxy#real_proxy` | none | `transparentProxy({ allowHosts })`: a forward proxy for the hosts of `allow_hosts`, which is required |
 *
 * trowel's own options, on all four: `preserve_host` (`proxy` and `main` only), `x_forwarded`,
 * `forwarded`, `via` (a pseudonym, `false` for none, `true` for the default `trowel`), `rewrite_location`, `rewrite_cookies`,
 * `connect_timeout`, `headers_timeout`, `body_timeout` (durations) and `upgrade`.
 */
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import type { Key } from '../../core/context.ts';
import type { Handler } from '../../core/handler.ts';
import { transportedKey, type TransportMap } from '../../forwarded/transport.ts';
import { proxy, transparentProxy, type ProxyOptions } from '../../proxy/index.ts';
import {
  asBool,
  asChoice,
  asDuration,
  asList,
  asPath,
  asString,
  checkKeys,
  locate,
  settingWhere,
  type Settings,
} from '../converters.ts';
import { DeployError, codes } from '../errors.ts';
import type { AppFactory } from '../registry.ts';
import { parseBool } from '../values.ts';
import { optional } from './optional.ts';

/** The option names every proxy entry point (and `egg:WSGIProxy#spawn`) takes. */
export const COMMON_PROXY_OPTIONS: readonly string[] = [
  'x_forwarded',
  'forwarded',
  'via',
  'rewrite_location',
  'rewrite_cookies',
  'connect_timeout',
  'headers_timeout',
  'body_timeout',
  'upgrade',
];

/** The keys the well-known WSGI environ names travel as. */
const KNOWN_KEYS: Readonly<Record<string, Key<unknown>>> = {
  REMOTE_USER,
  AUTH_TYPE,
};

/** The context key a transported name maps to: the core key for REMOTE_USER/AUTH_TYPE. */
export function keyForName(name: string): Key<unknown> {
  return KNOWN_KEYS[name] ?? transportedKey(name);
}

/** A transport map from a list option (`string_keys = REMOTE_USER beaker.session.id`). */
export function transportMap(options: Settings, key: string): TransportMap | undefined {
  const names = asList(options, key);
  if (names.length === 0) return undefined;
  return Object.fromEntries(names.map((name) => [name, keyForName(name)]));
}

/** `via`: a pseudonym, `false` (and its spellings) for none, `true` for the default `trowel`. */
function via(options: Settings): string | false | undefined {
  const value = options['via'];
  if (value === undefined) return undefined;
  const flag = parseBool(value);
  if (flag === undefined) return value.trim();
  return flag ? undefined : false;
}

/** The options every proxy entry point shares, read from `options`. */
export function commonProxyOptions(options: Settings): ProxyOptions {
  const timeouts = {
    ...optional('connect', asDuration(options, 'connect_timeout', { min: 1 })),
    ...optional('headers', asDuration(options, 'headers_timeout', { min: 1 })),
    ...optional('body', asDuration(options, 'body_timeout', { min: 1 })),
  };
  return {
    ...optional('xForwarded', asBool(options, 'x_forwarded')),
    ...optional('forwarded', asBool(options, 'forwarded')),
    ...optional('via', via(options)),
    ...optional('rewriteLocation', asBool(options, 'rewrite_location')),
    ...optional('rewriteCookies', asBool(options, 'rewrite_cookies')),
    ...optional('upgrade', asBool(options, 'upgrade')),
    ...(Object.keys(timeouts).length > 0 ? { timeouts } : {}),
  };
}

/** Which option a proxy ConfigError is about, by its code; the URL's own key comes first. */
function keyOf(target: string): (code: string) => string | undefined {
  const byCode: readonly (readonly [RegExp, string])[] = [
    [/FORCE_HOST/, 'force_host'],
    [/TARGET|SCHEME|URL/, target],
    [/METHOD/, 'allowed_request_methods'],
    [/TIMEOUT/, 'connect_timeout'],
    [/ALLOW_HOSTS|OPEN/, 'allow_hosts'],
    [/HEADER/, 'suppress_http_headers'],
    [/VIA/, 'via'],
    [/SECRET/, 'secret_file'],
  ];
  return (code) => byCode.find(([pattern]) => pattern.test(code))?.[1];
}

/** `egg:Paste#proxy`: `proxy(address)`. */
export const proxyApp: AppFactory = (options): Handler => {
  checkKeys(
    options,
    [
      'address',
      'allowed_request_methods',
      'suppress_http_headers',
      'preserve_host',
      ...COMMON_PROXY_OPTIONS,
    ],
    'egg:Paste#proxy',
  );
  const address = asString(options, 'address', { what: 'the URL to forward to' });
  const methods = asList(options, 'allowed_request_methods');
  // Paste compared these with the environ names lower-cased, so `x_forwarded_for` meant
  // X-Forwarded-For; dashes are accepted too.
  const suppress = asList(options, 'suppress_http_headers').map((name) =>
    name.toLowerCase().replaceAll('_', '-'),
  );
  return locate(options, keyOf('address'), () =>
    proxy(address, {
      ...commonProxyOptions(options),
      ...(methods.length > 0 ? { methods } : {}),
      ...(suppress.length > 0 ? { suppressHeaders: suppress } : {}),
      ...optional('preserveHost', asBool(options, 'preserve_host')),
    }),
  );
};

function allowHosts(options: Settings): string[] | undefined {
  const hosts = asList(options, 'allow_hosts');
  return hosts.length > 0 ? hosts : undefined;
}

/** `egg:Paste#transparent_proxy`: `transparentProxy({ forceHost, forceScheme, allowHosts })`. */
export const transparentProxyApp: AppFactory = (options): Handler => {
  checkKeys(
    options,
    ['force_host', 'force_scheme', 'allow_hosts', ...COMMON_PROXY_OPTIONS],
    'egg:Paste#transparent_proxy',
  );
  const forceHost = options['force_host']?.trim();
  const forceScheme = asChoice(options, 'force_scheme', ['http', 'https'] as const, 'http');
  const hosts = allowHosts(options);
  return locate(
    options,
    (code) => (/OPEN/.test(code) ? 'force_host' : keyOf('force_host')(code)),
    () =>
      transparentProxy({
        ...commonProxyOptions(options),
        ...(forceHost === undefined || forceHost === '' ? {} : { forceHost }),
        forceScheme,
        ...optional('allowHosts', hosts),
      }),
  );
};

/** `egg:WSGIProxy#real_proxy`: a forward proxy, limited to `allow_hosts`. */
export const realProxyApp: AppFactory = (options): Handler => {
  checkKeys(options, ['allow_hosts', ...COMMON_PROXY_OPTIONS], 'egg:WSGIProxy#real_proxy');
  asString(options, 'allow_hosts', {
    what: 'the hosts (names, IPs or CIDRs) clients may reach; trowel does not run an open proxy',
  });
  return locate(options, keyOf('allow_hosts'), () =>
    transparentProxy({ ...commonProxyOptions(options), allowHosts: allowHosts(options) ?? [] }),
  );
};

/** `egg:WSGIProxy` (the app): WSGIProxyApp, `proxy(href, { wsgiproxy: true, … })`. */
export const wsgiProxyApp: AppFactory = (options, globalConf): Handler => {
  checkKeys(
    options,
    [
      'href',
      'secret_file',
      'string_keys',
      'unicode_keys',
      'json_keys',
      'pickle_keys',
      'preserve_host',
      ...COMMON_PROXY_OPTIONS,
    ],
    'egg:WSGIProxy',
  );
  const href = asString(options, 'href', { what: 'the URL to forward to' });
  if (options['pickle_keys'] !== undefined) {
    throw new DeployError(
      codes.option,
      settingWhere(options, 'pickle_keys'),
      'pickle transport is not supported (unpickling is code execution); send the values with json_keys',
    );
  }
  // WSGIProxy's make_app fell back to the [DEFAULT] secret_file.
  const secretFile = asPath(options, 'secret_file') ?? asPath(globalConf, 'secret_file');
  const str = transportMap(options, 'string_keys');
  const unicode = transportMap(options, 'unicode_keys');
  const json = transportMap(options, 'json_keys');
  const transport = {
    ...optional('str', str),
    ...optional('unicode', unicode),
    ...optional('json', json),
  };
  return locate(options, keyOf('href'), () =>
    proxy(href, {
      ...commonProxyOptions(options),
      wsgiproxy: true,
      ...(Object.keys(transport).length > 0 ? { transport } : {}),
      ...optional('secretFile', secretFile),
      ...optional('preserveHost', asBool(options, 'preserve_host')),
    }),
  );
};
