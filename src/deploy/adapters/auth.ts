/**
 * Paste's authentication and session entry points, mapped onto `trowel/auth/*` and
 * `trowel/session`. Where Paste took a Python callable (`authfunc`), a config names a file written
 * by Apache's tools (`htpasswd = path`, `htdigest = path`). Secrets fall back to the globals'
 * `secret`, as in Paste, and must be long enough to resist guessing (the error says how long).
 * Each factory's table of options is in `src/deploy/README.md`.
 */
import type { Key } from '../../core/context.ts';
import type { SameSite } from '../../core/cookies.ts';
import type { Handler } from '../../core/handler.ts';
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import { basicAuth } from '../../auth/basic/index.ts';
import { signedCookie } from '../../auth/cookie/index.ts';
import { digestAuth, type DigestAlgorithm } from '../../auth/digest/index.ts';
import { formAuth } from '../../auth/form/index.ts';
import { grantIp, pasteGrantRule, type GrantRule } from '../../auth/grantip/index.ts';
import { authTkt, type TicketDigest } from '../../auth/tkt/index.ts';
import {
  FileStore,
  MemoryStore,
  RedisStore,
  session,
  type SessionOptions,
  type SessionStore,
} from '../../session/index.ts';
import {
  asBool,
  asChoice,
  asDuration,
  asInt,
  asList,
  asPath,
  checkKeys,
  locate,
  settingWhere,
  warnSetting,
  type Settings,
} from '../converters.ts';
import { DeployError, codes } from '../errors.ts';
import type { FilterAppFactory } from '../registry.ts';
import { readFileSync } from 'node:fs';
import { parseBool } from '../values.ts';
import { optional } from './optional.ts';

const COOKIE_FLAGS = ['secure', 'http_only', 'same_site', 'domain', 'path'];

/** `secure = true | false | auto`. */
function secureOf(options: Settings): boolean | 'auto' | undefined {
  const value = options['secure']?.trim();
  if (value === undefined) return undefined;
  if (value.toLowerCase() === 'auto') return 'auto';
  return asBool(options, 'secure');
}

function cookieFlags(options: Settings): {
  secure?: boolean | 'auto';
  httpOnly?: boolean;
  sameSite?: SameSite;
  domain?: string;
  path?: string;
} {
  return {
    ...optional('secure', secureOf(options)),
    ...optional('httpOnly', asBool(options, 'http_only')),
    ...optional(
      'sameSite',
      options['same_site'] === undefined
        ? undefined
        : asChoice(options, 'same_site', ['Strict', 'Lax', 'None'] as const, 'Lax'),
    ),
    ...optional('domain', options['domain']?.trim()),
    ...optional('path', options['path']?.trim()),
  };
}

/** `secret` of the section, else of the globals; or `secret_file`. */
function secretOf(
  options: Settings,
  globalConf: Settings,
): { secret?: string; secretFile?: string } {
  const file = asPath(options, 'secret_file');
  if (file !== undefined) return { secretFile: file };
  const secret = options['secret'] ?? globalConf['secret'];
  return secret === undefined ? {} : { secret };
}

const byCode =
  (table: readonly (readonly [RegExp, string])[]) =>
  (code: string): string | undefined =>
    table.find(([pattern]) => pattern.test(code))?.[1];

/** A duration in seconds (a bare number is seconds), or `false`. */
function seconds(options: Settings, key: string): number | false | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (parseBool(value) === false) return false;
  const ms = asDuration(options, key, { min: 1000 });
  return ms === undefined ? undefined : Math.round(ms / 1000);
}

/** `egg:Paste#auth_tkt`: mod_auth_tkt tickets (`authTkt()`). */
export const authTktFilterApp: FilterAppFactory = (next, options, globalConf): Handler => {
  checkKeys(
    options,
    [
      'secret',
      'secret_file',
      'cookie_name',
      'include_ip',
      'logout_path',
      'digest_algo',
      'timeout',
      'reissue_time',
      'accept_base64',
      ...COOKIE_FLAGS,
    ],
    'egg:Paste#auth_tkt',
  );
  const settings = {
    ...secretOf(options, globalConf),
    // Paste's and mod_auth_tkt's default, which the peers these configs were written for expect.
    digest: asChoice<TicketDigest>(options, 'digest_algo', ['md5', 'sha256', 'sha512'], 'md5'),
    ...optional('cookieName', options['cookie_name']?.trim()),
    ...optional('includeIp', asBool(options, 'include_ip')),
    ...optional('logoutPath', options['logout_path']?.trim()),
    ...optional('timeout', seconds(options, 'timeout')),
    ...optional('reissueTime', seconds(options, 'reissue_time')),
    ...optional('acceptBase64', asBool(options, 'accept_base64')),
    ...cookieFlags(options),
  };
  return locate(
    options,
    byCode([
      [/SECRET/, 'secret'],
      [/DIGEST/, 'digest_algo'],
      [/REISSUE/, 'reissue_time'],
      [/TIMEOUT/, 'timeout'],
      [/LOGOUT/, 'logout_path'],
      [/COOKIE/, 'cookie_name'],
    ]),
    () => authTkt(settings)(next),
  );
};

const SCAN_KEYS: Readonly<Record<string, Key<string>>> = { REMOTE_USER, AUTH_TYPE };

/** `egg:Paste#auth_cookie`: context values kept in a signed, expiring cookie (`signedCookie()`). */
export const authCookieFilterApp: FilterAppFactory = (next, options, globalConf): Handler => {
  checkKeys(
    options,
    [
      'cookie_name',
      'scanlist',
      'secret',
      'secret_file',
      'timeout',
      'max_age',
      'maxlen',
      'signer',
      ...COOKIE_FLAGS,
    ],
    'egg:Paste#auth_cookie',
  );
  if (options['signer'] !== undefined) {
    throw new DeployError(
      codes.option,
      settingWhere(options, 'signer'),
      'a signer is a Python object; trowel signs with HMAC-SHA-256 keyed by secret',
    );
  }
  if (options['maxlen'] !== undefined) {
    warnSetting(
      options,
      'maxlen',
      'TROWEL_WARN_DEPLOY_IGNORED',
      'ignored: cookies are kept under 4096 bytes',
    );
  }
  const names = asList(options, 'scanlist').filter((name) => name !== 'REMOTE_SESSION');
  const keys = names.map((name) => {
    const key = SCAN_KEYS[name];
    if (key === undefined) {
      throw new DeployError(
        codes.value,
        settingWhere(options, 'scanlist'),
        `"${name}" cannot be kept in the cookie: REMOTE_USER and AUTH_TYPE can`,
      );
    }
    return key;
  });
  // Paste's timeout is in minutes; max_age is trowel's, in seconds.
  const minutes = asInt(options, 'timeout', { min: 1 });
  const maxAge = options['max_age'] !== undefined ? seconds(options, 'max_age') : undefined;
  const settings = {
    ...secretOf(options, globalConf),
    ...optional('name', options['cookie_name']?.trim()),
    ...(keys.length > 0 ? { keys } : {}),
    ...optional(
      'maxAge',
      typeof maxAge === 'number' ? maxAge : minutes === undefined ? undefined : minutes * 60,
    ),
    ...cookieFlags(options),
  };
  return locate(
    options,
    byCode([
      [/SECRET/, 'secret'],
      [/KEYS/, 'scanlist'],
      [/MAX_AGE/, 'timeout'],
      [/COOKIE/, 'cookie_name'],
    ]),
    () => signedCookie(settings)(next),
  );
};

/** Refuses Paste's `authfunc`, a Python callable, pointing at the file a config names instead. */
function refuseAuthfunc(options: Settings, file: 'htpasswd' | 'htdigest'): void {
  if (options['authfunc'] !== undefined) {
    throw new DeployError(
      codes.option,
      settingWhere(options, 'authfunc'),
      `authfunc is a Python callable; give the users in a file written by Apache's ${file}: ${file} = path`,
    );
  }
}

/** `egg:Paste#auth_form`: a login form checked against an htpasswd file (`formAuth()`). */
export const authFormFilterApp: FilterAppFactory = (next, options, globalConf): Handler => {
  checkKeys(
    options,
    ['realm', 'authfunc', 'htpasswd', 'template', 'secret', 'token_max_age', 'body_limit'],
    'egg:Paste#auth_form',
  );
  refuseAuthfunc(options, 'htpasswd');
  if (options['template'] !== undefined) {
    throw new DeployError(
      codes.option,
      settingWhere(options, 'template'),
      'a template is code: build formAuth({ template }) in a module and use it with file:',
    );
  }
  const secret = options['secret'] ?? globalConf['secret'];
  const settings = {
    ...optional('htpasswd', asPath(options, 'htpasswd')),
    ...optional('realm', options['realm']?.trim()),
    ...optional('secret', secret),
    ...optional('tokenMaxAge', seconds(options, 'token_max_age') || undefined),
    ...optional('bodyLimit', asInt(options, 'body_limit', { min: 1 })),
  };
  return locate(
    options,
    byCode([
      [/VERIFY|HTPASSWD/, 'htpasswd'],
      [/SECRET/, 'secret'],
    ]),
    () => formAuth(settings)(next),
  );
};

/**
 * `egg:Paste#grantip`: user and roles by client address (`grantIp()`). Every key but
 * `clobber_username` and `ranges` is a range with Paste's `user:roles` value; `ranges` holds
 * `<range> <user>:<roles>` lines, for IPv6 ranges, which cannot be keys (a key ends at `:`).
 */
export const grantIpFilterApp: FilterAppFactory = (next, options): Handler => {
  const rules: (readonly [string, GrantRule])[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (key === 'clobber_username' || key === 'ranges') continue;
    rules.push([
      key,
      locate(
        options,
        () => key,
        () => pasteGrantRule(value),
      ),
    ]);
  }
  for (const line of (options['ranges'] ?? '').split('\n')) {
    const text = line.trim();
    if (text === '') continue;
    const space = text.search(/\s/);
    const range = space === -1 ? text : text.slice(0, space);
    const grant = space === -1 ? '' : text.slice(space + 1).trim();
    rules.push([
      range,
      locate(
        options,
        () => 'ranges',
        () => pasteGrantRule(grant),
      ),
    ]);
  }
  const clobber = asBool(options, 'clobber_username');
  return locate(
    options,
    () => undefined,
    () => grantIp({ rules, ...optional('clobber', clobber) })(next),
  );
};

const SESSION_OWN = [
  'store',
  'dir',
  'redis_url',
  'redis_prefix',
  'host_prefix',
  'idle_timeout',
  'absolute_timeout',
  'touch_interval',
  'rolling',
  'max_sessions',
  ...COOKIE_FLAGS,
];

/** A Paste time in minutes (a bare number), as milliseconds. */
function minutes(settings: Settings, key: string): number | undefined {
  const value = asInt(settings, key, { min: 1 });
  return value === undefined ? undefined : value * 60_000;
}

function storeOf(options: Settings, fallback: () => SessionStore): SessionStore {
  const kind =
    options['store'] === undefined
      ? undefined
      : asChoice(options, 'store', ['memory', 'file', 'redis'] as const, 'memory');
  if (kind === 'file') {
    const dir = asPath(options, 'dir');
    if (dir === undefined) {
      throw new DeployError(
        codes.option,
        settingWhere(options, 'store'),
        'store = file needs dir = path',
      );
    }
    return new FileStore({ dir });
  }
  if (kind === 'redis') {
    const url = options['redis_url']?.trim();
    return new RedisStore({
      ...optional('url', url),
      ...optional('prefix', options['redis_prefix']?.trim()),
    });
  }
  if (kind === 'memory') {
    return new MemoryStore({
      ...optional('maxSessions', asInt(options, 'max_sessions', { min: 1 })),
    });
  }
  return fallback();
}

function sessionOwn(options: Settings): SessionOptions {
  const ms = (key: string): number | undefined => asDuration(options, key, { min: 1000 });
  return {
    ...optional('hostPrefix', asBool(options, 'host_prefix')),
    ...optional('idleTimeout', ms('idle_timeout')),
    ...optional('absoluteTimeout', ms('absolute_timeout')),
    ...optional('touchInterval', ms('touch_interval')),
    ...optional('rolling', asBool(options, 'rolling')),
    ...cookieFlags(options),
  };
}

const SESSION_KEYS = byCode([
  [/DIR/, 'dir'],
  [/REDIS/, 'redis_url'],
]);

/** `egg:Paste#paste_session`: `session()`, in files when `session_file_path` is given. */
export const pasteSessionFilterApp: FilterAppFactory = (next, options, globalConf): Handler => {
  checkKeys(
    options,
    [
      'cookie_name',
      'session_file_path',
      'session_expiration',
      'expiration',
      'chmod',
      ...SESSION_OWN,
    ],
    'egg:Paste#paste_session',
  );
  if (options['chmod'] !== undefined) {
    warnSetting(
      options,
      'chmod',
      'TROWEL_WARN_DEPLOY_IGNORED',
      'ignored: session files are always 0600',
    );
  }
  const pick = (key: string, global: string): [Settings, string] | undefined =>
    options[key] !== undefined
      ? [options, key]
      : globalConf[global] !== undefined
        ? [globalConf, global]
        : undefined;
  const cookie = pick('cookie_name', 'session_cookie_name');
  const file = pick('session_file_path', 'session_file_path');
  // Paste's two expirations, in minutes: the shorter one bounds a session's whole life.
  const lives = [pick('session_expiration', 'session_expiration'), pick('expiration', 'expiration')]
    .map((found) => (found === undefined ? undefined : minutes(found[0], found[1])))
    .filter((value): value is number => value !== undefined);
  return locate(options, SESSION_KEYS, () =>
    session({
      store: storeOf(options, () => {
        const dir = file === undefined ? undefined : asPath(file[0], file[1]);
        return dir === undefined ? new MemoryStore() : new FileStore({ dir });
      }),
      ...optional('cookieName', cookie === undefined ? undefined : cookie[0][cookie[1]]?.trim()),
      ...(lives.length > 0 ? { absoluteTimeout: Math.min(...lives) } : {}),
      ...sessionOwn(options),
    })(next),
  );
};

/** `egg:Paste#flup_session`: `session()`, with flup's `session_type` naming the store. */
export const flupSessionFilterApp: FilterAppFactory = (next, options, globalConf): Handler => {
  checkKeys(
    options,
    [
      'session_type',
      'cookie_name',
      'session_dir',
      'session_timeout',
      'session_file',
      ...SESSION_OWN,
    ],
    'egg:Paste#flup_session',
  );
  const type = asChoice(
    options,
    'session_type',
    ['memory', 'ram', 'disk', 'shelve', 'redis'] as const,
    'memory',
  );
  if (type === 'shelve') {
    throw new DeployError(
      codes.value,
      settingWhere(options, 'session_type'),
      'shelve files are pickled, which is code execution; use disk (JSON files) or redis',
    );
  }
  if (options['session_file'] !== undefined) {
    warnSetting(
      options,
      'session_file',
      'TROWEL_WARN_DEPLOY_IGNORED',
      'ignored: it named the shelve file',
    );
  }
  const cookie = options['cookie_name'] ?? globalConf['session_cookie'];
  return locate(options, SESSION_KEYS, () =>
    session({
      store: storeOf(options, () => {
        if (type === 'disk')
          return new FileStore({ dir: asPath(options, 'session_dir') ?? '/tmp/sessions' });
        if (type === 'redis') {
          return new RedisStore({ ...optional('url', options['redis_url']?.trim()) });
        }
        return new MemoryStore();
      }),
      ...optional('cookieName', cookie?.trim()),
      ...optional('idleTimeout', minutes(options, 'session_timeout')),
      ...sessionOwn(options),
    })(next),
  );
};

function realmOf(options: Settings): string {
  const realm = options['realm'];
  if (realm === undefined) {
    throw new DeployError(
      codes.option,
      settingWhere(options, 'realm'),
      'is required: the realm the browser shows',
    );
  }
  return realm;
}

const BASIC_KEYS = byCode([
  [/REALM/, 'realm'],
  [/HTPASSWD/, 'htpasswd'],
  [/OPTIONS/, 'htpasswd'],
]);

/** `egg:Paste#auth_basic`: users from an htpasswd file (`basicAuth()`). */
export const authBasicFilterApp: FilterAppFactory = (next, options): Handler => {
  checkKeys(
    options,
    ['realm', 'authfunc', 'htpasswd', 'charset', 'forward_authorization'],
    'egg:Paste#auth_basic',
  );
  refuseAuthfunc(options, 'htpasswd');
  const realm = realmOf(options);
  const charset: 'UTF-8' | false | undefined =
    options['charset'] === undefined
      ? undefined
      : parseBool(options['charset']) === false
        ? false
        : 'UTF-8';
  const settings = {
    realm,
    ...optional('htpasswd', asPath(options, 'htpasswd')),
    ...optional<'charset', 'UTF-8' | false>('charset', charset),
    ...optional('forwardAuthorization', asBool(options, 'forward_authorization')),
  };
  return locate(options, BASIC_KEYS, () => basicAuth(settings)(next));
};

/** `egg:Paste#auth_digest`: users from an htdigest file (`digestAuth()`). */
export const authDigestFilterApp: FilterAppFactory = (next, options, globalConf): Handler => {
  checkKeys(
    options,
    [
      'realm',
      'authfunc',
      'htdigest',
      'algorithms',
      'qop',
      'nonce_lifetime',
      'secret',
      'secret_file',
      'nc_check',
      'max_tracked_nonces',
      'userhash',
      'max_body_size',
      'forward_authorization',
    ],
    'egg:Paste#auth_digest',
  );
  refuseAuthfunc(options, 'htdigest');
  const realm = realmOf(options);
  const { secret, secretFile } = secretOf(options, globalConf);
  const lifetime = seconds(options, 'nonce_lifetime');
  const algorithms =
    options['algorithms'] === undefined
      ? undefined
      : (asList(options, 'algorithms') as DigestAlgorithm[]);
  const qop =
    options['qop'] === undefined ? undefined : (asList(options, 'qop') as ('auth' | 'auth-int')[]);
  const settings = {
    realm,
    ...optional('htdigest', asPath(options, 'htdigest')),
    ...optional('algorithms', algorithms),
    ...optional('qop', qop),
    ...optional('nonceLifetime', lifetime === false ? undefined : lifetime),
    ...optional(
      'secret',
      secretFile === undefined ? secret : readFileSync(secretFile, 'utf8').trim(),
    ),
    ...optional('ncCheck', asBool(options, 'nc_check')),
    ...optional('maxTrackedNonces', asInt(options, 'max_tracked_nonces', { min: 1 })),
    ...optional('userhash', asBool(options, 'userhash')),
    ...optional('maxBodySize', asInt(options, 'max_body_size', { min: 0 })),
    ...optional('forwardAuthorization', asBool(options, 'forward_authorization')),
  };
  return locate(
    options,
    byCode([
      [/REALM/, 'realm'],
      [/HTDIGEST/, 'htdigest'],
      [/ALGORITHM/, 'algorithms'],
      [/SECRET/, 'secret'],
      [/OPTIONS/, 'htdigest'],
    ]),
    () => digestAuth(settings)(next),
  );
};
