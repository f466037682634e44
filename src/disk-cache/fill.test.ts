import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Context } from '../core/context.ts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cached, fetchText, origin, page, scratch, send, type Scratch } from './harness.fixture.ts';

let s: Scratch;
beforeEach(() => {
  s = scratch();
});
afterEach(() => {
  s.remove();
});

/** A body that sends `chunks`, then ends or fails. */
function streamOf(chunks: readonly string[], end: 'close' | 'error'): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      const chunk = chunks[i++];
      if (chunk !== undefined) controller.enqueue(encoder.encode(chunk));
      else if (end === 'close') controller.close();
      else controller.error(new Error('origin failed'));
    },
  });
}

function cacheEntries(): string[] {
  return s.files().filter((f) => f.startsWith('cache/') && f !== 'cache/');
}

describe('filling the cache', () => {
  it('streams the body to the client and to disk', async () => {
    const app = origin(() => new Response(streamOf(['a', 'b', 'c'], 'close')));
    const handler = cached({ cacheDir: s.cacheDir }, app);
    expect((await fetchText(handler, '/p')).text).toBe('abc');
    expect(readFileSync(join(s.cacheDir, 'p'), 'utf8')).toBe('abc');
  });

  it('commits nothing when the origin body fails midway', async () => {
    const app = origin(() => new Response(streamOf(['a', 'b'], 'error')));
    const handler = cached({ cacheDir: s.cacheDir }, app);
    await expect(fetchText(handler, '/p')).rejects.toThrow();
    expect(cacheEntries()).toEqual([]);
  });

  it('commits nothing when the body is shorter than its Content-Length', async () => {
    const app = origin(
      () => new Response(streamOf(['abc'], 'close'), { headers: { 'content-length': '10' } }),
    );
    const handler = cached({ cacheDir: s.cacheDir }, app);
    await fetchText(handler, '/p');
    expect(cacheEntries()).toEqual([]);
  });

  it('commits nothing when the client goes away midway', async () => {
    const app = origin(() => new Response(streamOf(['a', 'b', 'c', 'd'], 'close')));
    const handler = cached({ cacheDir: s.cacheDir }, app);
    const response = await send(handler, '/p');
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    expect(cacheEntries()).toEqual([]);
    expect((await fetchText(handler, '/p')).headers.get('cache-status')).toBe(
      'trowel; fwd=miss; stored',
    );
  });

  it('streams but does not store a body larger than maxSize', async () => {
    const app = page('0123456789');
    const handler = cached({ cacheDir: s.cacheDir, maxSize: 5 }, app);
    expect((await fetchText(handler, '/p')).text).toBe('0123456789');
    expect(cacheEntries()).toEqual([]);
  });

  it('runs the origin once for 100 parallel misses of one key', async () => {
    const app = origin(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return new Response(streamOf(['shared ', 'body'], 'close'));
    });
    const handler = cached({ cacheDir: s.cacheDir }, app);
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => fetchText(handler, '/hot')),
    );
    expect(app.calls).toHaveLength(1);
    expect(new Set(answers.map((a) => a.text))).toEqual(new Set(['shared body']));
    const statuses = answers.map((a) => a.headers.get('cache-status'));
    expect(statuses.filter((v) => v === 'trowel; fwd=miss; stored')).toHaveLength(1);
    expect(statuses.filter((v) => v === 'trowel; fwd=miss; collapsed')).toHaveLength(99);
  });

  it('sends each waiter to the origin itself when the first answer was not stored', async () => {
    let n = 0;
    const app = origin(async () => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      return new Response(`user ${++n}`, { headers: { 'set-cookie': 'sid=x' } });
    });
    const handler = cached({ cacheDir: s.cacheDir }, app);
    const answers = await Promise.all([1, 2, 3].map(() => fetchText(handler, '/me')));
    expect(app.calls).toHaveLength(3);
    expect(new Set(answers.map((a) => a.text)).size).toBe(3);
  });

  it('lets the next request go to the origin after the origin threw', async () => {
    let fail = true;
    const app = origin(() => {
      if (fail) throw new Error('down');
      return new Response('up');
    });
    const handler = cached({ cacheDir: s.cacheDir }, app);
    await expect(send(handler, '/p')).rejects.toThrow('down');
    fail = false;
    expect((await fetchText(handler, '/p')).text).toBe('up');
  });

  it('stops waiting for another request’s entry when its own client goes away', async () => {
    const waiting: (() => void)[] = [];
    const app = origin(async () => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return new Response('late');
    });
    const handler = cached({ cacheDir: s.cacheDir }, app);
    const leader = fetchText(handler, '/slow');
    await vi.waitFor(() => {
      expect(app.calls).toHaveLength(1);
    });
    const controller = new AbortController();
    const request = new Request('http://example.test/slow');
    const waiter = handler(request, new Context(request, { signal: controller.signal }));
    controller.abort();
    await vi.waitFor(() => {
      expect(app.calls).toHaveLength(2);
    });
    for (const resolve of waiting) resolve();
    await Promise.all([leader, waiter]);
  });

  it('does not commit an entry invalidated while it was being written', async () => {
    let release: () => void = () => undefined;
    const app = origin((request) => {
      if (request.method !== 'GET') return new Response(null, { status: 204 });
      return new Response(
        new ReadableStream({
          async pull(controller) {
            await new Promise<void>((resolve) => (release = resolve));
            controller.enqueue(new TextEncoder().encode('old'));
            controller.close();
          },
        }),
      );
    });
    const handler = cached({ cacheDir: s.cacheDir }, app);
    const reading = fetchText(handler, '/doc');
    await vi.waitFor(() => {
      expect(app.calls).toHaveLength(1);
    });
    await send(handler, '/doc', { method: 'DELETE' });
    await vi.waitFor(() => {
      release();
      expect(existsSync(join(s.cacheDir, 'doc'))).toBe(false);
    });
    expect((await reading).text).toBe('old');
    expect(existsSync(join(s.cacheDir, 'doc'))).toBe(false);
  });
});
