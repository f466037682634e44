import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunError, TestFileEnvironment, type TestFileEnvironmentOptions } from './index.ts';

const node = process.execPath;
const made: TestFileEnvironment[] = [];

function environment(options: TestFileEnvironmentOptions = {}): TestFileEnvironment {
  const env = new TestFileEnvironment(options);
  made.push(env);
  return env;
}

afterEach(() => {
  for (const env of made.splice(0)) env.remove();
});

async function failure(promise: Promise<unknown>): Promise<RunError> {
  const error: unknown = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RunError);
  return error as RunError;
}

describe('TestFileEnvironment.run', () => {
  it('returns the output and exit code of a real process', async () => {
    const result = await environment().run('sh', ['-c', 'echo out; printf "%s" "$GREETING"'], {
      env: { GREETING: 'hi' },
    });
    expect([result.stdout, result.stderr, result.exitCode, result.signal]).toEqual([
      'out\nhi',
      '',
      0,
      null,
    ]);
  });

  it('reports files created, updated and deleted', async () => {
    const env = environment();
    env.writeFile('keep.txt', 'same');
    env.writeFile('change.txt', 'old');
    env.writeFile('gone/file.txt', 'bye');
    const result = await env.run('sh', [
      '-c',
      'mkdir -p new && echo made > new/made.txt && echo changed > change.txt && rm -r gone',
    ]);
    expect([...result.filesCreated.keys()].sort()).toEqual(['new', 'new/made.txt']);
    expect([...result.filesUpdated.keys()]).toEqual(['change.txt']);
    expect([...result.filesDeleted.keys()].sort()).toEqual(['gone', 'gone/file.txt']);
    expect(result.filesCreated.get('new/made.txt')?.text).toBe('made\n');
    expect(result.filesDeleted.get('gone/file.txt')?.text).toBe('bye');
    expect(result.filesCreated.get('new')?.isDirectory).toBe(true);
  });

  it('sees a rewrite with the same size and mtime by its content', async () => {
    const env = environment();
    const file = env.writeFile('a.txt', 'aaaa');
    const script = `const fs=require('fs');fs.writeFileSync('a.txt','bbbb');fs.utimesSync('a.txt',${file.mtime.getTime() / 1000},${file.mtime.getTime() / 1000})`;
    const result = await env.run(node, ['-e', script]);
    expect(result.filesUpdated.get('a.txt')?.text).toBe('bbbb');
  });

  it('sees a touch that changes only the mtime', async () => {
    const env = environment();
    const file = env.writeFile('a.txt', 'x');
    utimesSync(file.full, 1_000_000, 1_000_000);
    const result = await env.run('touch', ['a.txt']);
    expect([...result.filesUpdated.keys()]).toEqual(['a.txt']);
  });

  it('reports nothing for a command that changes nothing', async () => {
    const env = environment();
    env.writeFile('a.txt', 'x');
    const result = await env.run('cat', ['a.txt']);
    expect([
      result.stdout,
      result.filesCreated.size,
      result.filesUpdated.size,
      result.filesDeleted.size,
    ]).toEqual(['x', 0, 0, 0]);
  });

  it('feeds stdin to the command', async () => {
    expect((await environment().run('tr', ['a-z', 'A-Z'], { stdin: 'shout' })).stdout).toBe(
      'SHOUT',
    );
  });

  it('does not fail when the command leaves stdin unread', async () => {
    const result = await environment().run('true', [], { stdin: 'x'.repeat(1 << 20) });
    expect(result.exitCode).toBe(0);
  });

  it('runs in the scratch directory, or a directory under it', async () => {
    const env = environment();
    env.writeFile('sub/marker', '');
    expect((await env.run('pwd')).stdout.trim()).toBe(env.basePath);
    expect((await env.run('ls', [], { cwd: 'sub' })).stdout).toBe('marker\n');
  });

  it('takes its own cwd and environment', async () => {
    const env = environment({ cwd: 'work', env: { PATH: process.env['PATH'], ONLY: 'this' } });
    const result = await env.run('sh', ['-c', 'pwd; echo "$ONLY:$HOME"']);
    expect(result.stdout).toBe(`${join(env.basePath, 'work')}\nthis:\n`);
  });

  it('removes a variable given as undefined', async () => {
    const env = environment({ env: { PATH: process.env['PATH'], GONE: 'x' } });
    expect(
      (await env.run('sh', ['-c', 'echo "[$GONE]"'], { env: { GONE: undefined } })).stdout,
    ).toBe('[]\n');
  });

  it('fails a non-zero exit, showing the command, status and both streams', async () => {
    const error = await failure(
      environment().run('sh', ['-c', 'echo partial; echo bad thing >&2; exit 3']),
    );
    expect(error.message).toMatch(
      /^sh -c 'echo partial; echo bad thing >&2; exit 3' \(in .+\) exited with code 3\n--- stderr ---\nbad thing\n\n--- stdout ---\npartial\n/,
    );
    expect(error.result.exitCode).toBe(3);
  });

  it('accepts a non-zero exit and stderr when an error is expected', async () => {
    const result = await environment().run('sh', ['-c', 'echo oops >&2; exit 2'], {
      expectError: true,
    });
    expect([result.exitCode, result.stderr]).toEqual([2, 'oops\n']);
  });

  it('fails a success when an error was expected', async () => {
    const error = await failure(environment().run('true', [], { expectError: true }));
    expect(error.message).toContain('exited with code 0, but an error was expected');
  });

  it('fails output on stderr unless it is expected', async () => {
    const env = environment();
    const error = await failure(env.run('sh', ['-c', 'echo warn >&2']));
    expect(error.message).toContain('wrote to stderr');
    expect((await env.run('sh', ['-c', 'echo warn >&2'], { expectStderr: true })).stderr).toBe(
      'warn\n',
    );
  });

  it('fails a process ended by a signal', async () => {
    const error = await failure(environment().run('sh', ['-c', 'kill -TERM $$']));
    expect(error.message).toContain('exited with signal SIGTERM');
    expect(error.result.signal).toBe('SIGTERM');
  });

  it('kills and fails a command that runs too long', async () => {
    const error = await failure(environment().run('sleep', ['10'], { timeout: 100 }));
    expect(error.message).toContain('was killed after running for 100 ms');
  });

  it('fails a command that cannot be started', async () => {
    const error = await failure(environment().run('no-such-command-trowel'));
    expect(error.message).toMatch(/could not be started: .*ENOENT/);
  });

  it('leaves hidden and ignored paths out of the comparison', async () => {
    const env = environment({ ignorePaths: ['cache'] });
    const result = await env.run('sh', [
      '-c',
      'mkdir cache .git && touch cache/x .git/y .hidden seen',
    ]);
    expect([...result.filesCreated.keys()]).toEqual(['seen']);
  });

  it('includes hidden files when asked', async () => {
    const env = environment({ ignoreHidden: false });
    expect([...(await env.run('touch', ['.dot'])).filesCreated.keys()]).toEqual(['.dot']);
  });

  it('records a symbolic link by its target', async () => {
    const result = await environment().run('ln', ['-s', 'target.txt', 'link']);
    expect(result.filesCreated.get('link')?.text).toBe('target.txt');
  });
});

describe('TestFileEnvironment files', () => {
  it('writes a file, making its directories, and returns it', () => {
    const env = environment();
    const file = env.writeFile('a/b/c.txt', 'content');
    expect([file.path, file.size, file.isDirectory, readFileSync(file.full, 'utf8')]).toEqual([
      'a/b/c.txt',
      7,
      false,
      'content',
    ]);
    expect(file.mustContain('cont', 'tent')).toBe(file);
    expect(() => file.mustContain('nope')).toThrow(/a\/b\/c.txt does not contain "nope"/);
  });

  it('writes an empty file by default', () => {
    expect(environment().writeFile('empty').size).toBe(0);
  });

  it.each(['../escape.txt', '/etc/passwd'])(
    'refuses to write %s outside the scratch directory',
    (path) => {
      expect(() => environment().writeFile(path, 'x')).toThrow(/outside the scratch directory/);
    },
  );

  it('empties the directory on clear()', () => {
    const env = environment();
    env.writeFile('a.txt', 'x');
    env.clear();
    expect(existsSync(join(env.basePath, 'a.txt'))).toBe(false);
    expect(existsSync(env.basePath)).toBe(true);
  });

  it('empties a given base path when made, unless told not to', () => {
    const base = mkdtempSync(join(tmpdir(), 'trowel-env-'));
    try {
      mkdirSync(join(base, 'old'));
      environment({ basePath: base, startClear: false });
      expect(existsSync(join(base, 'old'))).toBe(true);
      environment({ basePath: base });
      expect(existsSync(join(base, 'old'))).toBe(false);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it.each([
    ['the filesystem root', '/'],
    ['the home directory', homedir()],
    ['the current directory', process.cwd()],
    ['a parent of the current directory', join(process.cwd(), '..')],
  ])('refuses %s as a base path', (_, basePath) => {
    expect(() => new TestFileEnvironment({ basePath })).toThrow(
      expect.objectContaining({ code: 'TROWEL_ERR_TESTING_BASE_PATH' }),
    );
  });

  it.each([0, -1, Number.NaN])('refuses a timeout of %d', (timeout) => {
    expect(() => new TestFileEnvironment({ timeout })).toThrow(
      expect.objectContaining({ code: 'TROWEL_ERR_TESTING_OPTIONS' }),
    );
  });

  it('deletes its directory on remove()', () => {
    const env = new TestFileEnvironment();
    env.remove();
    expect(existsSync(env.basePath)).toBe(false);
  });
});
