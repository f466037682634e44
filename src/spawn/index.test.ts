import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Handler } from '../core/handler.ts';
import { mountAt } from '../core/mount.ts';
import { serve, type TrowelServer } from '../server/index.ts';
import { BACKEND, PYTHON, collector, delay, isGone, waitFor } from './helpers.fixture.ts';
import { spawn, type SpawnedApp, type SpawnOptions } from './index.ts';

const apps: SpawnedApp[] = [];
const servers: TrowelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close({ timeout: 1_000 })));
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function served(
  options: Partial<SpawnOptions> = {},
  wrap: (app: SpawnedApp) => Handler = (app) => app,
): Promise<{ readonly app: SpawnedApp; readonly server: TrowelServer; readonly lines: string[] }> {
  const { lines, output } = collector();
  const app = spawn({ command: BACKEND, output, stopTimeout: 2_000, ...options });
  apps.push(app);
  const server = await serve(wrap(app), { host: '127.0.0.1', port: 0 });
  servers.push(server);
  return { app, server, lines };
}

describe('spawn()', () => {
  it('starts no child before the first request', async () => {
    const { app } = await served();
    await delay(100);
    expect(app.state).toBe('stopped');
    expect(app.pid).toBeUndefined();
  });

  it('starts python http.server on the first request and proxies to it', async () => {
    const { app, server } = await served({ command: PYTHON });
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Directory listing');
    expect(app.state).toBe('running');
    expect(app.pid).toBeGreaterThan(0);
    expect(app.port).toBeGreaterThan(0);
  });

  it('starts one child for 20 concurrent first requests', async () => {
    const { server } = await served();
    const pids = await Promise.all(
      Array.from({ length: 20 }, async () => (await fetch(`${server.url}/pid`)).text()),
    );
    expect(new Set(pids).size).toBe(1);
  });

  it('keeps the Host, sends the full path and X-Script-Name for a mounted app', async () => {
    const { server } = await served({}, (app) => (request, ctx) => {
      const inner = mountAt(ctx, '/app');
      return inner === undefined ? new Response(null, { status: 404 }) : app(request, inner);
    });
    const response = await fetch(`${server.url}/app/echo?x=1`);
    const echo = (await response.json()) as {
      target: string;
      headers: Record<string, string>;
    };
    expect(echo.target).toBe('/app/echo?x=1');
    expect(echo.headers['host']).toBe(new URL(server.url).host);
    expect(echo.headers['x-script-name']).toBe('/app');
    expect(echo.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('lets proxy options given by the caller win over its defaults', async () => {
    const { server } = await served({ proxy: { preserveHost: false, wsgiproxy: false } });
    const echo = (await (await fetch(`${server.url}/echo`)).json()) as {
      headers: Record<string, string>;
    };
    expect(echo.headers['host']).not.toBe(new URL(server.url).host);
    expect(echo.headers['x-script-name']).toBeUndefined();
  });

  it('stops the child when idle, and starts a new one for the next request', async () => {
    const { app, server } = await served({ idleTimeout: 200 });
    const first = Number(await (await fetch(`${server.url}/pid`)).text());
    await waitFor(() => app.state === 'stopped', 'the idle stop');
    expect(isGone(first)).toBe(true);
    const second = Number(await (await fetch(`${server.url}/pid`)).text());
    expect(second).not.toBe(first);
  });

  it('does not stop the child while a slow response body is still being sent', async () => {
    const { app, server } = await served({ idleTimeout: 100 });
    const response = await fetch(`${server.url}/slow?ms=800`);
    const reader = response.body!.getReader();
    await reader.read();
    const pid = app.pid!;
    await delay(400);
    expect(app.state).toBe('running');
    expect(isGone(pid)).toBe(false);
    while (!(await reader.read()).done);
    await waitFor(() => isGone(pid), 'the idle stop after the body');
  });

  it('ends the use when the client goes away mid-body', async () => {
    const { app, server } = await served({ idleTimeout: 100 });
    const abort = new AbortController();
    const response = await fetch(`${server.url}/slow?ms=20000`, { signal: abort.signal });
    await response.body!.getReader().read();
    const pid = app.pid!;
    abort.abort();
    await waitFor(() => isGone(pid), 'the idle stop after the abort', 10_000);
  });

  it('does not stop the child while an upgraded connection is open', async () => {
    const { app, server } = await served({ idleTimeout: 100 });
    const socket = await new Promise<Socket>((resolve, reject) => {
      const request = httpRequest(`${server.url}/ws`, {
        headers: { connection: 'upgrade', upgrade: 'echo' },
      });
      request.once('upgrade', (_response, upgraded) => {
        resolve(upgraded);
      });
      request.once('response', (response) => {
        reject(new Error(`no upgrade: ${String(response.statusCode)}`));
      });
      request.once('error', reject);
      request.end();
    });
    const pid = app.pid!;
    const echoed = new Promise<string>((resolve) => {
      socket.once('data', (chunk: Buffer) => {
        resolve(chunk.toString());
      });
    });
    socket.write('ping');
    expect(await echoed).toBe('ping');
    await delay(400);
    expect(isGone(pid)).toBe(false);
    socket.destroy();
    await waitFor(() => isGone(pid), 'the idle stop after the connection closed');
  });

  it('restarts a child killed with SIGKILL on the next request', async () => {
    const { app, server } = await served({ restart: { initialDelay: 0, maxDelay: 0 } });
    const first = Number(await (await fetch(`${server.url}/pid`)).text());
    process.kill(first, 'SIGKILL');
    await waitFor(() => app.state === 'stopped', 'the crash to be seen');
    const response = await fetch(`${server.url}/pid`);
    expect(response.status).toBe(200);
    expect(Number(await response.text())).not.toBe(first);
  });

  it('answers 503 with Retry-After when the child never becomes ready', async () => {
    const { server } = await served({
      env: { BACKEND_NEVER_LISTEN: '1' },
      ready: { timeout: 300 },
    });
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
  });

  it('answers 503, and sends nothing there, when its fixed port is held by another process', async () => {
    let reached = 0;
    const other = await serve(
      () => {
        reached++;
        return new Response('another process');
      },
      { host: '127.0.0.1', port: 0 },
    );
    servers.push(other);
    const { server, lines } = await served({ port: other.port });
    const response = await fetch(`${server.url}/`, {
      headers: { authorization: 'Basic c2VjcmV0' },
    });
    expect(response.status).toBe(503);
    expect(reached).toBe(0);
    expect(lines.some((line) => line.includes('already in use'))).toBe(true);
  });

  it('answers 503 without Retry-After after close()', async () => {
    const { app, server } = await served();
    await (await fetch(`${server.url}/`)).text();
    const pid = app.pid!;
    await app.close();
    expect(isGone(pid)).toBe(true);
    const response = await fetch(`${server.url}/`);
    expect(response.status).toBe(503);
    expect(response.headers.has('retry-after')).toBe(false);
    expect(app.state).toBe('stopped');
  });

  it('stops the child when the trowel server closes', async () => {
    const { app, server } = await served();
    await (await fetch(`${server.url}/`)).text();
    const pid = app.pid!;
    await server.close();
    expect(isGone(pid)).toBe(true);
    expect(app.state).toBe('stopped');
  });

  it('throws a ConfigError for a bad proxy option when built', () => {
    expect(() => spawn({ command: BACKEND, proxy: { methods: ['BAD METHOD'] } })).toThrow(
      expect.objectContaining({ code: expect.stringMatching(/^TROWEL_ERR_PROXY_/) as string }),
    );
  });

  it('throws a ConfigError for a bad spawn option when built', () => {
    expect(() => spawn({ command: [] })).toThrow(
      expect.objectContaining({ code: 'TROWEL_ERR_SPAWN_COMMAND' }),
    );
  });
});
