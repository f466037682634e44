/**
 * The signed-cookie value format of `signedCookie()`: `base64url(JSON payload) + "." +
 * base64url(HMAC-SHA256(secret, cookie name + NUL + payload))`, where the payload is
 * `{ "e": expiry in seconds since the epoch, "v": { name: value, … } }`.
 *
 * The MAC covers the cookie name, so a value signed for one cookie is refused under another name
 * that shares the secret, and the expiry sits inside the signed payload, so it cannot be extended.
 * The values are signed, not encrypted: the client can read them. Keep secrets out.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a valid cookie carries. */
export interface SealedValues {
  /** The saved values, by context key name. */
  readonly values: Readonly<Record<string, string>>;
  /** When the cookie stops being accepted, in whole seconds since the epoch. */
  readonly expires: number;
}

const MAC_LENGTH = 43; // 32 bytes of HMAC-SHA256 in unpadded base64url

function mac(secret: string, name: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`${name}\0${payload}`, 'utf8').digest();
}

/**
 * Signs `values` for the cookie `name`.
 *
 * @example
 * ```ts
 * import { sealValues } from 'trowel/auth/cookie';
 * sealValues('a secret of at least thirty-two bytes!', 'trowel_auth', { values: { user: 'alice' }, expires: 2000000000 });
 * ```
 */
export function sealValues(secret: string, name: string, sealed: SealedValues): string {
  const payload = Buffer.from(JSON.stringify({ e: sealed.expires, v: sealed.values })).toString(
    'base64url',
  );
  return `${payload}.${mac(secret, name, payload).toString('base64url')}`;
}

/**
 * Checks a cookie value signed by {@link sealValues} (constant-time MAC comparison) and reads it.
 *
 * @returns the values, or `undefined` for a malformed, tampered, foreign or expired value.
 * @example
 * ```ts
 * import { openValues, sealValues } from 'trowel/auth/cookie';
 * const secret = 'a secret of at least thirty-two bytes!';
 * const value = sealValues(secret, 'c', { values: { user: 'alice' }, expires: 2000000000 });
 * openValues(secret, 'c', value, 1700000000)?.values['user']; // 'alice'
 * ```
 */
export function openValues(
  secret: string,
  name: string,
  value: string,
  now: number,
): SealedValues | undefined {
  const dot = value.lastIndexOf('.');
  const payload = value.slice(0, Math.max(dot, 0));
  const given = value.slice(dot + 1);
  if (dot <= 0 || given.length !== MAC_LENGTH || !/^[A-Za-z0-9_-]+$/.test(given)) return undefined;
  // The MAC is compared as text, on fixed-length buffers (timingSafeEqual leaks neither content
  // nor length, CWE-208): decoding first would accept four spellings of its last character.
  const expected = Buffer.from(mac(secret, name, payload).toString('base64url'), 'latin1');
  if (!timingSafeEqual(Buffer.from(given, 'latin1'), expected)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { e, v } = parsed as { e?: unknown; v?: unknown };
  if (typeof e !== 'number' || !Number.isSafeInteger(e) || e <= now) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  // No prototype, so a "__proto__" entry in the payload stays plain data.
  const values = Object.create(null) as Record<string, string>;
  for (const [key, item] of Object.entries(v)) {
    if (typeof item === 'string') values[key] = item;
  }
  return { values, expires: e };
}
