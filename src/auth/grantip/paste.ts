/**
 * Paste's INI value syntax for `egg:Paste#grantip`, read properly (Paste's own `make_grantip`
 * stored the raw string, so `joe:admin` became user `j`, role `o`).
 */
import type { GrantRule } from './index.ts';

/**
 * Reads a Paste grantip value, `user:roles`: the user before the first `:`, comma-separated roles
 * after it. A user of `-` or nothing leaves the user alone, `__remove__` removes it; roles of `-`
 * or nothing add none, and `-role` removes one.
 *
 * @example
 * ```ts
 * import { pasteGrantRule } from 'trowel/auth/grantip';
 * pasteGrantRule('bob:editor,-worker'); // { user: 'bob', roles: ['editor', '-worker'] }
 * pasteGrantRule('__remove__:-');       // { user: false }
 * ```
 */
export function pasteGrantRule(value: string): GrantRule {
  const colon = value.indexOf(':');
  const rawUser = (colon === -1 ? value : value.slice(0, colon)).trim();
  const rawRoles = colon === -1 ? '' : value.slice(colon + 1).trim();
  const roles =
    rawRoles === '-'
      ? []
      : rawRoles
          .split(',')
          .map((role) => role.trim())
          .filter((role) => role !== '');
  const rule: { user?: string | false; roles?: readonly string[] } = {};
  if (rawUser === '__remove__') rule.user = false;
  else if (rawUser !== '' && rawUser !== '-') rule.user = rawUser;
  if (roles.length > 0) rule.roles = roles;
  return rule;
}
