import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Handler } from '../core/handler.ts';
import { CountingStore, send } from './harness.fixture.ts';
import { MemoryStore } from './memory-store.ts';
import { session } from './middleware.ts';
import { SESSION } from './session.ts';

const MINUTE = 60_000;

function setup(): { store: CountingStore; h: Handler } {
  const store = new CountingStore(new MemoryStore());
  const h = session({
    store,
    idleTimeout: 30 * MINUTE,
    absoluteTimeout: 120 * MINUTE,
    touchInterval: MINUTE,
  })(async (request, ctx) => {
    const s = ctx.require(SESSION);
    if (new URL(request.url).pathname === '/login') await s.set('user', 'ann');
    if (new URL(request.url).pathname === '/regenerate') await s.regenerate();
    return new Response((await s.get<string>('user')) ?? 'anonymous');
  });
  return { store, h };
}

async function login(h: Handler): Promise<string> {
  const { cookies } = await send(h, { path: '/login' });
  return `trowel_session=${cookies[0]?.value ?? ''}`;
}

describe('session() expiry', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('forgets a session left idle longer than idleTimeout', async () => {
    const { h } = setup();
    const cookie = await login(h);
    vi.advanceTimersByTime(30 * MINUTE + 1);
    expect((await send(h, { cookie })).body).toBe('anonymous');
  });

  it('keeps a session that is used within every idle window', async () => {
    const { h } = setup();
    const cookie = await login(h);
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(25 * MINUTE);
      expect((await send(h, { cookie })).body).toBe('ann');
    }
  });

  it('forgets a session after absoluteTimeout however busy it is', async () => {
    const { h } = setup();
    const cookie = await login(h);
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(25 * MINUTE);
      expect((await send(h, { cookie })).body).toBe('ann');
    }
    vi.advanceTimersByTime(20 * MINUTE + 1);
    expect((await send(h, { cookie })).body).toBe('anonymous');
  });

  it('touches an unchanged session at most once per touchInterval', async () => {
    const { store, h } = setup();
    const cookie = await login(h);
    vi.advanceTimersByTime(10_000);
    await send(h, { cookie });
    await send(h, { cookie });
    expect(store.count('touch')).toBe(0);
    vi.advanceTimersByTime(MINUTE);
    await send(h, { cookie });
    await send(h, { cookie });
    expect(store.count('touch')).toBe(1);
    expect(store.count('set')).toBe(1);
  });

  it('starts the absolute timeout again on regenerate()', async () => {
    const { h } = setup();
    const first = await login(h);
    for (let i = 0; i < 4; i++) {
      vi.advanceTimersByTime(25 * MINUTE);
      await send(h, { cookie: first });
    }
    vi.advanceTimersByTime(10 * MINUTE);
    const { cookies } = await send(h, { cookie: first, path: '/regenerate' });
    const cookie = `trowel_session=${cookies[0]?.value ?? ''}`;
    vi.advanceTimersByTime(20 * MINUTE);
    expect((await send(h, { cookie })).body).toBe('ann');
  });

  it('enforces both timeouts itself when the store keeps sessions longer', async () => {
    const inner = new MemoryStore();
    const forever = new CountingStore({
      get: async (id) => {
        const hit = await inner.get(id);
        return hit && { ...hit, expiresAt: hit.expiresAt + 1000 * MINUTE };
      },
      set: (id, record) => inner.set(id, record, 10_000 * MINUTE),
      touch: (id) => inner.touch(id, 10_000 * MINUTE),
      destroy: (id) => inner.destroy(id),
    });
    const h = session({ store: forever, idleTimeout: 30 * MINUTE, absoluteTimeout: 60 * MINUTE })(
      async (_request, ctx) => {
        await ctx.require(SESSION).set('user', 'ann');
        return new Response('ok');
      },
    );
    const { cookies } = await send(h);
    const id = cookies[0]?.value ?? '';
    vi.advanceTimersByTime(60 * MINUTE);
    const again = await send(h, { cookie: `trowel_session=${id}` });
    expect(again.cookies[0]?.value).not.toBe(id);
    expect(forever.calls).toContain(`destroy ${id}`);
  });

  it('gives the cookie a Max-Age of what is left of the absolute timeout', async () => {
    const { h } = setup();
    const { cookies } = await send(h, { path: '/login' });
    expect(cookies[0]?.maxAge).toBe(120 * 60);
  });
});
