/**
 * A user and roles by client address — Paste's `paste.auth.grantip` (`GrantIPMiddleware`). Give
 * the monitoring host the role `system`, the office network the role `staff`, or sign a build
 * robot in as `ci`.
 *
 * Each rule maps an address range (an IP, a CIDR block, IPv4 or IPv6, or a `start-end` range) to
 * a user and roles. Every rule that matches `ctx.remoteAddr` applies, in order:
 *
 * - `user: 'name'` sets `REMOTE_USER` (and `AUTH_TYPE` `'grantip'`) when no user is set yet, or
 *   always with `clobber: true`;
 * - `user: false` removes the user (Paste's `__remove__`);
 * - `roles` are added to {@link REMOTE_USER_TOKENS}; `'-role'` removes one.
 *
 * The values are set on a child context that only the inner handler sees: a session or cookie
 * middleware outside `grantIp()` never saves an identity that only the address gave, so it cannot
 * follow the user to another address.
 *
 * `ctx.remoteAddr` is the peer's address. Behind a reverse proxy, put `forwarded()` (trowel/forwarded)
 * outside `grantIp()` with the proxy in its `trustedProxies`: then the address is the client's, and
 * a client cannot claim one with a header of its own.
 *
 * What it fixes in Paste: IPv6 clients gave a 500 (here IPv6 and IPv4-mapped addresses match);
 * roles were applied only when the last rule had roles; the INI factory stored `'joe:admin'` as
 * user `j`, role `o` ({@link pasteGrantRule} reads that syntax properly); and the class and the
 * factory disagreed on `clobber` (here it is `false` everywhere).
 *
 * When not to use it: as the only protection of anything an attacker on the same network would
 * want — an address is not a credential when networks are shared, NATed or spoofable.
 *
 * @module trowel/auth/grantip
 */
import { ConfigError } from '../../core/config-error.ts';
import { createKey, type Context, type Key } from '../../core/context.ts';
import type { Handler, Middleware } from '../../core/handler.ts';
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import { rangeCheck, type RangeCheck } from './ranges.ts';

export { pasteGrantRule } from './paste.ts';

/**
 * The user's roles (WSGI `REMOTE_USER_TOKENS`, a comma-list there), in the order they were granted.
 *
 * @example
 * ```ts
 * import type { Handler } from 'trowel';
 * import { REMOTE_USER_TOKENS } from 'trowel/auth/grantip';
 * const app: Handler = (_req, ctx) =>
 *   (ctx.get(REMOTE_USER_TOKENS) ?? []).includes('staff')
 *     ? new Response('welcome')
 *     : new Response('staff only', { status: 403 });
 * ```
 */
export const REMOTE_USER_TOKENS: Key<readonly string[]> =
  createKey<readonly string[]>('trowel.remoteUserTokens');

/** What one rule grants. */
export interface GrantRule {
  /** The user to sign in, or `false` to remove the user. @default leave the user as it is */
  readonly user?: string | false;
  /** Roles to add; `'-name'` removes the role `name`. @default none */
  readonly roles?: readonly string[];
}

/** Address range → grant, as an object or as ordered pairs. Rules apply in order. */
export type GrantRules =
  Readonly<Record<string, GrantRule>> | readonly (readonly [range: string, grant: GrantRule])[];

/** Options of {@link grantIp}. */
export interface GrantIpOptions {
  /** The rules. Required. */
  readonly rules: GrantRules;
  /** Replace a user that is already signed in (by an outer middleware or an earlier rule). @default false */
  readonly clobber?: boolean;
}

interface Compiled {
  readonly matches: RangeCheck;
  readonly user: string | false | undefined;
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

function fail(what: string, message: string): never {
  throw new ConfigError(`TROWEL_ERR_AUTH_GRANTIP_${what}`, `grantIp(): ${message}`);
}

// eslint-disable-next-line no-control-regex -- control characters and commas are what it refuses
const BAD_NAME = /[\0-\x1f\x7f,]/;

function compile(range: string, grant: GrantRule): Compiled {
  if (typeof grant !== 'object' || (grant as unknown) === null) {
    fail('RULE', `the grant for ${JSON.stringify(range)} must be an object { user?, roles? }`);
  }
  const { user, roles = [] } = grant;
  if (
    user !== undefined &&
    user !== false &&
    (typeof user !== 'string' || user === '' || BAD_NAME.test(user))
  ) {
    fail('RULE', `the user for ${JSON.stringify(range)} must be a non-empty name or false`);
  }
  if (!Array.isArray(roles))
    fail('RULE', `the roles for ${JSON.stringify(range)} must be an array`);
  const add: string[] = [];
  const remove: string[] = [];
  for (const role of roles as readonly unknown[]) {
    const name = typeof role === 'string' && role.startsWith('-') ? role.slice(1) : role;
    if (typeof name !== 'string' || name === '' || BAD_NAME.test(name)) {
      fail(
        'RULE',
        `role ${JSON.stringify(role)} for ${JSON.stringify(range)} must be a name without commas`,
      );
    }
    (name === role ? add : remove).push(name);
  }
  return { matches: rangeCheck(range), user, add, remove };
}

/**
 * Grants a user and roles by client address.
 *
 * @throws {ConfigError} `TROWEL_ERR_AUTH_GRANTIP_RULE` for a range that is not an address, CIDR
 * block or range, or a malformed grant; `TROWEL_ERR_AUTH_GRANTIP_OPTIONS` for other bad options.
 * @example
 * ```ts
 * import { REMOTE_USER, type Handler } from 'trowel';
 * import { grantIp } from 'trowel/auth/grantip';
 *
 * const app: Handler = (_req, ctx) => new Response(ctx.get(REMOTE_USER) ?? 'anonymous');
 * const site = grantIp({
 *   rules: {
 *     '127.0.0.1': { roles: ['system'] },
 *     '10.1.0.0/16': { roles: ['staff'] },
 *     '2001:db8:42::/48': { user: 'ci', roles: ['deploy'] },
 *   },
 * })(app);
 * ```
 */
export function grantIp(options: GrantIpOptions): Middleware {
  const rules = (options as GrantIpOptions | undefined)?.rules;
  if (typeof rules !== 'object' || (rules as unknown) === null) {
    fail('OPTIONS', 'rules must be an object or an array of [range, grant] pairs');
  }
  const pairs: readonly (readonly [string, GrantRule])[] = Array.isArray(rules)
    ? rules
    : Object.entries(rules);
  const compiled = pairs.map((pair: unknown) => {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string') {
      fail('OPTIONS', 'each rule must be a [range, grant] pair');
    }
    return compile(pair[0], pair[1] as GrantRule);
  });
  const clobber = options.clobber ?? false;
  if (typeof clobber !== 'boolean') fail('OPTIONS', 'clobber must be a boolean');

  return (next: Handler): Handler =>
    (request, ctx) => {
      const matched = compiled.filter((rule) => rule.matches(ctx.remoteAddr));
      if (matched.length === 0) return next(request, ctx);
      return next(request, granted(ctx, matched, clobber));
    };
}

function granted(ctx: Context, rules: readonly Compiled[], clobber: boolean): Context {
  const child = ctx.derive({});
  let user = ctx.get(REMOTE_USER);
  let type = ctx.get(AUTH_TYPE);
  const roles = new Set(ctx.get(REMOTE_USER_TOKENS) ?? []);
  for (const rule of rules) {
    if (rule.user === false) {
      user = undefined;
      type = undefined;
    } else if (rule.user !== undefined && (user === undefined || clobber)) {
      user = rule.user;
      type = 'grantip';
    }
    for (const role of rule.add) roles.add(role);
    for (const role of rule.remove) roles.delete(role);
  }
  // An undefined value in the child hides a user set further out.
  child.set<string | undefined>(REMOTE_USER, user);
  child.set<string | undefined>(AUTH_TYPE, type);
  child.set(REMOTE_USER_TOKENS, Object.freeze([...roles]));
  return child;
}
