import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isConfigError } from '../../core/config-error.ts';
import type { Handler } from '../../core/handler.ts';
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import { TestApp } from '../../testing/index.ts';
import { formAuth, type FormAuthOptions } from './index.ts';

const SECRET = 'a secret of at least thirty-two bytes!';

interface Seen {
  user: string | undefined;
  type: string | undefined;
  method: string;
  body: string;
  contentType: string | null;
}

function setup(options: Partial<FormAuthOptions> = {}, base = 'http://localhost') {
  const seen: Seen[] = [];
  const app: Handler = async (request, ctx) => {
    seen.push({
      user: ctx.get(REMOTE_USER),
      type: ctx.get(AUTH_TYPE),
      method: request.method,
      body: await request.text(),
      contentType: request.headers.get('content-type'),
    });
    return new Response(`Hello ${ctx.get(REMOTE_USER) ?? 'nobody'}`);
  };
  const verify = (user: string, password: string): boolean =>
    user === 'ada' && password === 'lovelace';
  const auth = formAuth(
    options.htpasswd === undefined
      ? { verify, secret: SECRET, ...options }
      : { secret: SECRET, ...options },
  );
  const handler = auth(app);
  return { client: new TestApp(handler, { baseUrl: base }), handler, seen };
}

/** The login page's token and the CSRF cookie the client now holds. */
async function loginPage(client: TestApp, url = '/private') {
  const page = await client.get(url, { status: 401 });
  const token = page.form.get('_csrf');
  return { page, token: typeof token === 'string' ? token : '' };
}

function post(client: TestApp, params: Record<string, string>, headers: HeadersInit = {}) {
  return client.post('/private', { params, headers, status: '*' });
}

/** The token with the first character of its MAC changed. */
function tamper(token: string): string {
  const dot = token.indexOf('.');
  const flipped = token[dot + 1] === 'A' ? 'B' : 'A';
  return `${token.slice(0, dot + 1)}${flipped}${token.slice(dot + 2)}`;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('formAuth(): the login page', () => {
  it('answers a visitor without a user with the login form and 401, without running the app', async () => {
    const { client, seen } = setup();
    const res = await client.get('/private', { status: 401 });
    expect(res.contentType).toBe('text/html; charset=utf-8');
    expect(res.headers.get('www-authenticate')).toBe('Form realm="Sign in"');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.form.action).toBe('/private');
    expect(res.form.method).toBe('POST');
    expect(seen).toEqual([]);
  });

  it('lets a request that already has a user through untouched', async () => {
    const { client, seen } = setup();
    const res = await client.get('/private', { context: (ctx) => ctx.set(REMOTE_USER, 'bob') });
    expect(res.text).toBe('Hello bob');
    expect(seen).toHaveLength(1);
  });

  it.each([
    ['a query string', '/p?x="><script>alert(1)</script>'],
    ['a path', '/p/"><script>alert(1)</script>'],
    ['an encoded query', '/p?x=%22%3E%3Cscript%3Ealert(1)%3C/script%3E'],
  ])('never puts markup from %s into the page raw', async (_what, url) => {
    const { client } = setup();
    const res = await client.get(url, { status: 401 });
    expect(res.text).not.toContain('<script>');
    expect(res.text).not.toContain('"><');
    expect(res.form.action.startsWith('/p')).toBe(true);
  });

  it('escapes the realm', async () => {
    const { client } = setup({ realm: '<b>"Staff"</b>' });
    const res = await client.get('/', { status: 401 });
    expect(res.text).toContain('<title>&lt;b&gt;&quot;Staff&quot;&lt;/b&gt;</title>');
    expect(res.headers.get('www-authenticate')).toBe('Form realm="<b>\\"Staff\\"</b>"');
  });

  it('sets an HttpOnly, SameSite=Lax CSRF cookie for the whole site', async () => {
    const { client } = setup();
    const res = await client.get('/private', { status: 401 });
    expect(res.headers.get('set-cookie')).toMatch(
      /^trowel_csrf=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/,
    );
  });

  it('uses a __Host- cookie with Secure on https', async () => {
    const { client } = setup({}, 'https://example.test');
    const res = await client.get('/private', { status: 401 });
    expect(res.headers.get('set-cookie')).toMatch(
      /^__Host-trowel_csrf=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/,
    );
  });

  it('keeps a valid CSRF cookie instead of setting a new one', async () => {
    const { client } = setup();
    await client.get('/private', { status: 401 });
    const again = await client.get('/private', { status: 401 });
    expect(again.headers.get('set-cookie')).toBeNull();
  });

  it('renders a custom template with escaped values', async () => {
    const { client } = setup({
      template: (page) =>
        `<form method="post" action="${page.action}">${page.csrfInput}<p>${page.title}</p></form>`,
      realm: 'R&D',
    });
    const res = await client.get('/x?a=1&b=2', { status: 401 });
    expect(res.text).toContain('action="/x?a=1&amp;b=2"');
    expect(res.text).toContain('<p>R&amp;D</p>');
    expect(res.headers.get('content-security-policy')).toBe(
      "form-action 'self'; frame-ancestors 'none'",
    );
  });

  it('sends no body for HEAD', async () => {
    const { client } = setup();
    const res = await client.head('/private', { status: 401 });
    expect(res.text).toBe('');
  });

  it('shows the form for a POST of the application from a visitor not signed in', async () => {
    const { client, seen } = setup();
    const res = await client.post('/private', { params: { comment: 'hi' }, status: 401 });
    expect(res.form.action).toBe('/private');
    expect(seen).toEqual([]);
  });

  it('answers 413 for a login POST larger than bodyLimit', async () => {
    const { client, seen } = setup({ bodyLimit: 100 });
    const res = await post(client, { username: 'ada', password: 'x'.repeat(200) });
    expect(res.status).toBe(413);
    expect(seen).toEqual([]);
  });

  it('shows the form for a JSON POST without reading it', async () => {
    const { client, seen } = setup();
    await client.postJson('/private', { a: 1 }, { status: 401 });
    expect(seen).toEqual([]);
  });
});

describe('formAuth(): signing in', () => {
  it('signs in with the right credentials and runs the app as a GET without the body', async () => {
    const { client, seen } = setup();
    const { page } = await loginPage(client, '/private?tab=2');
    page.form.set('username', 'ada').set('password', 'lovelace');
    const res = await page.form.submit();
    expect(res.status).toBe(200);
    expect(res.text).toBe('Hello ada');
    expect(seen).toEqual([
      { user: 'ada', type: 'form', method: 'GET', body: '', contentType: null },
    ]);
  });

  it('shows the form again with 401 and the user name for wrong credentials', async () => {
    const { client, seen } = setup();
    const { page } = await loginPage(client);
    page.form.set('username', 'ada').set('password', 'wrong');
    const res = await page.form.submit(undefined, { status: 401 });
    res.mustContain('Wrong user name or password.');
    expect(res.form.get('username')).toBe('ada');
    expect(res.form.get('password')).toBe('');
    expect(seen).toEqual([]);
  });

  it('escapes a user name with markup when showing it again', async () => {
    const { client } = setup();
    const { page } = await loginPage(client);
    page.form.set('username', '"><script>x()</script>').set('password', 'wrong');
    const res = await page.form.submit(undefined, { status: 401 });
    expect(res.text).not.toContain('<script>');
    expect(res.form.get('username')).toBe('"><script>x()</script>');
  });

  it.each([
    ['an empty password', 'ada', ''],
    ['an empty user name', '', 'lovelace'],
  ])('asks again for %s', async (_what, username, password) => {
    const { client, seen } = setup();
    const { token } = await loginPage(client);
    const res = await post(client, { _csrf: token, username, password });
    expect(res.status).toBe(401);
    res.mustContain('Enter your user name and password.');
    expect(seen).toEqual([]);
  });

  it('hands verify the user, password, request and context, and calls onUser after it', async () => {
    const calls: string[] = [];
    const { client } = setup({
      verify: (user, password, request, ctx) => {
        calls.push(`verify ${user} ${password} ${request.method} ${ctx.remoteAddr}`);
        return true;
      },
      onUser: (user, _request, ctx) => {
        calls.push(`onUser ${user} ${String(ctx.get(AUTH_TYPE))}`);
      },
    });
    const { token } = await loginPage(client);
    await post(client, { _csrf: token, username: 'x', password: 'y' });
    expect(calls).toEqual(['verify x y POST 127.0.0.1', 'onUser x form']);
  });

  it('accepts an async verify', async () => {
    const { client } = setup({ verify: async (user) => Promise.resolve(user === 'ada') });
    const { token } = await loginPage(client);
    const res = await post(client, { _csrf: token, username: 'ada', password: 'p' });
    expect(res.text).toBe('Hello ada');
  });

  it('checks credentials against an htpasswd file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trowel-form-'));
    try {
      const sha = createHash('sha1').update('lovelace').digest('base64');
      writeFileSync(join(dir, 'htpasswd'), `ada:{SHA}${sha}\n`);
      const { client } = setup({ htpasswd: join(dir, 'htpasswd') });
      const { token } = await loginPage(client);
      const wrong = await post(client, { _csrf: token, username: 'ada', password: 'nope' });
      const unknown = await post(client, { _csrf: token, username: 'bob', password: 'lovelace' });
      const right = await post(client, { _csrf: token, username: 'ada', password: 'lovelace' });
      expect([wrong.status, unknown.status, right.status]).toEqual([401, 401, 200]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('formAuth(): CSRF', () => {
  it.each<[string, (token: string) => Record<string, string>, HeadersInit]>([
    ['no token', () => ({ username: 'ada', password: 'lovelace' }), {}],
    ['a tampered token', (t) => ({ _csrf: tamper(t), username: 'ada', password: 'lovelace' }), {}],
    [
      'a token with a forged time',
      (t) => ({ _csrf: `zz${t}`, username: 'ada', password: 'lovelace' }),
      {},
    ],
    [
      'another origin',
      (t) => ({ _csrf: t, username: 'ada', password: 'lovelace' }),
      { origin: 'https://evil.test' },
    ],
    [
      'an opaque origin',
      (t) => ({ _csrf: t, username: 'ada', password: 'lovelace' }),
      { origin: 'null' },
    ],
    [
      'Sec-Fetch-Site: cross-site',
      (t) => ({ _csrf: t, username: 'ada', password: 'lovelace' }),
      { 'sec-fetch-site': 'cross-site' },
    ],
  ])('refuses a login POST with %s with 403 and a fresh form', async (_what, params, headers) => {
    const { client, seen } = setup();
    const { token } = await loginPage(client);
    const res = await post(client, params(token), headers);
    expect(res.status).toBe(403);
    res.mustContain('This form has expired or was sent from another site.');
    expect(res.form.get('_csrf')).not.toBe('');
    expect(seen).toEqual([]);
  });

  it('accepts a login POST whose Origin is the site itself', async () => {
    const { client } = setup();
    const { token } = await loginPage(client);
    const params = { _csrf: token, username: 'ada', password: 'lovelace' };
    const res = await post(client, params, { origin: 'http://localhost' });
    expect(res.status).toBe(200);
  });

  it('refuses a token without the cookie it was issued for', async () => {
    const { client } = setup();
    const { token } = await loginPage(client);
    client.resetCookies();
    const res = await post(client, { _csrf: token, username: 'ada', password: 'lovelace' });
    expect(res.status).toBe(403);
  });

  it('refuses a token issued for another visitor’s cookie', async () => {
    const { client: attacker } = setup();
    const { token } = await loginPage(attacker);
    const { client: victim } = setup();
    await loginPage(victim);
    const res = await post(victim, { _csrf: token, username: 'ada', password: 'lovelace' });
    expect(res.status).toBe(403);
  });

  it('refuses a token signed with another secret', async () => {
    const { client } = setup({ secret: 'another secret, thirty-two bytes long' });
    const { token } = await loginPage(client);
    const other = setup();
    const params = { _csrf: token, username: 'ada', password: 'lovelace' };
    const res = await new TestApp(other.handler, { cookieJar: client.cookieJar }).post('/private', {
      params,
      status: '*',
    });
    expect(res.status).toBe(403);
  });

  it('accepts a form issued by another instance that shares the secret', async () => {
    const { client } = setup();
    const { token } = await loginPage(client);
    const other = setup();
    const params = { _csrf: token, username: 'ada', password: 'lovelace' };
    const res = await new TestApp(other.handler, { cookieJar: client.cookieJar }).post('/private', {
      params,
    });
    expect(res.text).toBe('Hello ada');
  });

  it('refuses a form older than tokenMaxAge and accepts one just inside it', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-01-01T00:00:00Z') });
    const { client } = setup({ tokenMaxAge: 600 });
    const { token } = await loginPage(client);
    const params = { _csrf: token, username: 'ada', password: 'lovelace' };
    vi.setSystemTime(new Date('2026-01-01T00:10:00Z'));
    expect((await post(client, params)).status).toBe(200);
    vi.setSystemTime(new Date('2026-01-01T00:10:01Z'));
    expect((await post(client, params)).status).toBe(403);
  });
});

describe('formAuth(): options', () => {
  it.each<[string, unknown, string]>([
    ['neither verify nor htpasswd', {}, 'TROWEL_ERR_AUTH_FORM_VERIFY'],
    [
      'both verify and htpasswd',
      { verify: () => true, htpasswd: '/x' },
      'TROWEL_ERR_AUTH_FORM_VERIFY',
    ],
    ['a verify that is not a function', { verify: 'yes' }, 'TROWEL_ERR_AUTH_FORM_VERIFY'],
    [
      'a missing htpasswd file',
      { htpasswd: '/nonexistent/htpasswd' },
      'TROWEL_ERR_AUTH_FORM_HTPASSWD',
    ],
    ['an empty htpasswd path', { htpasswd: '' }, 'TROWEL_ERR_AUTH_FORM_VERIFY'],
    ['a short secret', { verify: () => true, secret: 'short' }, 'TROWEL_ERR_AUTH_FORM_SECRET'],
    [
      'a realm with a newline',
      { verify: () => true, realm: 'a\nb' },
      'TROWEL_ERR_AUTH_FORM_OPTIONS',
    ],
    [
      'a template that is a string',
      { verify: () => true, template: '<form>' },
      'TROWEL_ERR_AUTH_FORM_OPTIONS',
    ],
    ['a zero tokenMaxAge', { verify: () => true, tokenMaxAge: 0 }, 'TROWEL_ERR_AUTH_FORM_OPTIONS'],
    [
      'a fractional bodyLimit',
      { verify: () => true, bodyLimit: 1.5 },
      'TROWEL_ERR_AUTH_FORM_OPTIONS',
    ],
    [
      'an onUser that is not a function',
      { verify: () => true, onUser: 1 },
      'TROWEL_ERR_AUTH_FORM_OPTIONS',
    ],
  ])('refuses %s when built', (_what, options, code) => {
    let caught: unknown;
    try {
      formAuth(options as FormAuthOptions);
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught) && caught.code).toBe(code);
  });

  it('does not change the options it is given', () => {
    const options = Object.freeze({ verify: () => true, realm: 'r' });
    expect(() => formAuth(options)).not.toThrow();
  });
});

describe('the form action', () => {
  it.each(['//evil.example/steal', '/\\evil.example/steal', '///evil.example'])(
    'never names another host for %s, even with a custom template',
    async (path) => {
      const { handler } = setup({ template: (page) => `<form action="${page.action}"></form>` });
      const request = new Request(`http://localhost${path}`);
      const { Context } = await import('../../core/context.ts');
      const response = await handler(
        request,
        new Context(request, { pathInfo: new URL(request.url).pathname }),
      );
      const body = await response.text();
      expect(body).toMatch(/action="\/[^/\\]/);
      expect(response.headers.get('content-security-policy')).toContain("form-action 'self'");
    },
  );
});
