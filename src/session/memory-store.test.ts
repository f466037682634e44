import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { newSessionId } from './id.ts';
import { MemoryStore } from './memory-store.ts';

describe('MemoryStore', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns what was set until its time to live runs out', async () => {
    const store = new MemoryStore();
    await store.set('a', { data: { n: 1 }, createdAt: 5 }, 1000);
    expect(await store.get('a')).toEqual({ data: { n: 1 }, createdAt: 5, expiresAt: 1_001_000 });
    vi.advanceTimersByTime(1000);
    expect(await store.get('a')).toBeUndefined();
  });

  it('touch() pushes back the expiry of a live session only', async () => {
    const store = new MemoryStore();
    await store.set('a', { data: {}, createdAt: 5 }, 1000);
    vi.advanceTimersByTime(900);
    await store.touch('a', 1000);
    await store.touch('missing', 1000);
    vi.advanceTimersByTime(900);
    expect(await store.get('a')).toBeDefined();
    expect(await store.get('missing')).toBeUndefined();
  });

  it('copies records, so changing a returned object changes nothing stored', async () => {
    const store = new MemoryStore();
    const data = { list: [1] };
    await store.set('a', { data, createdAt: 5 }, 1000);
    data.list.push(2);
    const got = await store.get('a');
    (got?.data['list'] as number[]).push(3);
    expect((await store.get('a'))?.data).toEqual({ list: [1] });
  });

  it('drops the session used longest ago when maxSessions is reached', async () => {
    const store = new MemoryStore({ maxSessions: 2 });
    await store.set('a', { data: {}, createdAt: 1 }, 10_000);
    await store.set('b', { data: {}, createdAt: 1 }, 10_000);
    await store.touch('a', 10_000);
    await store.set('c', { data: {}, createdAt: 1 }, 10_000);
    expect(store.size).toBe(2);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBeDefined();
  });

  it('stays within maxSessions under a flood of new sessions', async () => {
    const store = new MemoryStore({ maxSessions: 100 });
    for (let i = 0; i < 1000; i++)
      await store.set(newSessionId(), { data: {}, createdAt: 1 }, 10_000);
    expect(store.size).toBe(100);
  });

  it('destroy() forgets a session', async () => {
    const store = new MemoryStore();
    await store.set('a', { data: {}, createdAt: 1 }, 10_000);
    await store.destroy('a');
    expect(await store.get('a')).toBeUndefined();
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxSessions %s', (maxSessions) => {
    let caught: unknown;
    try {
      new MemoryStore({ maxSessions });
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught) && caught.code).toBe('TROWEL_ERR_SESSION_OPTIONS');
  });
});
