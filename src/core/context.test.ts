import { describe, expect, it } from 'vitest';
import { Context, createKey } from './context.ts';

describe('Context', () => {
  it('takes the path, scheme and host from the request URL by default', () => {
    const ctx = new Context(new Request('https://example.com:8443/a/b?q=1'));
    expect(ctx).toMatchObject({
      scriptName: '',
      pathInfo: '/a/b',
      scheme: 'https',
      host: 'example.com:8443',
    });
    expect(ctx.signal.aborted).toBe(false);
  });

  it.each([
    ['scriptName', { scriptName: 'app' }],
    ['pathInfo', { pathInfo: 'x' }],
    ['scriptName', { scriptName: '/' }],
  ])('rejects a malformed %s', (_name, init) => {
    expect(() => new Context('http://x/', init)).toThrow(TypeError);
  });

  it('returns a key default when nothing is set', () => {
    const LIMIT = createKey('test.limit', 10);
    expect(new Context('http://x/').get(LIMIT)).toBe(10);
  });

  it('keeps two keys with the same name apart', () => {
    const a = createKey<string>('same');
    const b = createKey<string>('same');
    const ctx = new Context('http://x/').set(a, 'A');
    expect(ctx.get(a)).toBe('A');
    expect(ctx.get(b)).toBeUndefined();
  });

  it('lets a derived child read its parent values without writing back', () => {
    const USER = createKey<string>('test.user');
    const parent = new Context('http://x/app/page').set(USER, 'alice');
    const child = parent.derive({ scriptName: '/app', pathInfo: '/page' });
    expect(child.get(USER)).toBe('alice');
    child.set(USER, 'bob');
    expect(child.get(USER)).toBe('bob');
    expect(parent.get(USER)).toBe('alice');
    expect(parent.scriptName).toBe('');
    child.delete(USER);
    expect(child.get(USER)).toBe('alice');
  });

  it('keeps the client facts when deriving', () => {
    const controller = new AbortController();
    const parent = new Context('http://x/a', {
      remoteAddr: '10.0.0.1',
      remotePort: 5000,
      signal: controller.signal,
    });
    const child = parent.derive({ pathInfo: '/b' });
    expect(child).toMatchObject({
      remoteAddr: '10.0.0.1',
      remotePort: 5000,
      host: 'x',
      scheme: 'http',
    });
    expect(child.signal).toBe(controller.signal);
  });

  it('builds a signal given as a function only when it is first read, and only once', () => {
    const controller = new AbortController();
    let calls = 0;
    const ctx = new Context('http://x/', {
      signal: () => {
        calls++;
        return controller.signal;
      },
    });
    expect(calls).toBe(0);
    expect(ctx.signal).toBe(controller.signal);
    expect(ctx.signal).toBe(controller.signal);
    expect(calls).toBe(1);
  });

  it('hands a signal function on to a derived child without calling it', () => {
    const controller = new AbortController();
    let calls = 0;
    const parent = new Context('http://x/a', {
      signal: () => {
        calls++;
        return controller.signal;
      },
    });
    const child = parent.derive({ pathInfo: '/b' });
    expect(calls).toBe(0);
    expect(child.signal).toBe(controller.signal);
    expect(parent.signal).toBe(controller.signal);
  });

  it('names the missing key when a required value is absent', () => {
    const SESSION = createKey<object>('session');
    expect(() => new Context('http://x/').require(SESSION)).toThrow(/"session" is not set/);
    expect(new Context('http://x/').set(SESSION, {}).require(SESSION)).toEqual({});
  });

  it('reports whether a key is set here or in an ancestor', () => {
    const K = createKey<number>('k');
    const parent = new Context('http://x/').set(K, 1);
    expect(parent.derive({}).has(K)).toBe(true);
    expect(new Context('http://x/').has(K)).toBe(false);
  });
});
