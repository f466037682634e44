import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_MODULE, fetchText, scratch, serveCli, trowel } from './helpers.ts';

const SITE = '[app:main]\nuse = file:./app.mjs#hello\n';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('trowel serve', () => {
  it('serves a config on the port given, and exits 0 on SIGTERM', async () => {
    const env = scratch({ 'site.ini': SITE, 'app.mjs': APP_MODULE('v1') });
    const server = serveCli(env, ['site.ini', '--port', '0']);
    const url = await server.nextUrl();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await fetchText(`${url}/a/b`)).toEqual({ status: 200, body: 'hello v1 /a/b' });
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(server.stderr()).toBe('');
  });

  it('takes the port from [server:main], with name=value variables interpolated', async () => {
    const env = scratch({
      'site.ini': `[server:main]\nuse = egg:Paste#http\nport = %(http_port)s\n${SITE}`,
      'app.mjs': APP_MODULE('v1'),
    });
    const server = serveCli(env, ['site.ini', 'http_port=0']);
    expect((await fetchText(await server.nextUrl())).body).toBe('hello v1 /');
  });

  it('serves the bundled demo when no config is given', async () => {
    const server = serveCli(scratch(), ['--port', '0']);
    const url = await server.nextUrl();
    expect(server.stdout()).toContain('examples/demo/site.ini');
    const home = await fetchText(`${url}/`);
    expect(home.status).toBe(200);
    expect(home.body).toContain('<h1>trowel demo</h1>');
    expect((await fetchText(`${url}/config`)).body).toContain(
      '<th>greeting</th><td>Hello from site.ini!</td>',
    );
    const about = await fetchText(`${url}/static/about.html`);
    expect([about.status, about.body]).toEqual([200, expect.stringContaining('<h1>About</h1>')]);
    expect((await fetchText(`${url}/cgi-bin/hello/extra?x=1`)).body).toContain(
      'PATH_INFO=/extra\nQUERY_STRING=x=1\n',
    );
  });

  it('reports a bad config with status 2, naming file, section and key, before binding the port', async () => {
    // Hold the port the config names: had trowel tried to listen first, it would fail with EADDRINUSE.
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const env = scratch({
        'site.ini': `[server:main]\nuse = egg:Paste#http\nport = ${port}\n[app:main]\nuse = file:./app.mjs#hello\nfilter-with = lint\n[filter:lint]\nuse = egg:Paste#lint\nmode = loud\n`,
        'app.mjs': APP_MODULE('v1'),
      });
      const result = await trowel(env, ['serve', 'site.ini'], { expectError: true });
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toBe(
        'trowel: site.ini:9 [filter:lint] mode: expected one of strict, warn, got "loud"\n',
      );
      expect(result.stdout).toBe('');
    } finally {
      blocker.close();
    }
  });

  it.each([
    [
      'use-missing-section.ini',
      'use-missing-section.ini:2 [app:main] use: there is no application named "site" in use-missing-section.ini (did you mean "sites"?; it has "main", "sites")',
    ],
    [
      'syntax-duplicate-key.ini',
      'syntax-duplicate-key.ini:4 [app:main] use: the key is already set on line 2',
    ],
    [
      'interpolation-missing-variable.ini',
      'interpolation-missing-variable.ini:4 [server:main] port: %(http_port)s names nothing',
    ],
  ])('reports the malformed %s in one line, without a stack trace', async (name, message) => {
    const env = scratch({
      [name]: readFileSync(join(import.meta.dirname, '../deploy/fixtures/malformed', name), 'utf8'),
    });
    const result = await trowel(env, ['serve', name], { expectError: true });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.startsWith(`trowel: ${message}`)).toBe(true);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('shows the stack of an error thrown by user code, which is where the bug is', async () => {
    const env = scratch({ 'site.ini': SITE, 'app.mjs': 'throw new Error("broken module");\n' });
    const result = await trowel(env, ['serve', 'site.ini'], { expectError: true });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('site.ini:2 [app:main] use: file:./app.mjs#hello: importing');
    expect(result.stderr).toMatch(/\n {4}Error: broken module\n {8}at .*app\.mjs/);
  });

  it('exits 1 when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as { port: number };
    try {
      const env = scratch({ 'site.ini': SITE, 'app.mjs': APP_MODULE('v1') });
      const result = await trowel(env, ['serve', 'site.ini', '--port', String(port)], {
        expectError: true,
      });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toContain('trowel: the server could not start: listen EADDRINUSE');
    } finally {
      blocker.close();
    }
  });

  it('writes the pid file while serving and removes it on exit', async () => {
    const env = scratch({ 'site.ini': SITE, 'app.mjs': APP_MODULE('v1') });
    const server = serveCli(env, ['site.ini', '--port', '0', '--pid-file', 'trowel.pid']);
    await server.nextUrl();
    expect(readFileSync(join(env.basePath, 'trowel.pid'), 'utf8')).toBe(`${server.child.pid}\n`);
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    expect(existsSync(join(env.basePath, 'trowel.pid'))).toBe(false);
  });

  it('refuses to start when the pid file names a running process', async () => {
    const env = scratch({
      'site.ini': SITE,
      'app.mjs': APP_MODULE('v1'),
      'trowel.pid': `${process.pid}\n`,
    });
    const result = await trowel(
      env,
      ['serve', 'site.ini', '--port', '0', '--pid-file', 'trowel.pid'],
      { expectError: true },
    );
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`names process ${process.pid}, which is running`);
  });

  it('appends its output to the log file', async () => {
    const env = scratch({
      'site.ini': SITE,
      'app.mjs': APP_MODULE('v1'),
      'trowel.log': 'earlier\n',
    });
    const server = serveCli(env, [
      'site.ini',
      '--port',
      '0',
      '--log-file',
      'trowel.log',
      '--pid-file',
      'trowel.pid',
    ]);
    let log = '';
    for (let i = 0; i < 100 && !log.includes('serving'); i++) {
      await sleep(100);
      log = readFileSync(join(env.basePath, 'trowel.log'), 'utf8');
    }
    expect(log).toMatch(/^earlier\ntrowel: serving site\.ini on http:\/\/127\.0\.0\.1:\d+\//);
    const url = /on (http:\S+)\//.exec(log)?.[1] ?? '';
    expect((await fetchText(url)).body).toBe('hello v1 /');
    expect(server.stdout()).toBe('');
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
    expect(existsSync(join(env.basePath, 'trowel.pid'))).toBe(false);
  });

  it('refuses a log file it cannot write', async () => {
    const env = scratch({ 'site.ini': SITE, 'app.mjs': APP_MODULE('v1') });
    const result = await trowel(env, ['serve', 'site.ini', '--log-file', 'no/such/dir/x.log'], {
      expectError: true,
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('cannot write the log file no/such/dir/x.log: ENOENT');
  });
});

describe('trowel serve --reload', () => {
  it('restarts when the code changes, and exits 0 on SIGTERM', async () => {
    const env = scratch({ 'site.ini': SITE, 'app.mjs': APP_MODULE('v1') });
    const server = serveCli(env, ['site.ini', '--port', '0', '--reload']);
    expect((await fetchText(await server.nextUrl())).body).toBe('hello v1 /');
    writeFileSync(join(env.basePath, 'app.mjs'), APP_MODULE('v2'));
    expect((await fetchText(await server.nextUrl())).body).toBe('hello v2 /');
    expect(server.stderr()).toContain('trowel: app.mjs changed; restarting');
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  });

  it('restarts when the config changes, waiting out a broken one', async () => {
    const env = scratch({ 'site.ini': SITE, 'app.mjs': APP_MODULE('v1') });
    const server = serveCli(env, ['site.ini', '--port', '0', '--reload']);
    await server.nextUrl();
    writeFileSync(join(env.basePath, 'site.ini'), `${SITE}use = twice\n`);
    await server.stderrMatches(/waiting for a change to restart/);
    expect(server.stderr()).toContain(
      'site.ini:3 [app:main] use: the key is already set on line 2',
    );
    writeFileSync(join(env.basePath, 'site.ini'), SITE.replace('#hello', '#pid'));
    const url = await server.nextUrl();
    expect((await fetchText(url)).body).toMatch(/^\d+$/);
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  });

  it('exits 2 when the config is broken from the start', async () => {
    const env = scratch({ 'site.ini': '[app:main]\n' });
    const server = serveCli(env, ['site.ini', '--reload']);
    expect((await server.exited).code).toBe(2);
    expect(server.stderr()).toContain('site.ini:1 [app:main]: the section needs use');
  });
});

describe('trowel serve --workers', () => {
  it('serves from two worker processes, and SIGTERM stops them all with status 0', async () => {
    const env = scratch({
      'site.ini': '[app:main]\nuse = file:./app.mjs#pid\n',
      'app.mjs': APP_MODULE('v1'),
    });
    const server = serveCli(env, ['site.ini', '--port', '0', '--workers', '2']);
    const url = await server.nextUrl();
    expect(server.stdout()).toContain(', 2 workers)');
    const pids = new Set<string>();
    for (let i = 0; i < 40 && pids.size < 2; i++) pids.add((await fetchText(url)).body);
    expect(pids.size).toBe(2);
    expect(pids.has(String(server.child.pid))).toBe(false);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await sleep(100);
    for (const pid of pids) expect(alive(Number(pid))).toBe(false);
  });
});
