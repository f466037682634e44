/**
 * Realm checking and quoting shared by the Basic and Digest challenges (RFC 9110 §11.6.1: the
 * realm is a quoted-string; trowel keeps it to printable ASCII so every client shows it alike).
 */
import { ConfigError } from '../../core/config-error.ts';

/** The `"…"` form of `value` (RFC 9110 §5.6.4), for a realm already checked to be printable. */
export function quoteRealm(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}

/** Throws a `ConfigError` with `code` unless `realm` is a string of printable ASCII. */
export function checkRealm(realm: unknown, code: string, who: string): string {
  if (typeof realm !== 'string' || !/^[\x20-\x7e]*$/.test(realm)) {
    throw new ConfigError(code, `${who}: realm must be a string of printable ASCII characters`);
  }
  return realm;
}
