import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Handler } from '../../src/core/handler.ts';
import { LIFECYCLE, type Lifecycle } from '../../src/core/keys.ts';
import { rawConnect, start } from './helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

afterEach(() => {
  vi.restoreAllMocks();
});

/** Serves a handler that hands out the server's lifecycle, and fetches it once. */
async function withLifecycle(): Promise<{
  server: Awaited<ReturnType<typeof start>>;
  lifecycle: Lifecycle;
}> {
  let lifecycle: Lifecycle | undefined;
  const server = await start((_request, ctx) => {
    lifecycle = ctx.require(LIFECYCLE);
    return new Response('ok');
  });
  await (await fetch(server.url)).text();
  if (lifecycle === undefined) throw new Error('no lifecycle');
  return { server, lifecycle };
}

describe('serve() lifecycle', () => {
  it('sets one Lifecycle per server on every request', async () => {
    const seen: unknown[] = [];
    const handler: Handler = (_request, ctx) => {
      seen.push(ctx.get(LIFECYCLE));
      return new Response('ok');
    };
    const one = await start(handler);
    const two = await start(handler);
    for (const url of [one.url, one.url, two.url]) await (await fetch(url)).text();
    expect(seen[0]).toBeDefined();
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).not.toBe(seen[0]);
  });

  it('runs the close hooks after the in-flight requests finished, before close() resolves', async () => {
    const events: string[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const server = await start(async (_request, ctx) => {
      ctx.require(LIFECYCLE).onClose(async () => {
        await sleep(20);
        events.push('hook');
      });
      entered();
      await gate;
      events.push('response');
      return new Response('late');
    });
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await inHandler;
    const closing = server.close().then(() => events.push('closed'));
    await sleep(50);
    expect(events).toEqual([]);
    release();
    await closing;
    expect(events).toEqual(['response', 'hook', 'closed']);
    await connection.closed();
  });

  it('runs the hooks after cutting the requests that outlived the deadline', async () => {
    const events: string[] = [];
    const server = await start(
      (_request, ctx) =>
        new Promise<Response>((resolve) => {
          ctx.require(LIFECYCLE).onClose(() => {
            events.push('hook');
          });
          ctx.signal.addEventListener('abort', () => {
            events.push('aborted');
            resolve(new Response('never'));
          });
        }),
    );
    const connection = await rawConnect(server.port);
    connection.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await sleep(30);
    await server.close({ timeout: 50 });
    expect(events).toEqual(['aborted', 'hook']);
  });

  it('runs the hooks last registered first, each once however often close() is called', async () => {
    const { server, lifecycle } = await withLifecycle();
    const order: string[] = [];
    lifecycle.onClose(() => {
      order.push('first');
    });
    lifecycle.onClose(() => {
      order.push('second');
    });
    await Promise.all([server.close(), server.close(), server.close({ timeout: 0 })]);
    await server.close();
    expect(order).toEqual(['second', 'first']);
  });

  it('reports a failing hook on stderr and still runs the others', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { server, lifecycle } = await withLifecycle();
    const ran: string[] = [];
    lifecycle.onClose(() => {
      ran.push('last');
    });
    lifecycle.onClose(() => Promise.reject(new Error('rejected')));
    lifecycle.onClose(() => {
      throw new Error('thrown');
    });
    lifecycle.onClose(() => {
      ran.push('first');
    });
    await server.close();
    expect(ran).toEqual(['first', 'last']);
    expect(logged.mock.calls.map((call) => (call[1] as Error).message)).toEqual([
      'thrown',
      'rejected',
    ]);
  });

  it('does not run a hook that was unregistered', async () => {
    const { server, lifecycle } = await withLifecycle();
    const ran: string[] = [];
    const unregister = lifecycle.onClose(() => {
      ran.push('unregistered');
    });
    lifecycle.onClose(() => {
      ran.push('kept');
    });
    unregister();
    unregister();
    await server.close();
    expect(ran).toEqual(['kept']);
  });
});

/** GET on a fresh connection, so that the cluster can hand each request to any worker. */
function getFresh(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        resolve(text);
      });
    })
      .on('error', reject)
      .end();
  });
}

describe('serve() lifecycle with workers (child processes)', () => {
  it('runs each worker’s own hooks when the cluster closes', async () => {
    const program = join(import.meta.dirname, 'lifecycle-workers.fixture.ts');
    const child = spawn(process.execPath, [program], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines: Record<string, number>[] = [];
      let onLine: () => void = () => undefined;
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(JSON.parse(line) as Record<string, number>);
        onLine();
      });
      const waitFor = async (count: number): Promise<void> => {
        while (lines.length < count) await new Promise<void>((resolve) => (onLine = resolve));
      };
      await waitFor(1);
      const port = lines[0]?.['port'] ?? 0;
      const pids = new Set<string>();
      for (let i = 0; i < 40 && pids.size < 2; i++) pids.add(await getFresh(port));
      expect(pids.size).toBe(2);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      await waitFor(3);
      const hooks = lines.slice(1).map((line) => String(line['hook']));
      expect(hooks.sort()).toEqual([...pids].sort());
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
