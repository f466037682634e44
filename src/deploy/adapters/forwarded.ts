/**
 * `egg:WSGIProxy` (the filter): WSGIProxyMiddleware's options, mapped onto `forwarded()` from
 * `trowel/forwarded`.
 *
 * | WSGIProxy option | trowel |
 * |---|---|
 * | `trust_ips` (else the globals'; whitespace-separated) | `trustedProxies`: IPs and CIDRs, `loopback`, `private` |
 * | `secret_file` (else the globals') | `secretFile`: trust a request whose signature verifies |
 * | `prefix` (accepted and dropped by WSGIProxy's `make_middleware`) | `prefix`: it now works |
 * | `pop_prefix`, `scheme`, `host` (Python-only in WSGIProxy) | `popPrefix`, `scheme`, `host` |
 *
 * trowel's own options: `hops`, `max_skew` (a duration), `max_nonces`, `headers` (`x-forwarded`,
 * the default, or `forwarded`: the one family the proxy in front sets; the other is stripped),
 * `wsgiproxy` (whether WSGIProxy's own headers — `X-Script-Name`, `X-Traversal-*`, the transported
 * values — are believed from a peer in `trust_ips`; default `true`, since this entry point is
 * WSGIProxyMiddleware, but set it to `false` when the proxy in front is not WSGIProxyApp or
 * trowel's and does not strip them; a signed request always has them applied), and
 * `transport_keys` (the transported names accepted — `REMOTE_USER` and `AUTH_TYPE` land on the core
 * keys, any other on `transportedKey(name)`; none by default).
 */
import type { Handler } from '../../core/handler.ts';
import { forwarded, type ForwardedOptions } from '../../forwarded/index.ts';
import {
  asBool,
  asChoice,
  asDuration,
  asInt,
  asList,
  asPath,
  checkKeys,
  locate,
  type Settings,
} from '../converters.ts';
import type { FilterAppFactory } from '../registry.ts';
import { keyForName } from './proxy.ts';

const OPTIONS = [
  'trust_ips',
  'secret_file',
  'prefix',
  'pop_prefix',
  'scheme',
  'host',
  'hops',
  'max_skew',
  'max_nonces',
  'headers',
  'wsgiproxy',
  'transport_keys',
];

const KEY_BY_CODE: readonly (readonly [RegExp, string])[] = [
  [/TRUST|CIDR|PROXIES/, 'trust_ips'],
  [/SECRET/, 'secret_file'],
  [/POP/, 'pop_prefix'],
  [/PREFIX/, 'prefix'],
  [/SCHEME/, 'scheme'],
  [/HOST/, 'host'],
  [/HOPS/, 'hops'],
  [/SKEW/, 'max_skew'],
  [/NONCE/, 'max_nonces'],
  [/HEADERS/, 'headers'],
  [/WSGIPROXY/, 'wsgiproxy'],
  [/TRANSPORT/, 'transport_keys'],
];

function string<K extends string>(options: Settings, key: string, as: K): { [P in K]?: string } {
  const value = options[key]?.trim();
  return value === undefined || value === '' ? {} : ({ [as]: value } as { [P in K]: string });
}

/** `egg:WSGIProxy` as a filter: `forwarded()` in front of `next`. */
export const forwardedFilterApp: FilterAppFactory = (next, options, globalConf): Handler => {
  checkKeys(options, OPTIONS, 'egg:WSGIProxy (filter)');
  // WSGIProxy's make_middleware fell back to the [DEFAULT] trust_ips and secret_file.
  const trust = options['trust_ips'] === undefined ? globalConf : options;
  const trustedProxies = asList(trust, 'trust_ips');
  const secretFile = asPath(options, 'secret_file') ?? asPath(globalConf, 'secret_file');
  const hops = asInt(options, 'hops', { min: 1, max: 64 });
  const maxSkew = asDuration(options, 'max_skew', { min: 1000 });
  const maxNonces = asInt(options, 'max_nonces', { min: 1 });
  const names = asList(options, 'transport_keys');
  const headers = asChoice(
    options,
    'headers',
    ['x-forwarded', 'forwarded'] as const,
    'x-forwarded',
  );
  // This entry point is WSGIProxyMiddleware, whose point is WSGIProxyApp's headers.
  const wsgiproxy = asBool(options, 'wsgiproxy', true);
  const scheme =
    options['scheme'] === undefined
      ? undefined
      : asChoice(options, 'scheme', ['http', 'https'] as const, 'http');
  const settings: ForwardedOptions = {
    ...(trustedProxies.length > 0 ? { trustedProxies } : {}),
    ...(secretFile === undefined ? {} : { secretFile }),
    ...string(options, 'prefix', 'prefix'),
    ...string(options, 'pop_prefix', 'popPrefix'),
    ...(scheme === undefined ? {} : { scheme }),
    ...string(options, 'host', 'host'),
    ...(hops === undefined ? {} : { hops }),
    ...(maxSkew === undefined ? {} : { maxSkew: Math.round(maxSkew / 1000) }),
    ...(maxNonces === undefined ? {} : { maxNonces }),
    headers,
    wsgiproxy,
    ...(names.length === 0
      ? {}
      : { transport: Object.fromEntries(names.map((name) => [name, keyForName(name)])) }),
  };
  const middleware = locate(
    options,
    (code) => KEY_BY_CODE.find(([pattern]) => pattern.test(code))?.[1],
    () => forwarded(settings),
  );
  return middleware(next);
};
