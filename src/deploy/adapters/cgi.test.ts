import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fixture } from '../../../test/cgi/helpers.ts';
import { rejection, send, tree } from '../../../test/deploy/helpers.ts';
import { defaultRegistry } from '../entry-points.ts';
import type { DeployWarning } from '../errors.ts';
import { loadApp } from '../loader.ts';
import { cgiApp } from './cgi.ts';

const registry = defaultRegistry().register('egg:Paste#cgi', {
  status: 'available',
  protocol: 'app',
  capability: 'trowel/cgi',
  load: () => ({ protocol: 'app', create: cgiApp }),
});

interface Dump {
  env: Record<string, string>;
  cwd: string;
}

/** A scratch directory with `site.ini` holding `[app:main]` + `body`, and the fixtures in cgi-bin/. */
function site(body: string, head = ''): string {
  const dir = tree({ 'site.ini': `${head}[app:main]\nuse = egg:Paste#cgi\n${body}` });
  mkdirSync(join(dir, 'cgi-bin'));
  for (const name of ['env.py', 'slow.sh', 'big-head.sh']) {
    copyFileSync(fixture(name), join(dir, 'cgi-bin', name));
    chmodSync(join(dir, 'cgi-bin', name), 0o755);
  }
  return dir;
}

async function load(dir: string, warnings: DeployWarning[] = []): ReturnType<typeof loadApp> {
  return loadApp(join(dir, 'site.ini'), { registry, onWarning: (w) => warnings.push(w) });
}

async function dump(body: string, init: RequestInit & { url?: string } = {}): Promise<Dump> {
  const app = await load(site(body));
  const res = await send(app, new Request(init.url ?? 'http://localhost/x?q=1', init));
  return (await res.json()) as Dump;
}

const saved = process.env['TROWEL_TEST_SECRET'];
afterEach(() => {
  if (saved === undefined) Reflect.deleteProperty(process.env, 'TROWEL_TEST_SECRET');
  else process.env['TROWEL_TEST_SECRET'] = saved;
});

describe('egg:Paste#cgi', () => {
  it('serves git-http-backend found along path, with env.* variables', async () => {
    const dir = site(
      [
        'script = git-http-backend',
        'path = /usr/lib/git-core',
        'env.GIT_PROJECT_ROOT = %(here)s/repos',
        'env.GIT_HTTP_EXPORT_ALL = 1',
        '',
      ].join('\n'),
    );
    execFileSync('/usr/bin/git', ['init', '-q', '--bare', join(dir, 'repos', 'project.git')]);
    const app = await load(dir);
    const res = await send(
      app,
      new Request('http://localhost/project.git/info/refs?service=git-upload-pack'),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-git-upload-pack-advertisement');
    await res.body?.cancel();
  });

  it('resolves a script with a slash against the config file', async () => {
    const d = await dump('script = cgi-bin/env.py\n');
    expect(d.env['SCRIPT_FILENAME']).toMatch(/\/cgi-bin\/env\.py$/);
    expect(d.cwd).toBe(d.env['SCRIPT_FILENAME']?.replace(/\/env\.py$/, ''));
  });

  it('looks a bare script name up along the globals’ path, as Paste did', async () => {
    const dir = site('script = env.py\n', '[DEFAULT]\npath = cgi-bin\n');
    const res = await send(await load(dir), new Request('http://localhost/'));
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });

  it('splits a query string off the script, and appends it to QUERY_STRING', async () => {
    expect((await dump('script = cgi-bin/env.py?mode=x\n')).env['QUERY_STRING']).toBe('q=1&mode=x');
    expect((await dump('script = cgi-bin/env.py\nquery_string = b=2\n')).env['QUERY_STRING']).toBe(
      'q=1&b=2',
    );
  });

  it('passes only PATH of the server’s environment by default', async () => {
    process.env['TROWEL_TEST_SECRET'] = 's3cret';
    const d = await dump('script = cgi-bin/env.py\ninclude_os_environ = false\n');
    expect(d.env).not.toHaveProperty('TROWEL_TEST_SECRET');
    expect(d.env['PATH']).toBe(process.env['PATH']);
  });

  it('passes the variables include_os_environ lists, besides PATH', async () => {
    process.env['TROWEL_TEST_SECRET'] = 's3cret';
    const d = await dump('script = cgi-bin/env.py\ninclude_os_environ = TROWEL_TEST_SECRET\n');
    expect([d.env['TROWEL_TEST_SECRET'], d.env['PATH']]).toEqual(['s3cret', process.env['PATH']]);
  });

  it('passes the whole environment for include_os_environ = true, with a warning', async () => {
    process.env['TROWEL_TEST_SECRET'] = 's3cret';
    const warnings: DeployWarning[] = [];
    const app = await load(site('script = cgi-bin/env.py\ninclude_os_environ = true\n'), warnings);
    const d = (await (await send(app, new Request('http://localhost/'))).json()) as Dump;
    expect(d.env['TROWEL_TEST_SECRET']).toBe('s3cret');
    expect(warnings.map((w) => [w.code, w.where.key])).toEqual([
      ['TROWEL_WARN_CGI_OS_ENVIRON', 'include_os_environ'],
    ]);
  });

  it('maps trowel’s options', async () => {
    const d = await dump(
      [
        'script = cgi-bin/env.py',
        'cwd = /tmp',
        'document_root = htdocs',
        'pass_authorization = yes',
        'kill_grace = 1s',
        'buffer_chunked_body = 1k',
        '',
      ].join('\n'),
      { url: 'http://localhost/page', headers: { authorization: 'Bearer t' } },
    );
    expect(d.cwd).toBe('/tmp');
    expect(d.env['PATH_TRANSLATED']).toMatch(/\/htdocs\/page$/);
    expect(d.env['HTTP_AUTHORIZATION']).toBe('Bearer t');
  });

  it('gives a timeout in config durations', async () => {
    const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const app = await load(site('script = cgi-bin/slow.sh\ntimeout = 200ms\nkill_grace = 0\n'));
      expect((await send(app, new Request('http://localhost/'))).status).toBe(504);
      expect(logged).toHaveBeenCalledWith(expect.stringMatching(/timeout of 200 ms$/));
    } finally {
      logged.mockRestore();
    }
  });

  it('limits the header block with max_header_size', async () => {
    const app = await load(site('script = cgi-bin/big-head.sh\nmax_header_size = 1m\n'));
    expect((await send(app, new Request('http://localhost/'))).status).toBe(200);
  });

  it.each([
    ['no script', 'path = /usr/bin\n', 'TROWEL_ERR_DEPLOY_OPTION', 'script'],
    [
      'a typo',
      'script = cgi-bin/env.py\nquery_strin = a\n',
      'TROWEL_ERR_DEPLOY_OPTION',
      'query_strin',
    ],
    [
      'a script not on path',
      'script = nowhere.cgi\npath = cgi-bin\n',
      'TROWEL_ERR_DEPLOY_VALUE',
      'script',
    ],
    [
      'a bare name not on PATH',
      'script = trowel-no-such-program\n',
      'TROWEL_ERR_DEPLOY_VALUE',
      'script',
    ],
    ['a missing script', 'script = cgi-bin/missing.py\n', 'TROWEL_ERR_CGI_SCRIPT', 'script'],
    [
      'two query strings',
      'script = cgi-bin/env.py?a=1\nquery_string = b=2\n',
      'TROWEL_ERR_DEPLOY_VALUE',
      'script',
    ],
    [
      'a bad variable in include_os_environ',
      'script = cgi-bin/env.py\ninclude_os_environ = A-B\n',
      'TROWEL_ERR_DEPLOY_VALUE',
      'include_os_environ',
    ],
    [
      'a bad env name',
      'script = cgi-bin/env.py\nenv.A-B = 1\n',
      'TROWEL_ERR_DEPLOY_VALUE',
      'env.A-B',
    ],
    [
      'a bad timeout',
      'script = cgi-bin/env.py\ntimeout = soon\n',
      'TROWEL_ERR_DEPLOY_VALUE',
      'timeout',
    ],
  ])('refuses %s, naming the key', async (_name, body, code, key) => {
    const error = await rejection(load(site(body)));
    expect([error.code, error.key]).toEqual([code, key]);
  });
});
