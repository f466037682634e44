/**
 * CAS single sign-on: `casAuth()` sends users without a login to a CAS server
 * (`<server>/login?service=…`), validates the service ticket they come back with — CAS 1.0
 * `/validate`, 2.0 `/serviceValidate` or 3.0 `/p3/serviceValidate` with attributes — and keeps the
 * user in a signed cookie of its own. The user is put in `REMOTE_USER`, `'cas'` in `AUTH_TYPE` and
 * the released attributes in {@link CAS_ATTRIBUTES}.
 *
 * Replaces `paste.auth.cas.AuthCASHandler`, which could not run on Python 3 (`urlopen` was never
 * imported), spoke CAS 1.0 only, found the ticket only when it was the last query parameter (so it
 * looped with servers that put it first), built the service URL from an unchecked `Host`, called
 * the CAS server with no timeout, and remembered nobody: every request went back to CAS.
 *
 * Not for: CAS single logout (back-channel `logoutRequest` POSTs), proxy tickets, SAML 1.1
 * validation. Behind a reverse proxy, put `forwarded()` in front so the service URL uses the
 * scheme and host the browser saw; and set `service` or guard with `allowedHosts()`.
 *
 * @module trowel/auth/cas
 */
export {
  casAuth,
  CAS_ATTRIBUTES,
  type CasAuthOptions,
  type CasSessionOptions,
  type CasValidation,
} from './cas-auth.ts';
export type { CasAttributes } from './response.ts';
