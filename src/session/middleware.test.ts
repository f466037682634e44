import { describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import type { Handler } from '../core/handler.ts';
import { CountingStore, send } from './harness.fixture.ts';
import { isSessionId } from './id.ts';
import { MemoryStore } from './memory-store.ts';
import { session } from './middleware.ts';
import type { SessionOptions } from './options.ts';
import { SESSION } from './session.ts';

function setup(options: SessionOptions = {}, app?: Handler): { store: CountingStore; h: Handler } {
  const store = new CountingStore(new MemoryStore());
  const inner: Handler =
    app ??
    (async (request, ctx) => {
      const s = ctx.require(SESSION);
      const url = new URL(request.url);
      const put = url.searchParams.get('put');
      if (put !== null) await s.set('v', put);
      return new Response((await s.get<string>('v')) ?? 'none');
    });
  return { store, h: session({ ...options, store })(inner) };
}

async function login(h: Handler, value = 'x'): Promise<string> {
  const { cookies } = await send(h, { path: `/?put=${value}` });
  const cookie = cookies[0];
  if (cookie === undefined) throw new Error('no cookie');
  return `${cookie.name}=${cookie.value}`;
}

describe('session()', () => {
  it('never touches the store nor sets a cookie when the app does not use the session', async () => {
    const { store, h } = setup({}, () => new Response('plain'));
    const sent = await send(h, { cookie: 'trowel_session=' + 'a'.repeat(43) });
    expect(sent.body).toBe('plain');
    expect(store.calls).toEqual([]);
    expect(sent.cookies).toEqual([]);
  });

  it('stores nothing and sets no cookie for a new session that is only read', async () => {
    const { store, h } = setup();
    const sent = await send(h);
    expect(sent.body).toBe('none');
    expect(store.calls).toEqual([]);
    expect(sent.cookies).toEqual([]);
  });

  it('issues a 43-character random id with HttpOnly, SameSite=Lax and Path=/ and no Secure on http', async () => {
    const { h } = setup();
    const { cookies, response } = await send(h, { path: '/?put=1' });
    expect(cookies).toHaveLength(1);
    const [c] = cookies;
    expect(c?.name).toBe('trowel_session');
    expect(isSessionId(c?.value)).toBe(true);
    expect(c).toMatchObject({ httpOnly: true, secure: false, sameSite: 'Lax', path: '/' });
    expect(c?.maxAge).toBe(12 * 3600);
    expect(response.headers.get('cache-control')).toBe('private');
  });

  it('adds Secure when the request came over https', async () => {
    const { h } = setup();
    const { cookies } = await send(h, { path: '/?put=1', scheme: 'https' });
    expect(cookies[0]?.secure).toBe(true);
  });

  it('names the cookie __Host-… with Secure, Path=/ and no Domain when hostPrefix is set, even on http', async () => {
    const { h } = setup({ hostPrefix: true });
    const { cookies } = await send(h, { path: '/?put=1' });
    expect(cookies[0]).toMatchObject({ name: '__Host-trowel_session', secure: true, path: '/' });
    expect(cookies[0]?.domain).toBeUndefined();
  });

  it('reads back in a later request what an earlier one stored', async () => {
    const { h } = setup();
    const cookie = await login(h, 'hello');
    const again = await send(h, { cookie });
    expect(again.body).toBe('hello');
    expect(again.cookies).toEqual([]);
  });

  it('does not write to the store when a value is set to what it already holds', async () => {
    const { store, h } = setup();
    const cookie = await login(h, 'same');
    store.calls.length = 0;
    await send(h, { cookie, path: '/?put=same' });
    expect(store.count('set')).toBe(0);
    expect(store.count('touch')).toBe(0);
  });

  it('writes to the store when a value changed', async () => {
    const { store, h } = setup();
    const cookie = await login(h, 'one');
    store.calls.length = 0;
    await send(h, { cookie, path: '/?put=two' });
    expect(store.count('set')).toBe(1);
    expect((await send(h, { cookie })).body).toBe('two');
  });

  it('issues a new id for a well-formed id the store does not know (no fixation)', async () => {
    const { store, h } = setup();
    const planted = 'A'.repeat(43);
    const { cookies } = await send(h, { cookie: `trowel_session=${planted}`, path: '/?put=1' });
    expect(cookies[0]?.value).not.toBe(planted);
    expect(isSessionId(cookies[0]?.value)).toBe(true);
    expect(await store.inner.get(planted)).toBeUndefined();
  });

  it('deletes a stale cookie that names no live session once the session is used', async () => {
    const { h } = setup();
    const { cookies } = await send(h, { cookie: `trowel_session=${'B'.repeat(43)}` });
    expect(cookies[0]).toMatchObject({ name: 'trowel_session', value: '', maxAge: 0 });
  });

  it.each([
    ['a traversal', '../../etc/passwd'],
    ['an absolute path', '/etc/passwd'],
    ['a very long value', 'a'.repeat(100_000)],
    ['a NUL', `${'a'.repeat(21)}%00${'a'.repeat(21)}`],
    ['one character too many', 'a'.repeat(44)],
    ['one character too few', 'a'.repeat(42)],
    ['padding', `${'a'.repeat(42)}=`],
    ['an encoded slash', `${'a'.repeat(40)}%2F..`],
  ])('never hands %s in the cookie to the store', async (_label, value) => {
    const { store, h } = setup();
    const { cookies } = await send(h, { cookie: `trowel_session=${value}`, path: '/?put=1' });
    expect(store.calls.filter((c) => !c.startsWith('set '))).toEqual([]);
    expect(isSessionId(cookies[0]?.value)).toBe(true);
  });

  it('regenerate() moves the values to a new id and forgets the old one', async () => {
    const { store, h } = setup({}, async (request, ctx) => {
      const s = ctx.require(SESSION);
      if (new URL(request.url).pathname === '/login') {
        await s.regenerate();
        await s.set('user', 'ann');
      }
      return Response.json({
        user: (await s.get('user')) ?? null,
        cart: (await s.get('cart')) ?? null,
      });
    });
    await store.inner.set(
      'C'.repeat(43),
      { data: { cart: [1, 2] }, createdAt: Date.now() },
      60_000,
    );
    const old = `trowel_session=${'C'.repeat(43)}`;
    const { cookies, body } = await send(h, { cookie: old, path: '/login' });
    expect(JSON.parse(body)).toEqual({ user: 'ann', cart: [1, 2] });
    const fresh = cookies[0]?.value ?? '';
    expect(isSessionId(fresh)).toBe(true);
    expect(fresh).not.toBe('C'.repeat(43));
    expect(await store.inner.get('C'.repeat(43))).toBeUndefined();
    expect(JSON.parse((await send(h, { cookie: old })).body)).toEqual({ user: null, cart: null });
    expect(JSON.parse((await send(h, { cookie: `trowel_session=${fresh}` })).body)).toEqual({
      user: 'ann',
      cart: [1, 2],
    });
  });

  it('destroy() forgets the stored session and deletes the cookie', async () => {
    const { store, h } = setup({}, async (request, ctx) => {
      const s = ctx.require(SESSION);
      if (new URL(request.url).pathname === '/logout') await s.destroy();
      else await s.set('user', 'ann');
      return new Response(s.id);
    });
    const first = await send(h);
    const id = first.cookies[0]?.value ?? '';
    const { cookies } = await send(h, { cookie: `trowel_session=${id}`, path: '/logout' });
    expect(cookies[0]).toMatchObject({ value: '', maxAge: 0, path: '/' });
    expect(await store.inner.get(id)).toBeUndefined();
  });

  it('has(), delete() and clear() change what the session holds', async () => {
    const { h } = setup({}, async (request, ctx) => {
      const s = ctx.require(SESSION);
      const op = new URL(request.url).pathname;
      if (op === '/fill') {
        await s.set('a', 1);
        await s.set('b', { nested: [true, null] });
      }
      if (op === '/delete') {
        expect(await s.delete('a')).toBe(true);
        expect(await s.delete('missing')).toBe(false);
      }
      if (op === '/clear') await s.clear();
      return Response.json({
        keys: await s.keys(),
        hasA: await s.has('a'),
        b: (await s.get('b')) ?? null,
      });
    });
    const { cookies } = await send(h, { path: '/fill' });
    const cookie = `trowel_session=${cookies[0]?.value ?? ''}`;
    expect(JSON.parse((await send(h, { cookie, path: '/delete' })).body)).toEqual({
      keys: ['b'],
      hasA: false,
      b: { nested: [true, null] },
    });
    await send(h, { cookie, path: '/clear' });
    expect(JSON.parse((await send(h, { cookie })).body)).toEqual({
      keys: [],
      hasA: false,
      b: null,
    });
  });

  it('gives the session id only once it is loaded, and tells a new session from a stored one', async () => {
    const { h } = setup({}, async (_request, ctx) => {
      const s = ctx.require(SESSION);
      const before = s.id;
      await s.load();
      const isNew = s.isNew;
      await s.set('k', 1);
      return Response.json({ before: before ?? null, loaded: isSessionId(s.id), isNew });
    });
    const first = await send(h);
    expect(JSON.parse(first.body)).toEqual({ before: null, loaded: true, isNew: true });
    const cookie = `trowel_session=${first.cookies[0]?.value ?? ''}`;
    expect(JSON.parse((await send(h, { cookie })).body)).toMatchObject({ isNew: false });
  });

  it('adds the cookie to a Response whose headers are immutable', async () => {
    const { h } = setup({}, async (_r, ctx) => {
      await ctx.require(SESSION).set('k', 1);
      return Response.redirect('http://example.test/next', 303);
    });
    const { response, cookies } = await send(h);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('http://example.test/next');
    expect(cookies).toHaveLength(1);
  });

  it('keeps a Cache-Control the application set', async () => {
    const { h } = setup({}, async (_r, ctx) => {
      await ctx.require(SESSION).set('k', 1);
      return new Response('x', { headers: { 'cache-control': 'no-store' } });
    });
    expect((await send(h)).response.headers.get('cache-control')).toBe('no-store');
  });

  it('saves nothing when the handler throws', async () => {
    const { store, h } = setup({}, async (_r, ctx) => {
      await ctx.require(SESSION).set('k', 1);
      throw new Error('boom');
    });
    await expect(send(h)).rejects.toThrow('boom');
    expect(store.count('set')).toBe(0);
  });

  it('rejects a value that has no JSON form', async () => {
    const { h } = setup({}, async (_r, ctx) => {
      await ctx.require(SESSION).set('k', undefined as unknown as null);
      return new Response('unreachable');
    });
    await expect(send(h)).rejects.toThrow(TypeError);
  });

  it('sends the cookie again on every save with rolling, its Max-Age the idle timeout', async () => {
    const { h } = setup({ rolling: true, idleTimeout: 600_000 });
    const cookie = await login(h, 'a');
    const { cookies } = await send(h, { cookie, path: '/?put=b' });
    expect(cookies[0]?.maxAge).toBe(600);
  });

  it.each<[string, SessionOptions]>([
    ['hostPrefix with secure false', { hostPrefix: true, secure: false }],
    ['hostPrefix with a domain', { hostPrefix: true, domain: 'example.test' }],
    ['hostPrefix with another path', { hostPrefix: true, path: '/app' }],
    ['SameSite None without secure', { sameSite: 'None' }],
    ['a zero idle timeout', { idleTimeout: 0 }],
    ['a fractional absolute timeout', { absoluteTimeout: 1.5 }],
    ['a negative touch interval', { touchInterval: -1 }],
    ['a cookie name with a space', { cookieName: 'my session' }],
    ['a secure value that is not boolean or auto', { secure: 'yes' as unknown as boolean }],
    ['a store without touch()', { store: { get: () => undefined } as unknown as MemoryStore }],
  ])('refuses %s with TROWEL_ERR_SESSION_OPTIONS when built', (_label, options) => {
    let caught: unknown;
    try {
      session(options);
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught) && caught.code).toBe('TROWEL_ERR_SESSION_OPTIONS');
  });

  it('does not change the options object it was given', () => {
    const options = Object.freeze({ cookieName: 'sid', hostPrefix: true });
    session(options);
    expect(options).toEqual({ cookieName: 'sid', hostPrefix: true });
  });
});
