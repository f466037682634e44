import { describe, expect, it } from 'vitest';
import { CLOSE_GRACE, closableAgent, servername } from './agent.ts';
import { front, send, upstream } from './harness.fixture.ts';
import { proxy } from './index.ts';

/** Resolves with `'hung'` after `ms`, unless `promise` settles first. */
function within(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise((resolve) => {
    timer = setTimeout(resolve, ms, 'hung');
  });
  return Promise.race([promise, hung]).finally(() => {
    clearTimeout(timer);
  });
}

describe('the proxy’s own Agent', () => {
  it('lets the server close when a proxied response body was dropped unread', async () => {
    // More than the proxy queues before pausing, and never finished: the exchange stays paused.
    const up = await upstream((_req, res) => {
      res.write(Buffer.alloc(4 * 1024 * 1024));
    });
    const toUpstream = proxy(up.url, { onError: () => undefined });
    const server = await front(async (request, ctx) => {
      const response = await toUpstream(request, ctx);
      return new Response(`replaced ${String(response.status)}`);
    });
    const res = await send(`${server.url}/`);
    expect(res.body.toString()).toBe('replaced 200');
    const started = performance.now();
    expect(await within(server.close(), CLOSE_GRACE + 4_000)).toBeUndefined();
    expect(performance.now() - started).toBeGreaterThanOrEqual(CLOSE_GRACE - 50);
    expect(await up.seen[0]?.cut).toBe(true);
  });

  it('closes an Agent with nothing running at once', async () => {
    const own = closableAgent(1_000);
    const started = performance.now();
    await own.close(10_000);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(own.agent.closed).toBe(true);
  });
});

describe('servername()', () => {
  it.each([
    ['backend.internal', 'backend.internal'],
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]', '::1'],
  ])('names %s as %s', (hostname, name) => {
    expect(servername(hostname)).toBe(name);
  });
});
