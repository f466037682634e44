import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AUTH_TYPE,
  Context,
  createKey,
  parseSetCookie,
  REMOTE_USER,
  type Handler,
} from '../../core/index.ts';
import { sealValues } from './seal.ts';
import { signedCookie, type SignedCookieOptions } from './signed-cookie.ts';

const secret = 'a secret of at least thirty-two bytes!';
const T0 = 1_700_000_000;

function setup(
  options: Partial<SignedCookieOptions> = {},
  act?: (ctx: Context, path: string) => void,
) {
  const seen: { user: string | undefined; type: string | undefined }[] = [];
  const inner: Handler = (request, ctx) => {
    act?.(ctx, new URL(request.url).pathname);
    seen.push({ user: ctx.get(REMOTE_USER), type: ctx.get(AUTH_TYPE) });
    return new Response('ok');
  };
  const handler = signedCookie({ secret, ...options })(inner);
  const send = async (
    cookie?: string,
    init: { path?: string; https?: boolean; ctx?: (ctx: Context) => void } = {},
  ) => {
    const url = `${init.https === true ? 'https' : 'http'}://example.test${init.path ?? '/'}`;
    const request = new Request(url, cookie === undefined ? {} : { headers: { cookie } });
    const ctx = new Context(request);
    init.ctx?.(ctx);
    const response = await handler(request, ctx);
    const setCookie = response.headers.getSetCookie();
    return { response, setCookie, cookie: parseSetCookie(setCookie[0] ?? ''), seen: seen.at(-1) };
  };
  return { send, seen };
}

function sealed(values: Record<string, string>, expires = T0 + 3600, name = 'trowel_auth'): string {
  return `trowel_auth=${sealValues(secret, name, { values, expires })}`;
}

const alice = { [REMOTE_USER.name]: 'alice', [AUTH_TYPE.name]: 'form' };

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0 * 1000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe('signedCookie saving', () => {
  it('writes a signed cookie when the app logs a user in', async () => {
    const { send } = setup({}, (ctx, path) => {
      if (path === '/login') ctx.set(REMOTE_USER, 'alice').set(AUTH_TYPE, 'form');
    });
    const { cookie } = await send(undefined, { path: '/login' });
    expect(cookie).toMatchObject({
      name: 'trowel_auth',
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      maxAge: 3600,
      secure: false,
    });
    expect(`trowel_auth=${cookie?.value ?? ''}`).toBe(sealed(alice));
  });

  it('writes nothing when there is nothing to save', async () => {
    const { send } = setup();
    expect((await send()).setCookie).toEqual([]);
  });

  it('marks the cookie Secure on https', async () => {
    const { send } = setup({}, (ctx) => ctx.set(REMOTE_USER, 'alice'));
    expect((await send(undefined, { https: true })).cookie?.secure).toBe(true);
  });

  it('saves only the configured keys', async () => {
    const ROLE = createKey<string>('example.role');
    const OTHER = createKey<string>('example.other');
    const { send } = setup({ keys: [REMOTE_USER, ROLE] }, (ctx) => {
      ctx.set(REMOTE_USER, 'alice').set(ROLE, 'admin').set(OTHER, 'x');
    });
    const value = (await send()).cookie?.value ?? '';
    expect(JSON.parse(Buffer.from(value.split('.')[0] ?? '', 'base64url').toString())).toEqual({
      e: T0 + 3600,
      v: { [REMOTE_USER.name]: 'alice', 'example.role': 'admin' },
    });
  });
});

describe('signedCookie restoring', () => {
  it('restores the saved values before the app and writes no new cookie', async () => {
    const { send } = setup();
    const { seen, setCookie } = await send(sealed(alice));
    expect(seen).toEqual({ user: 'alice', type: 'form' });
    expect(setCookie).toEqual([]);
  });

  it("sets AUTH_TYPE to 'cookie' when the cookie does not say how the user logged in", async () => {
    const { send } = setup({ keys: [REMOTE_USER] });
    expect((await send(sealed({ [REMOTE_USER.name]: 'alice' }))).seen).toEqual({
      user: 'alice',
      type: 'cookie',
    });
  });

  it('never overwrites a value an outer middleware set, and saves the new one', async () => {
    const { send } = setup();
    const { seen, setCookie } = await send(sealed(alice), {
      ctx: (ctx) => ctx.set(REMOTE_USER, 'bob').set(AUTH_TYPE, 'Basic'),
    });
    expect(seen).toEqual({ user: 'bob', type: 'Basic' });
    expect(setCookie).toHaveLength(1);
  });

  it('ignores names in the cookie that are not configured keys', async () => {
    const OTHER = createKey<string>('example.other');
    const { send } = setup({ keys: [REMOTE_USER] }, (ctx) => {
      expect(ctx.get(OTHER)).toBeUndefined();
    });
    await send(sealed({ [REMOTE_USER.name]: 'alice', 'example.other': 'x' }));
  });

  it('rewrites the cookie with a fresh expiry past half its life', async () => {
    const { send } = setup();
    vi.setSystemTime((T0 + 1801) * 1000);
    const { cookie, seen } = await send(sealed(alice));
    expect(seen?.user).toBe('alice');
    expect(`trowel_auth=${cookie?.value ?? ''}`).toBe(sealed(alice, T0 + 1801 + 3600));
  });

  it('clears the cookie when the app removes the user', async () => {
    const { send } = setup({}, (ctx, path) => {
      if (path === '/logout') ctx.delete(REMOTE_USER).delete(AUTH_TYPE);
    });
    const { cookie, seen } = await send(sealed(alice), { path: '/logout' });
    expect(seen?.user).toBeUndefined();
    expect(cookie).toMatchObject({ name: 'trowel_auth', value: '', maxAge: 0 });
  });

  it('treats the cookie as absent when onUser answers false', async () => {
    const { send } = setup({ onUser: (user) => user !== 'alice' });
    const { seen, cookie } = await send(sealed(alice));
    expect(seen?.user).toBeUndefined();
    expect(cookie?.maxAge).toBe(0);
  });
});

describe('signedCookie security', () => {
  const good = sealValues(secret, 'trowel_auth', { values: alice, expires: T0 + 3600 });
  const [payload = '', signature = ''] = good.split('.');
  const forged = Buffer.from(
    JSON.stringify({ e: T0 + 3600, v: { ...alice, [REMOTE_USER.name]: 'root' } }),
  ).toString('base64url');
  const other = sealValues(secret, 'trowel_auth', {
    values: { [REMOTE_USER.name]: 'bob' },
    expires: T0 + 3600,
  });

  it.each([
    ['a tampered payload', `${forged}.${signature}`],
    [
      'a tampered signature',
      `${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`,
    ],
    ['a signature swapped from another cookie', `${payload}.${other.split('.')[1] ?? ''}`],
    ['a truncated signature', `${payload}.${signature.slice(0, -1)}`],
    ['no signature', payload],
    [
      'a value signed with another secret',
      sealValues(`${secret}x`, 'trowel_auth', { values: alice, expires: T0 + 3600 }),
    ],
    [
      'a value signed for another cookie name',
      sealValues(secret, 'other', { values: alice, expires: T0 + 3600 }),
    ],
    ['an expired value', sealValues(secret, 'trowel_auth', { values: alice, expires: T0 })],
    ['garbage', '%%%'],
  ])('treats %s as absent and clears it', async (_name, value) => {
    const { send } = setup();
    const { seen, cookie } = await send(`trowel_auth=${value}`);
    expect(seen?.user).toBeUndefined();
    expect(cookie).toMatchObject({ name: 'trowel_auth', value: '', maxAge: 0 });
  });

  it('refuses a value once its expiry passes', async () => {
    const { send } = setup();
    vi.setSystemTime((T0 + 3600) * 1000);
    expect((await send(sealed(alice))).seen?.user).toBeUndefined();
  });

  it('answers with a clear error when the values are too long for a cookie', async () => {
    const { send } = setup({}, (ctx) => ctx.set(REMOTE_USER, 'x'.repeat(5000)));
    await expect(send()).rejects.toThrow(/too long/);
  });
});

describe('signedCookie options', () => {
  it.each<[string, SignedCookieOptions, string]>([
    ['no secret', {}, 'TROWEL_ERR_AUTH_COOKIE_SECRET'],
    ['a short secret', { secret: 'short secret' }, 'TROWEL_ERR_AUTH_COOKIE_SECRET'],
    [
      'a missing secretFile',
      { secretFile: '/nonexistent/secret' },
      'TROWEL_ERR_AUTH_COOKIE_SECRET',
    ],
    ['no keys', { secret, keys: [] }, 'TROWEL_ERR_AUTH_COOKIE_KEYS'],
    [
      'two keys with one name',
      { secret, keys: [createKey<string>('a'), createKey<string>('a')] },
      'TROWEL_ERR_AUTH_COOKIE_KEYS',
    ],
    ['a zero maxAge', { secret, maxAge: 0 }, 'TROWEL_ERR_AUTH_COOKIE_MAX_AGE'],
    ['a bad cookie name', { secret, name: 'a;b' }, 'TROWEL_ERR_AUTH_COOKIE_COOKIE'],
    ['SameSite=None without secure', { secret, sameSite: 'None' }, 'TROWEL_ERR_AUTH_COOKIE_COOKIE'],
    [
      'a __Host- name with a domain',
      { secret, name: '__Host-auth', domain: 'example.test' },
      'TROWEL_ERR_AUTH_COOKIE_COOKIE',
    ],
  ])('refuses %s when built', (_name, options, code) => {
    expect(() => signedCookie(options)).toThrow(
      expect.objectContaining({ name: 'ConfigError', code }),
    );
  });
});
