import { describe, expect, it } from 'vitest';
import { NonceCache } from './nonce-cache.ts';

describe('NonceCache', () => {
  it('accepts a new nonce', () => {
    expect(new NonceCache(10).add('a', 2_000, 1_000)).toBe('added');
  });

  it('refuses a nonce it holds until it expires', () => {
    const cache = new NonceCache(10);
    cache.add('a', 2_000, 1_000);
    expect(cache.add('a', 2_000, 2_000)).toBe('replayed');
  });

  it('accepts a nonce again once it has expired', () => {
    const cache = new NonceCache(10);
    cache.add('a', 2_000, 1_000);
    expect(cache.add('a', 5_000, 2_001)).toBe('added');
  });

  it('makes room by dropping expired nonces when full', () => {
    const cache = new NonceCache(2);
    cache.add('a', 1_500, 1_000);
    cache.add('b', 9_000, 1_000);
    expect(cache.add('c', 9_000, 2_000)).toBe('added');
    expect(cache.size).toBe(2);
  });

  it('says when to retry when full of live nonces', () => {
    const cache = new NonceCache(2);
    cache.add('a', 4_000, 1_000);
    cache.add('b', 9_000, 1_000);
    expect(cache.add('c', 9_000, 1_500)).toEqual({ retryAfter: 3 });
    expect(cache.add('d', 9_000, 2_000)).toEqual({ retryAfter: 2 });
  });

  it('accepts again once the earliest nonce expired', () => {
    const cache = new NonceCache(1);
    cache.add('a', 4_000, 1_000);
    expect(cache.add('b', 9_000, 1_500)).toEqual({ retryAfter: 3 });
    expect(cache.add('b', 9_000, 4_001)).toBe('added');
  });
});
