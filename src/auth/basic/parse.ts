/**
 * Reads `Authorization: Basic <token68>` (RFC 7617 §2) without ever throwing: every malformed
 * form Paste crashed on (no space after the scheme, bad base64, no colon, bytes that are not
 * UTF-8) comes back as `malformed`, which the middleware answers with 400.
 */

/** What an `Authorization` field said, as far as Basic is concerned. */
export type BasicCredentials =
  | { readonly kind: 'absent' }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'present'; readonly user: string; readonly password: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

// RFC 7617 §2: user-id and password exclude control characters (CTL, RFC 5234).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * The user and password in an `Authorization` field value. `absent` when there is no field or it
 * names another scheme. With `utf8Only` false (no `charset` in the challenge), bytes that are not
 * UTF-8 are read as ISO-8859-1, which is what older browsers send.
 *
 * Both parts are normalized to Unicode NFC, as RFC 7617 §2.1 asks for with `charset="UTF-8"`
 * (RFC 8265's UsernameCasePreserved and OpaqueString profiles).
 *
 * @example
 * ```ts
 * import { parseBasic } from 'trowel/auth/basic';
 *
 * parseBasic('Basic dGVzdDoxMjPCow=='); // { kind: 'present', user: 'test', password: '123£' }
 * ```
 */
export function parseBasic(field: string | null, utf8Only = true): BasicCredentials {
  if (field === null) return { kind: 'absent' };
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:[ ]+(.*))?$/.exec(field.trim());
  if (match?.[1]?.toLowerCase() !== 'basic') {
    return match === null
      ? { kind: 'malformed', reason: 'not a credentials field' }
      : { kind: 'absent' };
  }
  const token = (match[2] ?? '').trim();
  // token68 restricted to the base64 alphabet with correct padding (RFC 4648 §4).
  if (token === '' || token.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) {
    return { kind: 'malformed', reason: 'the credentials are not base64' };
  }
  const bytes = Buffer.from(token, 'base64');
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    if (utf8Only) return { kind: 'malformed', reason: 'the credentials are not UTF-8' };
    text = latin1.decode(bytes);
  }
  const colon = text.indexOf(':');
  if (colon === -1) return { kind: 'malformed', reason: 'the credentials have no colon' };
  const user = text.slice(0, colon).normalize('NFC');
  const password = text.slice(colon + 1).normalize('NFC');
  if (CONTROL.test(user) || CONTROL.test(password)) {
    return { kind: 'malformed', reason: 'the credentials contain control characters' };
  }
  return { kind: 'present', user, password };
}
