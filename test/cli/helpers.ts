/**
 * Helpers for testing the `trowel` command as a user runs it: a real `node bin/trowel.js` process
 * (on the repository's pinned Node) in a TestFileEnvironment scratch directory, its output read
 * line by line, and plain HTTP requests to what it serves. Every process started is killed after
 * the test.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { TestFileEnvironment } from '../../src/testing/file-environment.ts';

export const ROOT = join(import.meta.dirname, '../..');
/** The pinned Node 24 (the system `node` may be older). */
export const NODE = join(ROOT, 'node_modules/.bin/node');
export const TROWEL = join(ROOT, 'bin/trowel.js');

const children = new Set<ChildProcessWithoutNullStreams>();
const environments = new Set<TestFileEnvironment>();

afterEach(() => {
  for (const child of children) {
    // Supervised servers run in their own process group; take the whole group down.
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }
  }
  children.clear();
  for (const env of environments) env.remove();
  environments.clear();
});

/** A scratch directory (removed after the test) with `files` written into it. */
export function scratch(files: Readonly<Record<string, string>> = {}): TestFileEnvironment {
  const env = new TestFileEnvironment({ env: { ...process.env, NO_COLOR: '1' } });
  environments.add(env);
  for (const [path, content] of Object.entries(files)) env.writeFile(path, content);
  return env;
}

/** Runs `trowel ARGS` to completion in `env`. */
export function trowel(
  env: TestFileEnvironment,
  args: readonly string[],
  options: { readonly expectError?: boolean; readonly expectStderr?: boolean } = {},
): ReturnType<TestFileEnvironment['run']> {
  return env.run(NODE, [TROWEL, ...args], options);
}

/** A running `trowel serve`. */
export interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the URL of the next "serving … on URL/" line. */
  readonly nextUrl: (timeout?: number) => Promise<string>;
  /** Resolves once `pattern` appears on stderr. */
  readonly stderrMatches: (pattern: RegExp, timeout?: number) => Promise<string>;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `trowel serve ARGS` in `env` (in a new process group, as a terminal would). */
export function serveCli(env: TestFileEnvironment, args: readonly string[]): Running {
  const child = spawn(NODE, [TROWEL, 'serve', ...args], {
    cwd: env.basePath,
    env: { ...process.env, NO_COLOR: '1' },
    detached: true,
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  let urlsSeen = 0;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of waiters) waiter();
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      wake();
      resolve({ code, signal });
    });
  });
  const until = <T>(test: () => T | undefined, timeout: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = test();
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          done();
          reject(
            new Error(
              `trowel exited before ${what}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `timed out waiting for ${what}\n--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`,
          ),
        );
      }, timeout);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return {
    child,
    nextUrl: (timeout = 15_000) => {
      const index = urlsSeen++;
      return until(
        () => [...stdout.matchAll(/serving .* on (http:\/\/\S+)\/ /g)][index]?.[1],
        timeout,
        `serving line ${index + 1}`,
      );
    },
    stderrMatches: (pattern, timeout = 15_000) =>
      until(() => pattern.exec(stderr)?.[0], timeout, `stderr to match ${String(pattern)}`),
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
  };
}

/** GET `url` on a fresh connection (so a cluster may hand each one to another worker). */
export function fetchText(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body });
      });
    })
      .on('error', reject)
      .end();
  });
}

/** A user module with `hello` (answers `hello VERSION from PID`) and `pid` Handlers. */
export const APP_MODULE = (version: string): string =>
  `export const hello = (request, ctx) => new Response('hello ${version} ' + ctx.pathInfo);\nexport const pid = () => new Response(String(process.pid));\n`;
