/**
 * `trowel serve` with an `egg:WSGIProxy#spawn` app: the backend (Python's http.server) starts on
 * the first request, and SIGTERM to trowel stops it before trowel exits 0.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchText, scratch, serveCli } from './helpers.ts';

/** Gone, or a zombie nobody reaped yet (the sandbox's init does not always reap orphans). */
function gone(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

const BACKEND = `import http.server, os, sys
with open("backend.pid", "w") as f:
    f.write(str(os.getpid()))
http.server.test(HandlerClass=http.server.SimpleHTTPRequestHandler, port=int(sys.argv[1]), bind="127.0.0.1")
`;

describe('trowel serve with egg:WSGIProxy#spawn', () => {
  it('starts the backend on the first request and stops it on SIGTERM', async () => {
    const env = scratch({
      'site.ini':
        '[app:main]\nuse = egg:WSGIProxy#spawn\ncommand = python3 backend.py {port}\noutput = ignore\n',
      'backend.py': BACKEND,
      'hello.txt': 'hello from python\n',
    });
    const server = serveCli(env, ['site.ini', '--port', '0']);
    const url = await server.nextUrl();
    expect(await fetchText(`${url}/hello.txt`)).toEqual({
      status: 200,
      body: 'hello from python\n',
    });
    const pid = Number(readFileSync(join(env.basePath, 'backend.pid'), 'utf8'));
    expect(gone(pid)).toBe(false);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(gone(pid)).toBe(true);
  }, 30_000);
});
