/**
 * `trowel serve --reload` as a user runs it: a real trowel process, its workers, files edited on
 * disk, and requests on fresh connections throughout.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TestFileEnvironment } from '../../src/testing/file-environment.ts';
import { APP_MODULE, fetchText, scratch, serveCli, type Running } from './helpers.ts';

const SITE = '[app:main]\nuse = file:./app.mjs#hello\n';
const PID_SITE = '[app:main]\nuse = file:./app.mjs#pid\n';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function write(env: TestFileEnvironment, path: string, content: string): void {
  writeFileSync(join(env.basePath, path), content);
}

function reload(env: TestFileEnvironment, args: readonly string[] = []): Running {
  return serveCli(env, ['site.ini', '--port', '0', '--reload', ...args]);
}

/**
 * Sends GET `url` on a new connection each time, one after the other, until `stop()`; collects
 * the bodies of 200s and every failure (a status, or an error code such as ECONNREFUSED).
 */
function hammer(url: string): {
  readonly bodies: string[];
  readonly failures: string[];
  stop(): Promise<void>;
} {
  const bodies: string[] = [];
  const failures: string[] = [];
  const state = { running: true };
  const loop = (async () => {
    while (state.running) {
      try {
        const { status, body } = await fetchText(url);
        if (status === 200) bodies.push(body);
        else failures.push(`status ${status}: ${body}`);
      } catch (error) {
        failures.push((error as { code?: string }).code ?? String(error));
      }
    }
  })();
  return {
    bodies,
    failures,
    stop: async () => {
      state.running = false;
      await loop;
    },
  };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('trowel serve --reload', () => {
  it('refuses no connection across several restarts: every request gets a 200 from the old or the new version', async () => {
    const env = scratch({ 'site.ini': SITE, 'app.mjs': APP_MODULE('v1') });
    const server = reload(env);
    const load = hammer(await server.nextUrl());
    for (const version of ['v2', 'v3', 'v4', 'v5']) {
      await sleep(150);
      write(env, 'app.mjs', APP_MODULE(version));
      await server.nextUrl();
    }
    await sleep(150);
    await load.stop();
    expect(load.failures).toEqual([]);
    expect(new Set(load.bodies)).toEqual(
      new Set(['v1', 'v2', 'v3', 'v4', 'v5'].map((version) => `hello ${version} /`)),
    );
    expect(server.stderr().match(/app\.mjs changed; restarting/g)).toHaveLength(4);
  });

  it('keeps the old version serving through a broken edit, and restarts on the fix', async () => {
    const env = scratch({ 'site.ini': SITE, 'app.mjs': APP_MODULE('v1') });
    const server = reload(env);
    const url = await server.nextUrl();
    const load = hammer(url);
    write(env, 'app.mjs', 'export const hello = (;\n');
    await server.stderrMatches(
      /waiting for a change to restart \(the previous version keeps serving\)/,
    );
    expect(server.stderr()).toMatch(/app\.mjs#hello: importing[^\n]*\n[\s\S]*SyntaxError/);
    expect((await fetchText(url)).body).toBe('hello v1 /');
    write(env, 'app.mjs', APP_MODULE('v2'));
    await server.nextUrl();
    await load.stop();
    expect(load.failures).toEqual([]);
    expect((await fetchText(url)).body).toBe('hello v2 /');
  });

  it('makes one restart of three quick saves', async () => {
    const env = scratch({ 'site.ini': PID_SITE, 'app.mjs': APP_MODULE('v1') });
    const server = reload(env);
    const url = await server.nextUrl();
    const first = (await fetchText(url)).body;
    for (const version of ['v2', 'v3', 'v4']) {
      write(env, 'app.mjs', APP_MODULE(version));
      await sleep(10);
    }
    await server.nextUrl();
    const load = hammer(url);
    await sleep(500);
    await load.stop();
    const pids = new Set(load.bodies);
    expect(pids.size).toBe(1);
    expect(pids.has(first)).toBe(false);
    expect(server.stderr().match(/restarting/g)).toHaveLength(1);
    expect(server.stdout().match(/serving/g)).toHaveLength(2);
  });

  it('exits 0 on SIGTERM, leaving no worker behind', async () => {
    const env = scratch({ 'site.ini': PID_SITE, 'app.mjs': APP_MODULE('v1') });
    const server = reload(env, ['--workers', '2']);
    const url = await server.nextUrl();
    const pids = new Set<string>();
    for (let i = 0; i < 40 && pids.size < 2; i++) pids.add((await fetchText(url)).body);
    expect(pids.size).toBe(2);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    for (const pid of pids) expect(alive(Number(pid))).toBe(false);
  });

  it('restarts every worker of --workers N, and each version is served by N new processes', async () => {
    const env = scratch({ 'site.ini': PID_SITE, 'app.mjs': APP_MODULE('v1') });
    const server = reload(env, ['--workers', '2']);
    const url = await server.nextUrl();
    const before = /workers (\d+), (\d+)\)/.exec(server.stdout())?.slice(1) ?? [];
    expect(before).toHaveLength(2);
    write(env, 'app.mjs', `${APP_MODULE('v2')}// edited\n`);
    await server.nextUrl();
    const after = [...server.stdout().matchAll(/workers (\d+), (\d+)\)/g)][1]?.slice(1) ?? [];
    expect(after).toHaveLength(2);
    expect(after.filter((pid) => before.includes(pid))).toEqual([]);
    const seen = new Set<string>();
    for (let i = 0; i < 40 && seen.size < 2; i++) seen.add((await fetchText(url)).body);
    expect([...seen].sort()).toEqual([...after].sort());
    await sleep(200);
    for (const pid of before) expect(alive(Number(pid))).toBe(false);
  });

  it('watches a module the application imports only while serving a request', async () => {
    const env = scratch({
      'site.ini': SITE,
      'app.mjs': `export const hello = async () => new Response((await import('./lazy.mjs')).text);\n`,
      'lazy.mjs': `export const text = 'lazy v1';\n`,
    });
    const server = reload(env);
    const url = await server.nextUrl();
    expect((await fetchText(url)).body).toBe('lazy v1');
    await sleep(200);
    write(env, 'lazy.mjs', `export const text = 'lazy v2';\n`);
    await server.nextUrl();
    expect((await fetchText(url)).body).toBe('lazy v2');
    expect(server.stderr()).toContain('trowel: lazy.mjs changed; restarting');
  });

  it.each([
    ['a directory', 'templates', 'templates/deep/page.html'],
    ['a file that does not exist yet', 'later/flag', 'later/flag'],
  ])('restarts when %s named by --reload-watch changes', async (_what, watched, changed) => {
    const env = scratch({ 'site.ini': PID_SITE, 'app.mjs': APP_MODULE('v1') });
    mkdirSync(join(env.basePath, 'templates/deep'), { recursive: true });
    const server = reload(env, ['--reload-watch', watched]);
    await server.nextUrl();
    mkdirSync(join(env.basePath, changed, '..'), { recursive: true });
    write(env, changed, 'new');
    await server.nextUrl();
    expect(server.stderr()).toContain(`trowel: ${changed} changed; restarting`);
  });

  it('polls with --reload-poll', async () => {
    const env = scratch({ 'site.ini': SITE, 'app.mjs': APP_MODULE('v1') });
    const server = reload(env, ['--reload-poll', '--reload-interval', '0.05']);
    const url = await server.nextUrl();
    write(env, 'app.mjs', APP_MODULE('v2'));
    await server.nextUrl();
    expect((await fetchText(url)).body).toBe('hello v2 /');
  });

  it('keeps its socket when the config moves the port, and says to restart by hand', async () => {
    const [port, other] = [await freePort(), await freePort()];
    const site = (p: number): string => `[server:main]\nuse = egg:Paste#http\nport = ${p}\n${SITE}`;
    const env = scratch({ 'site.ini': site(port), 'app.mjs': APP_MODULE('v1') });
    const server = serveCli(env, ['site.ini', '--reload']);
    const url = await server.nextUrl();
    expect(url).toBe(`http://127.0.0.1:${port}`);
    write(env, 'site.ini', site(other));
    await server.stderrMatches(/restart trowel serve by hand/);
    expect(server.stderr()).toContain(
      `trowel: the new version listens on 127.0.0.1:${other}, but --reload keeps the socket it opened on 127.0.0.1:${port}; restart trowel serve by hand to move it (the previous version keeps serving)`,
    );
    expect((await fetchText(url)).body).toBe('hello v1 /');
    await sleep(200);
    await expect(fetchText(`http://127.0.0.1:${other}/`)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  it('writes its lines and the workers’ output to --log-file, and the pid file while it runs', async () => {
    const env = scratch({ 'site.ini': SITE, 'app.mjs': APP_MODULE('v1') });
    const server = reload(env, ['--log-file', 'trowel.log', '--pid-file', 'trowel.pid']);
    const log = (): string =>
      existsSync(join(env.basePath, 'trowel.log'))
        ? readFileSync(join(env.basePath, 'trowel.log'), 'utf8')
        : '';
    for (let i = 0; i < 100 && !log().includes('serving'); i++) await sleep(100);
    const url = /on (http:\S+)\//.exec(log())?.[1] ?? '';
    expect(readFileSync(join(env.basePath, 'trowel.pid'), 'utf8')).toBe(`${server.child.pid}\n`);
    write(env, 'site.ini', `${SITE}use = twice\n`);
    for (let i = 0; i < 100 && !log().includes('waiting'); i++) await sleep(100);
    expect(log()).toContain('site.ini changed; restarting');
    expect(log()).toContain('site.ini:3 [app:main] use: the key is already set on line 2');
    expect((await fetchText(url)).body).toBe('hello v1 /');
    expect(server.stdout() + server.stderr()).toBe('');
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    expect(existsSync(join(env.basePath, 'trowel.pid'))).toBe(false);
  });
});
