import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AUTH_TYPE, Context, parseSetCookie, REMOTE_USER, type Handler } from '../../core/index.ts';
import { AUTH_TKT, authTkt, TKT_TOKENS, TKT_USER_DATA } from './middleware.ts';
import type { AuthTktOptions } from './options.ts';
import { createTicket } from './ticket.ts';

const secret = 'a long shared secret';
const T0 = 1_700_000_000;

interface Seen {
  user: string | undefined;
  type: string | undefined;
  tokens: readonly string[] | undefined;
  data: string | undefined;
}

function setup(options: Partial<AuthTktOptions> = {}, act?: (ctx: Context) => void) {
  const seen: Seen[] = [];
  const inner: Handler = (_request, ctx) => {
    act?.(ctx);
    seen.push({
      user: ctx.get(REMOTE_USER),
      type: ctx.get(AUTH_TYPE),
      tokens: ctx.get(TKT_TOKENS),
      data: ctx.get(TKT_USER_DATA),
    });
    return new Response('ok');
  };
  const handler = authTkt({ secret, ...options })(inner);
  const send = async (
    cookie?: string,
    init: { path?: string; remoteAddr?: string; https?: boolean } = {},
  ) => {
    const url = `${init.https === true ? 'https' : 'http'}://example.test${init.path ?? '/'}`;
    const request = new Request(url, cookie === undefined ? {} : { headers: { cookie } });
    const response = await handler(
      request,
      new Context(request, { remoteAddr: init.remoteAddr ?? '192.0.2.1' }),
    );
    return { response, setCookie: response.headers.getSetCookie(), seen: seen.at(-1) };
  };
  return { send, seen };
}

function ticket(extra: Partial<Parameters<typeof createTicket>[0]> = {}): string {
  return createTicket({
    secret,
    user: 'alice',
    tokens: ['admin'],
    userData: 'hi',
    timestamp: T0,
    ...extra,
  });
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime((T0 + 60) * 1000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('authTkt reading tickets', () => {
  it('sets REMOTE_USER, AUTH_TYPE, tokens and data from a valid ticket', async () => {
    const { send } = setup();
    const { seen, setCookie } = await send(`auth_tkt=${ticket()}`);
    expect(seen).toEqual({ user: 'alice', type: 'auth_tkt', tokens: ['admin'], data: 'hi' });
    expect(setCookie).toEqual([]);
  });

  it('leaves the user unset and sets no cookie without a ticket', async () => {
    const { send } = setup();
    const { seen, setCookie } = await send();
    expect(seen?.user).toBeUndefined();
    expect(setCookie).toEqual([]);
  });

  it('accepts a base64-encoded ticket, as Paste AuthTicket.cookie() writes it', async () => {
    const { send } = setup();
    const { seen } = await send(`auth_tkt=${Buffer.from(ticket()).toString('base64')}`);
    expect(seen?.user).toBe('alice');
  });

  it('refuses a base64-encoded ticket when acceptBase64 is false', async () => {
    const { send } = setup({ acceptBase64: false });
    const { seen } = await send(`auth_tkt=${Buffer.from(ticket()).toString('base64')}`);
    expect(seen?.user).toBeUndefined();
  });

  it('accepts a ticket in double quotes', async () => {
    const { send } = setup();
    expect((await send(`auth_tkt="${ticket()}"`)).seen?.user).toBe('alice');
  });

  it.each([
    ['user id', (t: string) => t.replace('alice', 'mallory')],
    ['tokens', (t: string) => t.replace('admin', 'root')],
    ['digest', (t: string) => `${t[0] === 'a' ? 'b' : 'a'}${t.slice(1)}`],
    ['timestamp', (t: string) => t.replace(T0.toString(16), (T0 + 1).toString(16))],
  ])('ignores and clears a ticket with a tampered %s', async (_name, tamper) => {
    const { send } = setup();
    const { seen, setCookie } = await send(`auth_tkt=${tamper(ticket())}`);
    expect(seen?.user).toBeUndefined();
    expect(setCookie).toHaveLength(1);
    expect(parseSetCookie(setCookie[0] ?? '')).toMatchObject({
      name: 'auth_tkt',
      value: '',
      maxAge: 0,
    });
  });

  it('ignores an expired ticket', async () => {
    const { send } = setup({ timeout: 3600 });
    vi.setSystemTime((T0 + 3601) * 1000);
    expect((await send(`auth_tkt=${ticket()}`)).seen?.user).toBeUndefined();
  });

  it.each([
    ['a minute ahead (clock skew)', 120, 'alice'],
    ['more than a minute ahead', 121, undefined],
    ['in 2106', 0xffffffff - T0, undefined],
  ])('treats a ticket dated %s accordingly', async (_label, ahead, user) => {
    const { send } = setup({ timeout: 3600 });
    expect((await send(`auth_tkt=${ticket({ timestamp: T0 + ahead })}`)).seen?.user).toBe(user);
  });

  it('accepts a ticket exactly at the timeout', async () => {
    const { send } = setup({ timeout: 3600, reissueTime: false });
    vi.setSystemTime((T0 + 3600) * 1000);
    expect((await send(`auth_tkt=${ticket()}`)).seen?.user).toBe('alice');
  });

  it('expires tickets after two hours by default, like mod_auth_tkt', async () => {
    const { send } = setup();
    vi.setSystemTime((T0 + 7201) * 1000);
    expect((await send(`auth_tkt=${ticket()}`)).seen?.user).toBeUndefined();
  });

  it('accepts an old ticket when timeout is false', async () => {
    const { send } = setup({ timeout: false });
    vi.setSystemTime((T0 + 10 * 365 * 86400) * 1000);
    const { seen, setCookie } = await send(`auth_tkt=${ticket()}`);
    expect(seen?.user).toBe('alice');
    expect(setCookie).toEqual([]);
  });

  it('rejects a ticket from another address when includeIp is set', async () => {
    const { send } = setup({ includeIp: true });
    const bound = ticket({ ip: '192.0.2.1' });
    expect((await send(`auth_tkt=${bound}`, { remoteAddr: '192.0.2.1' })).seen?.user).toBe('alice');
    expect(
      (await send(`auth_tkt=${bound}`, { remoteAddr: '198.51.100.7' })).seen?.user,
    ).toBeUndefined();
  });

  it('ignores the client address when includeIp is off', async () => {
    const { send } = setup();
    expect((await send(`auth_tkt=${ticket()}`, { remoteAddr: '198.51.100.7' })).seen?.user).toBe(
      'alice',
    );
  });

  it('treats a ticket as absent when onUser answers false', async () => {
    const { send } = setup({ onUser: (t) => t.user !== 'alice' });
    expect((await send(`auth_tkt=${ticket()}`)).seen?.user).toBeUndefined();
  });

  it('uses the configured cookie name only', async () => {
    const { send } = setup({ cookieName: 'tkt' });
    expect((await send(`auth_tkt=${ticket()}`)).seen?.user).toBeUndefined();
    expect((await send(`tkt=${ticket()}`)).seen?.user).toBe('alice');
  });
});

describe('authTkt reissue', () => {
  it('reissues a ticket older than reissueTime with the same contents', async () => {
    const { send } = setup({ timeout: 3600, reissueTime: 600 });
    vi.setSystemTime((T0 + 601) * 1000);
    const { setCookie } = await send(`auth_tkt=${ticket()}`);
    const fresh = parseSetCookie(setCookie[0] ?? '');
    expect(fresh?.value).toBe(ticket({ timestamp: T0 + 601 }));
  });

  it('does not reissue a young ticket', async () => {
    const { send } = setup({ timeout: 3600, reissueTime: 600 });
    vi.setSystemTime((T0 + 599) * 1000);
    expect((await send(`auth_tkt=${ticket()}`)).setCookie).toEqual([]);
  });

  it('reissues after half the timeout by default', async () => {
    const { send } = setup({ timeout: 3600 });
    vi.setSystemTime((T0 + 1801) * 1000);
    expect((await send(`auth_tkt=${ticket()}`)).setCookie).toHaveLength(1);
  });
});

describe('authTkt setUser and logout', () => {
  it('issues a ticket with setUser and sets the user for the rest of the request', async () => {
    const { send } = setup({}, (ctx) => {
      ctx.require(AUTH_TKT).setUser('bob', { tokens: ['dev', 'ops'], userData: 'x' });
    });
    const { seen, setCookie } = await send();
    expect(seen).toEqual({ user: 'bob', type: 'auth_tkt', tokens: ['dev', 'ops'], data: 'x' });
    const cookie = parseSetCookie(setCookie[0] ?? '');
    expect(cookie).toMatchObject({
      name: 'auth_tkt',
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      secure: false,
    });
    // "," is not a cookie-octet (RFC 6265 §4.1.1), so a ticket with several tokens goes out in base64.
    const issued = createTicket({
      secret,
      user: 'bob',
      tokens: ['dev', 'ops'],
      userData: 'x',
      timestamp: T0 + 60,
    });
    expect(cookie?.value).toBe(Buffer.from(issued).toString('base64'));
  });

  it('marks the cookie Secure on https', async () => {
    const { send } = setup({}, (ctx) => {
      ctx.require(AUTH_TKT).setUser('bob');
    });
    const { setCookie } = await send(undefined, { https: true });
    expect(parseSetCookie(setCookie[0] ?? '')?.secure).toBe(true);
  });

  it('writes one cookie with the configured domain, never one per Host', async () => {
    const { send } = setup({ domain: 'example.test' }, (ctx) => {
      ctx.require(AUTH_TKT).setUser('bob');
    });
    const { setCookie } = await send();
    expect(setCookie).toHaveLength(1);
    expect(parseSetCookie(setCookie[0] ?? '')?.domain).toBe('example.test');
  });

  it('base64-encodes a ticket whose data is not cookie-safe, and reads it back', async () => {
    const { send } = setup({}, (ctx) => {
      if (!ctx.has(REMOTE_USER)) ctx.require(AUTH_TKT).setUser('bob', { userData: 'a b;c' });
    });
    const value = parseSetCookie((await send()).setCookie[0] ?? '')?.value ?? '';
    expect(value).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect((await send(`auth_tkt=${value}`)).seen?.data).toBe('a b;c');
  });

  it('binds the issued ticket to the client address with includeIp', async () => {
    let login = true;
    const { send } = setup({ includeIp: true }, (ctx) => {
      if (login) ctx.require(AUTH_TKT).setUser('bob');
    });
    const value = parseSetCookie(
      (await send(undefined, { remoteAddr: '192.0.2.9' })).setCookie[0] ?? '',
    )?.value;
    login = false;
    expect((await send(`auth_tkt=${value ?? ''}`, { remoteAddr: '192.0.2.9' })).seen?.user).toBe(
      'bob',
    );
    expect(
      (await send(`auth_tkt=${value ?? ''}`, { remoteAddr: '192.0.2.10' })).seen?.user,
    ).toBeUndefined();
  });

  it('clears the cookie and the user on logout()', async () => {
    const { send } = setup({}, (ctx) => {
      ctx.require(AUTH_TKT).logout();
    });
    const { seen, setCookie } = await send(`auth_tkt=${ticket()}`);
    expect(seen).toEqual({ user: undefined, type: undefined, tokens: undefined, data: undefined });
    expect(parseSetCookie(setCookie[0] ?? '')).toMatchObject({
      name: 'auth_tkt',
      value: '',
      maxAge: 0,
      path: '/',
    });
  });

  it('logs out on the logoutPath and still runs the app', async () => {
    const { send, seen } = setup({ logoutPath: '/logout' });
    const { setCookie } = await send(`auth_tkt=${ticket()}`, { path: '/logout' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.user).toBeUndefined();
    expect(parseSetCookie(setCookie[0] ?? '')?.maxAge).toBe(0);
  });

  it('adds the cookie to a response with immutable headers', async () => {
    const handler = authTkt({ secret })((_request, ctx) => {
      ctx.require(AUTH_TKT).setUser('bob');
      return Response.redirect('http://example.test/home', 303);
    });
    const request = new Request('http://example.test/login');
    const response = await handler(request, new Context(request));
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('http://example.test/home');
    expect(response.headers.getSetCookie()).toHaveLength(1);
  });
});

describe('authTkt options', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tkt-'));

  it('reads the secret from secretFile, dropping the trailing newline', async () => {
    const file = join(dir, 'secret');
    writeFileSync(file, `${secret}\n`);
    const handler = authTkt({ secretFile: file })(
      (_r, ctx) => new Response(ctx.get(REMOTE_USER) ?? '-'),
    );
    const request = new Request('http://example.test/', {
      headers: { cookie: `auth_tkt=${ticket()}` },
    });
    expect(await (await handler(request, new Context(request))).text()).toBe('alice');
  });

  it.each<[string, AuthTktOptions, string]>([
    ['no secret', {}, 'TROWEL_ERR_AUTH_TKT_SECRET'],
    ['a short secret', { secret: 'short' }, 'TROWEL_ERR_AUTH_TKT_SECRET'],
    [
      'both secret and secretFile',
      { secret, secretFile: '/nonexistent' },
      'TROWEL_ERR_AUTH_TKT_SECRET',
    ],
    ['a missing secretFile', { secretFile: '/nonexistent/secret' }, 'TROWEL_ERR_AUTH_TKT_SECRET'],
    ['an unknown digest', { secret, digest: 'sha1' as 'md5' }, 'TROWEL_ERR_AUTH_TKT_DIGEST'],
    ['a zero timeout', { secret, timeout: 0 }, 'TROWEL_ERR_AUTH_TKT_TIMEOUT'],
    ['a fractional timeout', { secret, timeout: 1.5 }, 'TROWEL_ERR_AUTH_TKT_TIMEOUT'],
    [
      'reissueTime at the timeout',
      { secret, timeout: 60, reissueTime: 60 },
      'TROWEL_ERR_AUTH_TKT_REISSUE_TIME',
    ],
    ['a relative logoutPath', { secret, logoutPath: 'logout' }, 'TROWEL_ERR_AUTH_TKT_LOGOUT_PATH'],
    ['a bad cookie name', { secret, cookieName: 'a b' }, 'TROWEL_ERR_AUTH_TKT_COOKIE'],
    ['SameSite=None without secure', { secret, sameSite: 'None' }, 'TROWEL_ERR_AUTH_TKT_COOKIE'],
    ['a bad domain', { secret, domain: 'a;b' }, 'TROWEL_ERR_AUTH_TKT_COOKIE'],
    [
      'a __Host- name without secure: true',
      { secret, cookieName: '__Host-tkt' },
      'TROWEL_ERR_AUTH_TKT_COOKIE',
    ],
  ])('refuses %s when built', (_name, options, code) => {
    expect(() => authTkt(options)).toThrow(expect.objectContaining({ name: 'ConfigError', code }));
  });

  it('does not mutate the options', () => {
    const options = Object.freeze({ secret });
    authTkt(options);
    expect(options).toEqual({ secret });
  });
});
