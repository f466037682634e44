/**
 * The login page: the values a template receives, already escaped, and the default template.
 */
import { escapeHtml } from '../../core/escape.ts';

/** The form field that carries the CSRF token. */
export const CSRF_FIELD = '_csrf';
/** The form field that carries the user name. */
export const USERNAME_FIELD = 'username';
/** The form field that carries the password. */
export const PASSWORD_FIELD = 'password';

/**
 * What a login-page template receives. Every string is already HTML-escaped (for text and for
 * double-quoted attribute values), so a template inserts them as they are and never escapes twice.
 */
export interface LoginPage {
  /** The form's `action`: the path and query of the protected URL the visitor asked for. */
  readonly action: string;
  /** The page title: the `realm` option. */
  readonly title: string;
  /** The user name from a failed attempt, to fill the field again; `''` on a first visit. */
  readonly username: string;
  /** Why the last attempt failed; `''` on a first visit. */
  readonly error: string;
  /**
   * The hidden `<input>` carrying the CSRF token: put it inside the `<form>`, or the login is
   * refused with 403.
   */
  readonly csrfInput: string;
  /** The field names the form must use: `username`, `password`. */
  readonly fields: { readonly username: string; readonly password: string };
}

/** Builds the escaped page values. */
export function loginPage(
  action: string,
  realm: string,
  username: string,
  error: string,
  token: string,
): LoginPage {
  return {
    action: escapeHtml(action),
    title: escapeHtml(realm),
    username: escapeHtml(username),
    error: escapeHtml(error),
    csrfInput: `<input type="hidden" name="${CSRF_FIELD}" value="${escapeHtml(token)}">`,
    fields: { username: USERNAME_FIELD, password: PASSWORD_FIELD },
  };
}

/**
 * The built-in login page: a plain, accessible HTML form with no script and no external resource,
 * so the strict `Content-Security-Policy` it is served with costs nothing.
 *
 * @example
 * ```ts
 * import { defaultLoginTemplate, formAuth } from 'trowel/auth/form';
 * const auth = formAuth({
 *   verify: (user, password) => user === 'ada' && password === 'secret',
 *   template: (page) => defaultLoginTemplate(page).replace('</head>', '<meta name="robots" content="noindex"></head>'),
 * });
 * ```
 */
export function defaultLoginTemplate(page: LoginPage): string {
  const error = page.error === '' ? '' : `\n<p class="error" role="alert">${page.error}</p>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title}</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}label,input,button{display:block;width:100%;box-sizing:border-box}input{margin:.25rem 0 1rem;padding:.4rem}button{padding:.5rem}.error{color:#b00020}</style>
</head>
<body>
<h1>${page.title}</h1>${error}
<form method="post" action="${page.action}">
${page.csrfInput}
<label for="username">User name</label>
<input id="username" name="${page.fields.username}" value="${page.username}" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input id="password" name="${page.fields.password}" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}
