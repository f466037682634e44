import { describe, expect, it } from 'vitest';
import type { Handler } from '../core/handler.ts';
import { TestApp } from './index.ts';

describe('TestApp cookies', () => {
  const cookieApp: Handler = (request) => {
    const url = new URL(request.url);
    const headers = new Headers({ 'content-type': 'text/plain' });
    if (url.pathname === '/login') headers.append('set-cookie', 'sid=abc; Path=/; HttpOnly');
    if (url.pathname === '/logout') headers.append('set-cookie', 'sid=; Path=/; Max-Age=0');
    if (url.pathname === '/secure') headers.append('set-cookie', 'tok=1; Secure');
    if (url.pathname === '/redirect') {
      headers.append('set-cookie', 'flash=hi; Path=/');
      headers.set('location', '/seen');
      return new Response(null, { status: 302, headers });
    }
    return new Response(request.headers.get('cookie') ?? '(none)', { headers });
  };

  it('keeps a cookie the app set and sends it back', async () => {
    const app = new TestApp(cookieApp);
    await app.get('/login');
    expect((await app.get('/whoami')).text).toBe('sid=abc');
    expect(app.getCookie('sid')).toBe('abc');
    expect([...app.cookies]).toEqual([['sid', 'abc']]);
  });

  it('forgets a cookie the app deletes', async () => {
    const app = new TestApp(cookieApp);
    await app.get('/login');
    await app.get('/logout');
    expect((await app.get('/whoami')).text).toBe('(none)');
  });

  it('forgets every cookie on resetCookies()', async () => {
    const app = new TestApp(cookieApp);
    await app.get('/login');
    app.resetCookies();
    expect((await app.get('/')).text).toBe('(none)');
  });

  it('keeps a cookie set on a redirect for the next request', async () => {
    const app = new TestApp(cookieApp);
    const res = await app.get('/redirect');
    expect((await res.follow()).text).toBe('flash=hi');
  });

  it('sends a Secure cookie only over https', async () => {
    const app = new TestApp(cookieApp);
    await app.get('http://localhost/secure');
    expect(app.cookieJar.size).toBe(0);
    await app.get('https://localhost/secure');
    expect((await app.get('https://localhost/')).text).toBe('tok=1');
    expect((await app.get('http://localhost/')).text).toBe('(none)');
  });

  it('sends a cookie set by hand', async () => {
    const app = new TestApp(cookieApp);
    app.setCookie('pref', 'dark', { path: '/settings' });
    expect((await app.get('/settings/x')).text).toBe('pref=dark');
    expect((await app.get('/')).text).toBe('(none)');
  });

  it('sends a Cookie header given by the test as is, without adding it to the jar', async () => {
    const app = new TestApp(cookieApp);
    await app.get('/login');
    expect((await app.get('/', { headers: { cookie: 'x=1' } })).text).toBe('x=1');
    expect(app.getCookie('x')).toBeUndefined();
  });

  it('shares a jar given to two apps', async () => {
    const first = new TestApp(cookieApp);
    const second = new TestApp(cookieApp, { cookieJar: first.cookieJar });
    await first.get('/login');
    expect((await second.get('/')).text).toBe('sid=abc');
  });
});
