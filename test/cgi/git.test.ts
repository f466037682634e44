/**
 * git over HTTP through `cgi()` around the real `git-http-backend`: clone, a push large enough to
 * go out as a chunked body, a shallow fetch and protocol v2 — the CGI runner's hardest client
 * (reliability spec §3.4).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Handler } from '../../src/core/handler.ts';
import { cgi } from '../../src/cgi/index.ts';
import { serve, type TrowelServer } from '../../src/server/index.ts';

const run = promisify(execFile);
const BACKEND = '/usr/lib/git-core/git-http-backend';

let root: string;
let server: TrowelServer;
const seen: { method: string; path: string; transferEncoding: string | null }[] = [];
const stderr: string[] = [];

/** git with no user or system configuration, so the machine's settings cannot change the result. */
async function git(
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<{ stdout: string; stderr: string }> {
  return run('/usr/bin/git', args, {
    env: {
      PATH: process.env['PATH'] ?? '/usr/bin:/bin',
      HOME: root,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Tester',
      GIT_AUTHOR_EMAIL: 'tester@example.org',
      GIT_COMMITTER_NAME: 'Tester',
      GIT_COMMITTER_EMAIL: 'tester@example.org',
      ...env,
    },
    maxBuffer: 64 * 1024 * 1024,
  });
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'trowel-cgi-git-'));
  const bare = join(root, 'repo.git');
  const seed = join(root, 'seed');
  await git(['init', '-q', '--bare', '-b', 'main', bare]);
  await git(['-C', bare, 'config', 'http.receivepack', 'true']);
  await git(['init', '-q', '-b', 'main', seed]);
  writeFileSync(join(seed, 'README'), 'first\n');
  await git(['-C', seed, 'add', 'README']);
  await git(['-C', seed, 'commit', '-q', '-m', 'first']);
  writeFileSync(join(seed, 'README'), 'second\n');
  await git(['-C', seed, 'commit', '-q', '-a', '-m', 'second']);
  await git(['-C', seed, 'push', '-q', bare, 'main']);

  const backend = cgi({
    script: BACKEND,
    env: { GIT_PROJECT_ROOT: root, GIT_HTTP_EXPORT_ALL: '1' },
    onStderr: (line) => stderr.push(line),
  });
  const recording: Handler = (request, ctx) => {
    seen.push({
      method: request.method,
      path: new URL(request.url).pathname,
      transferEncoding: request.headers.get('transfer-encoding'),
    });
    return backend(request, ctx);
  };
  server = await serve(recording, { port: 0 });
});

afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('git over cgi() and git-http-backend', () => {
  it('clones a repository', async () => {
    const dir = join(root, 'clone');
    await git(['clone', '-q', `${server.url}/repo.git`, dir]);
    expect(readFileSync(join(dir, 'README'), 'utf8')).toBe('second\n');
    const { stdout } = await git(['-C', dir, 'log', '--format=%s']);
    expect(stdout).toBe('second\nfirst\n');
  });

  it('speaks protocol version 2, which needs Git-Protocol passed as HTTP_GIT_PROTOCOL', async () => {
    const { stderr: trace } = await git(
      ['-c', 'protocol.version=2', 'ls-remote', `${server.url}/repo.git`],
      { GIT_TRACE_PACKET: '1' },
    );
    expect(trace).toMatch(/git< version 2/);
  });

  it('receives a push large enough to be sent as a chunked body', async () => {
    const dir = join(root, 'pusher');
    await git(['clone', '-q', `${server.url}/repo.git`, dir]);
    writeFileSync(join(dir, 'big.bin'), randomBytes(6 * 1024 * 1024));
    await git(['-C', dir, 'add', 'big.bin']);
    await git(['-C', dir, 'commit', '-q', '-m', 'big']);
    seen.length = 0;
    await git(['-C', dir, '-c', 'http.postBuffer=65536', 'push', '-q', 'origin', 'main']);

    const pushes = seen.filter((r) => r.method === 'POST' && r.path.endsWith('/git-receive-pack'));
    expect(pushes.some((r) => r.transferEncoding === 'chunked')).toBe(true);
    const head = (await git(['-C', dir, 'rev-parse', 'HEAD'])).stdout.trim();
    const bare = join(root, 'repo.git');
    expect((await git(['--git-dir', bare, 'rev-parse', 'main'])).stdout.trim()).toBe(head);
    const blob = (await git(['-C', dir, 'rev-parse', 'HEAD:big.bin'])).stdout.trim();
    const { stdout: size } = await git(['--git-dir', bare, 'cat-file', '-s', blob]);
    expect(Number(size)).toBe(6 * 1024 * 1024);
    await git(['--git-dir', bare, 'fsck', '--no-progress']);
  });

  it('serves a shallow fetch', async () => {
    const dir = join(root, 'shallow');
    await git(['clone', '-q', '--depth', '1', `${server.url}/repo.git`, dir]);
    expect((await git(['-C', dir, 'rev-parse', '--is-shallow-repository'])).stdout.trim()).toBe(
      'true',
    );
    expect((await git(['-C', dir, 'rev-list', '--count', 'HEAD'])).stdout.trim()).toBe('1');
    await git(['-C', dir, 'fetch', '-q', '--deepen', '1']);
    expect((await git(['-C', dir, 'rev-list', '--count', 'HEAD'])).stdout.trim()).toBe('2');
  });

  it('answers 404 for a repository that does not exist', async () => {
    const response = await fetch(`${server.url}/missing.git/info/refs?service=git-upload-pack`);
    expect(response.status).toBe(404);
    await response.body?.cancel();
  });
});
