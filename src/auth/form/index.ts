/**
 * An HTML login form, replacing Paste's `paste.auth.form` (`AuthFormHandler`).
 *
 * A request that arrives without a user (`REMOTE_USER` unset) gets a login page: `401` with
 * `WWW-Authenticate: Form realm="…"`, so no cache or crawler mistakes it for the page itself. Its
 * form posts back to the same URL. A POST of a valid user name and password sets `REMOTE_USER`
 * and `AUTH_TYPE` (`'form'`) and runs the application for that request as a `GET` of the same
 * URL — the application serves the page the visitor asked for, and the password never reaches it.
 * Wrong credentials show the form again (401) with a message; a POST without a valid CSRF token,
 * or from another origin, gets the form again with 403.
 *
 * Like Paste's, this middleware keeps no session: it signs a user in for one request. Put it
 * inside `signedCookie()` (trowel/auth/cookie) or `session()` (trowel/session), which remember
 * `REMOTE_USER` across requests, so the form shows once.
 *
 * What it fixes in Paste: the action URL (and Host) went into the page unescaped (reflected
 * XSS) — here every interpolated value is escaped, and the action is the path and query only;
 * there was no CSRF protection — here a signed double-submit token (an `HttpOnly` cookie, on https
 * `__Host-`-prefixed, and an HMAC-SHA256 of it with the issue time) and an `Origin` check; the
 * body was a `str` with a character-counted Content-Length — here bytes; unauthenticated requests
 * got `200` — here `401`; and the login page may not be cached or framed.
 *
 * When not to use it: for APIs and scripts (use `basicAuth()` or `digestAuth()`, or
 * `multiAuth()` to serve both), or when an identity provider is available (`casAuth()`). It does
 * not throttle password guessing: put a rate limiter in front of it on a public site.
 *
 * @module trowel/auth/form
 */
export { formAuth, type FormAuthOptions, type FormVerify } from './form.ts';
export {
  CSRF_FIELD,
  defaultLoginTemplate,
  PASSWORD_FIELD,
  USERNAME_FIELD,
  type LoginPage,
} from './page.ts';
