/**
 * Paste's authentication and session entry points loaded from config files: auth_tkt,
 * auth_cookie, auth_form, grantip, paste_session and flup_session (auth_basic and auth_digest have
 * their own file).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createTicket } from '../../src/auth/tkt/index.ts';
import { loadApp } from '../../src/deploy/loader.ts';
import { get, rejection, tree } from './helpers.ts';

const WHO = `import { REMOTE_USER, AUTH_TYPE } from ${JSON.stringify(new URL('../../src/core/keys.ts', import.meta.url).pathname)};
export const who = (request, ctx) => new Response(String(ctx.get(REMOTE_USER) ?? '-') + ' ' + String(ctx.get(AUTH_TYPE) ?? '-'));
`;

function site(filter: string, globals = '', files: Record<string, string> = {}): string {
  return `${tree({
    'site.ini': `${globals}[app:main]\nuse = file:./app.mjs#who\nfilter-with = f\n\n[filter:f]\n${filter}\n`,
    'app.mjs': WHO,
    ...files,
  })}/site.ini`;
}

const SECRET = 'a shared secret, long enough to resist guessing';

describe('egg:Paste#auth_tkt', () => {
  it('accepts an md5 ticket (the Paste and mod_auth_tkt default) with the secret from [DEFAULT]', async () => {
    const app = await loadApp(site('use = egg:Paste#auth_tkt', `[DEFAULT]\nsecret = ${SECRET}\n`));
    const ticket = createTicket({ secret: SECRET, user: 'alice', digest: 'md5' });
    const text = await (await get(app, '/', { cookie: `auth_tkt=${ticket}` })).text();
    expect(text).toBe('alice auth_tkt');
  });

  it('refuses a short secret at load time, naming the key', async () => {
    const error = await rejection(loadApp(site('use = egg:Paste#auth_tkt\nsecret = short')));
    expect(error).toMatchObject({ section: 'filter:f', key: 'secret' });
  });
});

describe('egg:Paste#auth_cookie', () => {
  it('refuses a Python signer and unknown scanlist names', async () => {
    const signer = await rejection(
      loadApp(site(`use = egg:Paste#auth_cookie\nsecret = ${SECRET}\nsigner = mymod.Signer`)),
    );
    expect(signer.key).toBe('signer');
    const scan = await rejection(
      loadApp(site(`use = egg:Paste#auth_cookie\nsecret = ${SECRET}\nscanlist = REMOTE_USER HOME`)),
    );
    expect(scan.key).toBe('scanlist');
  });

  it('loads with Paste’s options and passes requests without a cookie', async () => {
    const app = await loadApp(
      site(`use = egg:Paste#auth_cookie\nsecret = ${SECRET}\ntimeout = 10\nscanlist = REMOTE_USER`),
    );
    expect(await (await get(app, '/')).text()).toBe('- -');
  });
});

const htpasswd = spawnSync('sh', ['-c', 'command -v htpasswd'], { encoding: 'utf8' }).stdout.trim();

describe('egg:Paste#auth_form', () => {
  it('refuses authfunc, pointing at htpasswd', async () => {
    const error = await rejection(
      loadApp(site('use = egg:Paste#auth_form\nauthfunc = mymod.check')),
    );
    expect(error.key).toBe('authfunc');
    expect(error.detail).toContain('htpasswd = path');
  });

  it.skipIf(htpasswd === '')(
    'shows the login form, checking users against an htpasswd file',
    async () => {
      const dir = tree({});
      spawnSync(htpasswd, ['-c', '-b', '-B', `${dir}/users`, 'alice', 'wonderland']);
      const app = await loadApp(
        site(
          `use = egg:Paste#auth_form\nhtpasswd = ${dir}/users\nrealm = Members\nsecret = ${SECRET}`,
        ),
      );
      const response = await get(app, '/', { accept: 'text/html' });
      expect(response.status).toBe(401);
      expect(await response.text()).toContain('<form');
    },
  );
});

describe('egg:Paste#grantip', () => {
  it('grants users by address, with Paste’s user:roles values and IPv6 ranges in ranges', async () => {
    const app = await loadApp(
      site(
        'use = egg:Paste#grantip\n127.0.0.1 = bob:admin\nranges = ::1 carol:-\nclobber_username = true',
      ),
    );
    expect(await (await get(app, '/')).text()).toBe('bob grantip');
  });
});

describe('the session entry points', () => {
  it('egg:Paste#paste_session keeps sessions in session_file_path', async () => {
    const dir = tree({});
    const app = await loadApp(
      site(
        `use = egg:Paste#paste_session\nsession_file_path = ${dir}/sessions\nexpiration = 60\nchmod = 0600`,
      ),
      { onWarning: () => undefined },
    );
    expect((await get(app, '/')).status).toBe(200);
  });

  it('egg:Paste#flup_session refuses shelve, which is pickled', async () => {
    const error = await rejection(
      loadApp(site('use = egg:Paste#flup_session\nsession_type = shelve')),
    );
    expect(error.key).toBe('session_type');
  });

  it('egg:Paste#flup_session takes session_type = ram', async () => {
    const app = await loadApp(
      site('use = egg:Paste#flup_session\nsession_type = ram\nsession_timeout = 5'),
    );
    expect((await get(app, '/')).status).toBe(200);
  });
});

const htdigest = spawnSync('sh', ['-c', 'command -v htdigest'], { encoding: 'utf8' }).stdout.trim();

describe('egg:Paste#auth_basic and egg:Paste#auth_digest', () => {
  it('auth_basic refuses authfunc and requires realm', async () => {
    const error = await rejection(loadApp(site('use = egg:Paste#auth_basic\nauthfunc = m.check')));
    expect(error.key).toBe('authfunc');
  });

  it.skipIf(htpasswd === '')('auth_basic checks users in an htpasswd file', async () => {
    const dir = tree({});
    spawnSync(htpasswd, ['-c', '-b', '-m', `${dir}/users`, 'alice', 'wonderland']);
    const app = await loadApp(
      site(`use = egg:Paste#auth_basic\nrealm = Members\nhtpasswd = ${dir}/users`),
    );
    const denied = await get(app, '/');
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toBe('Basic realm="Members", charset="UTF-8"');
    const basic = Buffer.from('alice:wonderland').toString('base64');
    expect(await (await get(app, '/', { authorization: `Basic ${basic}` })).text()).toBe(
      'alice Basic',
    );
  });

  it.skipIf(htdigest === '')('auth_digest challenges with MD5 for an htdigest file', async () => {
    const dir = tree({});
    spawnSync('sh', ['-c', `printf 'pw\\npw\\n' | ${htdigest} -c ${dir}/users Members alice`]);
    const app = await loadApp(
      site(
        `use = egg:Paste#auth_digest\nrealm = Members\nhtdigest = ${dir}/users\nsecret = ${SECRET}`,
      ),
    );
    const response = await get(app, '/');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(
      /^Digest realm="Members", .*algorithm=MD5/,
    );
  });
});
