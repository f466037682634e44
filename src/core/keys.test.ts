import { describe, expect, it } from 'vitest';
import { Context } from './context.ts';
import { AUTH_TYPE, LIFECYCLE, REMOTE_USER, type Lifecycle } from './keys.ts';

describe('shared keys', () => {
  it('carry the user and the scheme through a derived context', () => {
    const ctx = new Context('http://x/app/page').set(REMOTE_USER, 'ada').set(AUTH_TYPE, 'Basic');
    const child = ctx.derive({ scriptName: '/app', pathInfo: '/page' });
    expect([child.get(REMOTE_USER), child.get(AUTH_TYPE)]).toEqual(['ada', 'Basic']);
  });

  it('are unset by default', () => {
    expect(new Context('http://x/').get(REMOTE_USER)).toBeUndefined();
  });

  it('carry the server lifecycle to a derived context', () => {
    const lifecycle: Lifecycle = { onClose: () => () => undefined };
    const ctx = new Context('http://x/app/page').set(LIFECYCLE, lifecycle);
    expect(ctx.derive({ scriptName: '/app', pathInfo: '/page' }).get(LIFECYCLE)).toBe(lifecycle);
  });

  it('leave the lifecycle unset outside a server', () => {
    expect(new Context('http://x/').get(LIFECYCLE)).toBeUndefined();
  });
});
