/**
 * The signed cookie in which casAuth() remembers a validated user between requests.
 *
 * The value is `<payload>.<mac>`: the payload is base64url JSON `{ u, a, e }` (user, attributes as
 * `[name, values][]`, expiry in Unix seconds) and the MAC is HMAC-SHA-256 over a fixed label and
 * the cookie name followed by the payload, so a cookie signed with the same secret for another
 * purpose or under another name is never accepted here. Verification is constant-time
 * (`timingSafeEqual`). The payload is signed, not encrypted: the user can read their own name and
 * attributes, but cannot change them.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { CasAttributes } from './response.ts';

/** A user restored from the cookie. */
export interface CasSession {
  /** The CAS user name. */
  readonly user: string;
  /** The attributes released at login (empty when they did not fit in the cookie). */
  readonly attributes: CasAttributes;
}

/** Browsers keep at least 4096 bytes of name, value and attributes; stay well below. */
const MAX_VALUE = 3800;

function mac(secret: string | Uint8Array, name: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`trowel-cas-v1\0${name}\0${payload}`).digest();
}

/**
 * Signs `session` for the cookie `name`, valid until `expires` (Unix seconds). Attributes are left
 * out when they would make the cookie too large for browsers to keep.
 *
 * @example
 * ```ts
 * import { signSession } from './session-cookie.ts';
 * signSession('k'.repeat(32), 'trowel_cas', { user: 'test', attributes: new Map() }, 2e9);
 * ```
 */
export function signSession(
  secret: string | Uint8Array,
  name: string,
  session: CasSession,
  expires: number,
): string {
  const encode = (attributes: CasAttributes): string => {
    const payload = Buffer.from(
      JSON.stringify({ u: session.user, a: [...attributes], e: expires }),
    ).toString('base64url');
    return `${payload}.${mac(secret, name, payload).toString('base64url')}`;
  };
  const full = encode(session.attributes);
  return full.length <= MAX_VALUE ? full : encode(new Map());
}

/**
 * Checks a cookie value made by {@link signSession}: the signature, the expiry against `now` (Unix
 * seconds) and the payload's shape. Anything else gives `undefined`.
 *
 * @example
 * ```ts
 * import { verifySession } from './session-cookie.ts';
 * verifySession('k'.repeat(32), 'trowel_cas', 'forged.value', Date.now() / 1000); // undefined
 * ```
 */
export function verifySession(
  secret: string | Uint8Array,
  name: string,
  value: string,
  now: number,
): CasSession | undefined {
  const dot = value.indexOf('.');
  if (dot === -1) return undefined;
  const payload = value.slice(0, dot);
  const given = Buffer.from(value.slice(dot + 1), 'base64url');
  const expected = mac(secret, name, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  return readPayload(data, now);
}

function readPayload(data: unknown, now: number): CasSession | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { u, a, e } = data as { u?: unknown; a?: unknown; e?: unknown };
  if (typeof u !== 'string' || u === '' || typeof e !== 'number' || e <= now) return undefined;
  if (!Array.isArray(a)) return undefined;
  const attributes = new Map<string, readonly string[]>();
  for (const entry of a as unknown[]) {
    if (!Array.isArray(entry)) return undefined;
    const [key, values] = entry as unknown[];
    if (typeof key !== 'string' || !Array.isArray(values)) return undefined;
    if (!values.every((v): v is string => typeof v === 'string')) return undefined;
    attributes.set(key, values);
  }
  return { user: u, attributes };
}
