import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compose } from '../../core/handler.ts';
import type { Handler } from '../../core/handler.ts';
import { REMOTE_USER } from '../../core/keys.ts';
import { serve, type TrowelServer } from '../../server/index.ts';
import { TestApp } from '../../testing/index.ts';
import { signedCookie } from '../cookie/index.ts';
import { formAuth } from './index.ts';

const run = promisify(execFile);

function hasCurl(): boolean {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('formAuth() over a real socket', () => {
  let server: TrowelServer;
  let remembered: TrowelServer;
  const app: Handler = (request, ctx) =>
    new Response(`Hello ${ctx.get(REMOTE_USER) ?? ''} (${request.method})`);

  beforeAll(async () => {
    const auth = formAuth({
      verify: (user, password) => user === 'ada' && password === 'lovelace',
    });
    server = await serve(auth(app), { port: 0, host: '127.0.0.1' });
    const remember = signedCookie({ secret: 'a cookie secret of thirty-two bytes!' });
    remembered = await serve(compose(remember, auth)(app), { port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await Promise.all([server.close(), remembered.close()]);
  });

  it('signs in through the form, carrying the CSRF cookie in the jar', async () => {
    const client = new TestApp(server.url);
    const page = await client.get('/private?tab=2', { status: 401 });
    expect(client.getCookie('trowel_csrf')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    page.form.set('username', 'ada').set('password', 'lovelace');
    const res = await page.form.submit();
    expect(res.status).toBe(200);
    expect(res.text).toBe('Hello ada (GET)');
  });

  it('refuses the login without the cookie the form was issued with', async () => {
    const client = new TestApp(server.url);
    const page = await client.get('/private', { status: 401 });
    client.resetCookies();
    page.form.set('username', 'ada').set('password', 'lovelace');
    const res = await page.form.submit(undefined, { status: 403 });
    expect(res.headers.get('set-cookie')).toMatch(/^trowel_csrf=/);
  });

  it('keeps no session: the next request shows the form again', async () => {
    const client = new TestApp(server.url);
    const page = await client.get('/private', { status: 401 });
    page.form.set('username', 'ada').set('password', 'lovelace');
    await page.form.submit();
    await client.get('/private', { status: 401 });
  });

  it('shows the form once when composed with signedCookie()', async () => {
    const client = new TestApp(remembered.url);
    const page = await client.get('/private', { status: 401 });
    page.form.set('username', 'ada').set('password', 'lovelace');
    expect((await page.form.submit()).text).toBe('Hello ada (GET)');
    expect((await client.get('/other')).text).toBe('Hello ada (GET)');
  });

  it.skipIf(!hasCurl())(
    'signs curl in with its cookie jar (skipped when curl is absent)',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'trowel-form-curl-'));
      try {
        const jar = join(dir, 'jar');
        const url = `${server.url}/private`;
        const page = await run('curl', ['-sS', '-c', jar, url]);
        const token = /name="_csrf" value="([^"]+)"/.exec(page.stdout)?.[1] ?? '';
        expect(token).not.toBe('');
        const fields = ['username=ada', 'password=lovelace', `_csrf=${token}`];
        const login = await run('curl', [
          ...['-sS', '-b', jar, '-c', jar, '-w', '\n%{http_code}'],
          ...fields.flatMap((field) => ['--data-urlencode', field]),
          url,
        ]);
        expect(login.stdout).toBe('Hello ada (GET)\n200');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
