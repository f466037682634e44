import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as cheerio from 'cheerio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Context } from '../../core/context.ts';
import type { Handler } from '../../core/handler.ts';
import { serve } from '../../server/index.ts';
import { TestApp } from '../../testing/index.ts';
import { profile, type CpuProfile, type ProfileOptions } from './index.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trowel-profile-test-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const HTML = { 'content-type': 'text/html; charset=utf-8' };

/** Keeps the CPU busy for `ms` milliseconds in a function of its own, for the profiler to see. */
function spinForProfile(ms: number): number {
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 1000; i++) x += Math.sqrt(i * x + 1);
  }
  return x;
}

function spinWhileStreaming(ms: number): number {
  return spinForProfile(ms);
}

/**
 * The function the self-time test looks for, called by that test only: once V8 has optimized a
 * function, a later caller may inline it and take its samples, so each name is looked for in a
 * function's first run.
 */
function renderExpensiveReport(ms: number): number {
  const until = performance.now() + ms;
  let x = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 1000; i++) x += Math.sqrt(i * x + 1);
  }
  return x;
}

const page = (body = '<p>hello</p>'): Response =>
  new Response(`<!DOCTYPE html><html><body>${body}</body></html>`, { headers: HTML });

const call = async (
  handler: Handler,
  options: ProfileOptions = {},
  init: { url?: string; remoteAddr?: string; signal?: AbortSignal } = {},
): Promise<Response> => {
  const request = new Request(init.url ?? 'http://localhost/reports/daily?x=1');
  const ctx = new Context(request, {
    remoteAddr: init.remoteAddr ?? '127.0.0.1',
    ...(init.signal ? { signal: init.signal } : {}),
  });
  return profile({ dir, ...options })(handler)(request, ctx);
};

const readProfile = async (file: string): Promise<CpuProfile> =>
  JSON.parse(await readFile(file, 'utf8')) as CpuProfile;

const waitForFile = async (path: string): Promise<void> => {
  for (let i = 0; i < 200 && !existsSync(path); i++) await sleep(10);
};

const functionNames = (profile: CpuProfile): string[] =>
  profile.nodes.map((node) => node.callFrame.functionName);

describe('profile()', () => {
  it('shows a CPU-heavy function at the top of the self-time table', async () => {
    const res = await call(() => {
      renderExpensiveReport(150);
      return page();
    });
    const $ = cheerio.load(await res.text());
    const table = $('#trowel-profile-report table').filter((_, t) =>
      $(t).find('caption').text().includes('self time'),
    );
    const top = table.find('tbody tr').first().find('td');
    expect(top.eq(4).text()).toBe('renderExpensiveReport');
    expect(top.eq(5).text()).toMatch(/^src\/debug\/profile\/index\.test\.ts:\d+$/);
    expect($('body > p').text()).toBe('hello');
  });

  it('puts the report before </body>', async () => {
    const text = await (await call(() => page())).text();
    expect(text).toMatch(
      /<p>hello<\/p><section id="trowel-profile-report"[^]*<\/section><\/body><\/html>$/,
    );
  });

  it('puts the report into an element with id trowel-profile when the page has one', async () => {
    const text = await (await call(() => page('<div id="trowel-profile"></div><p>end</p>'))).text();
    expect(text).toMatch(/<div id="trowel-profile"><section[^]*<\/section><\/div><p>end<\/p>/);
  });

  it('escapes the request path in the report', async () => {
    const res = await call(() => page(), {}, { url: 'http://localhost/%3Cscript%3E' });
    const text = await res.text();
    expect(text).not.toContain('<script>');
    expect(cheerio.load(text)('#trowel-profile-report h2').text()).toContain('/%3Cscript%3E');
  });

  it('saves a .cpuprofile that Chrome DevTools opens and names it in X-Profile-File', async () => {
    const res = await call(() => {
      spinForProfile(20);
      return page();
    });
    const file = res.headers.get('x-profile-file') ?? '';
    expect(file.startsWith(`${dir}/`)).toBe(true);
    expect(file).toMatch(/-GET-reports-daily\.cpuprofile$/);
    const saved = await readProfile(file);
    expect(Object.keys(saved)).toEqual(
      expect.arrayContaining(['nodes', 'samples', 'timeDeltas', 'startTime', 'endTime']),
    );
    expect(saved.samples?.length).toBe(saved.timeDeltas?.length);
    expect(saved.endTime).toBeGreaterThan(saved.startTime);
    expect(saved.nodes[0]?.callFrame.functionName).toBe('(root)');
  });

  it('drops Content-Length and the strong ETag of the page it changes', async () => {
    const res = await call(
      () =>
        new Response('<body>x</body>', {
          headers: { ...HTML, 'content-length': '14', etag: '"v1"' },
        }),
    );
    expect(res.headers.get('etag')).toBeNull();
    expect(res.headers.get('content-length')).toBeNull();
  });

  it('passes a non-HTML response through byte for byte, profiling it all the same', async () => {
    const body = JSON.stringify({ items: [1, 2, 3] });
    const res = await call(
      () => new Response(body, { headers: { 'content-type': 'application/json', etag: '"j1"' } }),
    );
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('etag')).toBe('"j1"');
    expect(await res.text()).toBe(body);
    const file = res.headers.get('x-profile-file') ?? '';
    await waitForFile(file);
    expect((await readProfile(file)).nodes.length).toBeGreaterThan(0);
  });

  it('profiles a streamed body until its end, without reading ahead of the client', async () => {
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls += 1;
        if (pulls > 3) {
          controller.close();
          return;
        }
        spinWhileStreaming(20);
        controller.enqueue(new TextEncoder().encode(`chunk ${String(pulls)}\n`));
      },
    });
    const res = await call(
      () => new Response(stream, { headers: { 'content-type': 'text/plain' } }),
      {
        sampleInterval: 50,
      },
    );
    const file = res.headers.get('x-profile-file') ?? '';
    const reader = res.body?.getReader();
    await reader?.read();
    expect(pulls).toBeLessThanOrEqual(2);
    expect(existsSync(file)).toBe(false);
    while (!(await reader?.read())?.done);
    await waitForFile(file);
    expect(functionNames(await readProfile(file))).toContain('spinWhileStreaming');
  });

  it('leaves an HTML page alone with append: false', async () => {
    const res = await call(() => page(), { append: false });
    expect(await res.text()).toBe('<!DOCTYPE html><html><body><p>hello</p></body></html>');
    expect(res.headers.get('x-profile-file')).not.toBeNull();
  });

  it('sends no X-Profile-File with header: false', async () => {
    const res = await call(() => page(), { header: false });
    expect(res.headers.get('x-profile-file')).toBeNull();
    expect(await res.text()).toContain('trowel-profile-report');
  });

  it('keeps the page and says so when the profile cannot be saved', async () => {
    const blocker = join(dir, 'not-a-dir');
    await writeFile(blocker, '');
    const res = await call(() => page(), { dir: blocker });
    const $ = cheerio.load(await res.text());
    expect($('#trowel-profile-report').text()).toContain('could not be saved');
    expect($('body > p').text()).toBe('hello');
  });

  it.each([
    ['a client that is not on loopback', { remoteAddr: '192.0.2.7' }, {}],
    ['a request the when predicate declines', {}, { when: () => false }],
  ])('passes %s through unprofiled', async (_, init, options) => {
    const res = await call(() => page(), options, init);
    expect(res.headers.get('x-profile-file')).toBeNull();
    expect(await res.text()).toBe('<!DOCTYPE html><html><body><p>hello</p></body></html>');
    expect(await readdir(dir)).toEqual([]);
  });

  it('profiles a remote client with allowRemote', async () => {
    const res = await call(() => page(), { allowRemote: true }, { remoteAddr: '192.0.2.7' });
    expect(res.headers.get('x-profile-file')).not.toBeNull();
  });

  it('runs two concurrent profiled requests one after the other', async () => {
    const events: string[] = [];
    const slow =
      (name: string): Handler =>
      async () => {
        events.push(`start ${name}`);
        await sleep(50);
        events.push(`end ${name}`);
        return page();
      };
    const [a, b] = await Promise.all([call(slow('a')), call(slow('b'))]);
    await Promise.all([a.text(), b.text()]);
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b']);
  });

  it('lets a request queued behind another go unprofiled when its client leaves', async () => {
    const gate = Promise.withResolvers<undefined>();
    const first = call(async () => {
      await gate.promise;
      return page();
    });
    const controller = new AbortController();
    let secondRan = false;
    const second = call(
      () => {
        secondRan = true;
        return page();
      },
      {},
      { signal: controller.signal },
    );
    await sleep(20);
    controller.abort();
    const res = await second;
    expect(secondRan).toBe(true);
    expect(res.headers.get('x-profile-file')).toBeNull();
    gate.resolve(undefined);
    await (await first).text();
  });

  it('stops a profile at maxDuration so an endless stream does not hold the queue', async () => {
    const endless = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        await sleep(20);
        controller.enqueue(new Uint8Array([46]));
      },
    });
    const open = await call(
      () => new Response(endless, { headers: { 'content-type': 'text/event-stream' } }),
      { maxDuration: 100 },
    );
    const next = await call(() => page(), { maxDuration: 100 });
    expect(await next.text()).toContain('trowel-profile-report');
    await waitForFile(open.headers.get('x-profile-file') ?? '');
    expect(existsSync(open.headers.get('x-profile-file') ?? '')).toBe(true);
    await open.body?.cancel();
  });

  it('rethrows the handler error and releases the queue', async () => {
    await expect(
      call(() => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await call(() => page())).headers.get('x-profile-file')).not.toBeNull();
  });

  it('profiles a request over a real socket, served as sent', async () => {
    const server = await serve(
      profile({ dir })(() => {
        spinForProfile(30);
        return page();
      }),
      { port: 0, host: '127.0.0.1' },
    );
    try {
      const res = await fetch(`${server.url}/over/socket`);
      const file = res.headers.get('x-profile-file') ?? '';
      expect(file).toMatch(/-GET-over-socket\.cpuprofile$/);
      expect(cheerio.load(await res.text())('#trowel-profile-report').length).toBe(1);
      expect((await readProfile(file)).samples?.length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });

  it('works under TestApp', async () => {
    const app = new TestApp(profile({ dir })(() => page()));
    const res = await app.get('/');
    expect(res.headers.get('x-profile-file')).not.toBeNull();
    expect(res.text).toContain('trowel-profile-report');
  });
});
