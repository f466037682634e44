/**
 * Shared helpers for the real-socket tests of `trowel/server`: start a server on 127.0.0.1 port 0
 * (closed after the test), talk raw HTTP/1.1 over a `net` socket, run curl, and run fixture
 * programs in a child Node process that reports back on stdout.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach } from 'vitest';
import type { Handler } from '../../src/core/handler.ts';
import { serve, type ServeOptions, type TrowelServer } from '../../src/server/index.ts';

const running = new Set<TrowelServer>();
const children = new Set<ChildProcessWithoutNullStreams>();

afterEach(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  children.clear();
  await Promise.all([...running].map((server) => server.close({ timeout: 0 })));
  running.clear();
});

/** Serves `handler` on 127.0.0.1, port 0; closed after the test. Errors are collected, not logged. */
export async function start(
  handler: Handler,
  options: ServeOptions = {},
): Promise<TrowelServer & { readonly errors: unknown[] }> {
  const errors: unknown[] = [];
  const server = await serve(handler, {
    port: 0,
    onError: (error) => errors.push(error),
    ...options,
  });
  running.add(server);
  return { ...server, errors };
}

/** A raw TCP connection to the server, with everything it received kept as latin1 text. */
export interface RawConnection {
  readonly socket: Socket;
  /** Everything received so far. */
  readonly received: () => string;
  /** Resolves once `predicate` holds for what was received (or rejects after `timeout` ms). */
  readonly until: (predicate: (text: string) => boolean, timeout?: number) => Promise<string>;
  /** Resolves with everything received once the server closed the connection. */
  readonly closed: (timeout?: number) => Promise<string>;
  readonly write: (data: string | Uint8Array) => void;
}

/** Opens a raw connection to `port` on 127.0.0.1. */
export async function rawConnect(port: number): Promise<RawConnection> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  let ended = false;
  const waiters = new Set<() => void>();
  const wake = (): void => {
    for (const waiter of waiters) waiter();
  };
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    wake();
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    ended = true;
    wake();
  });
  const until = (predicate: (text: string) => boolean, timeout = 5000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (predicate(text)) {
          cleanup();
          resolve(text);
        } else if (ended) {
          cleanup();
          reject(new Error(`connection closed; received ${JSON.stringify(text.slice(0, 500))}`));
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out; received ${JSON.stringify(text.slice(0, 500))}`));
      }, timeout);
      const cleanup = (): void => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return {
    socket,
    received: () => text,
    until,
    closed: (timeout = 5000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`still open; received ${JSON.stringify(text.slice(0, 500))}`));
        }, timeout);
        const check = (): void => {
          if (!ended) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(text);
        };
        waiters.add(check);
        check();
      }),
    write: (data) => {
      socket.write(data);
    },
  };
}

/** Sends `request` on a fresh connection and resolves with everything received until it closed. */
export async function rawExchange(port: number, request: string, timeout = 5000): Promise<string> {
  const connection = await rawConnect(port);
  connection.write(request);
  return connection.closed(timeout);
}

/** The status code of the first response in `text`. */
export function statusOf(text: string): number {
  return Number(/^HTTP\/1\.[01] (\d{3})/.exec(text)?.[1] ?? NaN);
}

/** The result of running a program. */
export interface RunResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` with `args` and collects its output. */
export function run(
  command: string,
  args: readonly string[],
  timeout = 20_000,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.stdin.end();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} timed out\n${stderr}`));
    }, timeout);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** A fixture program running in a child Node process. */
export interface Fixture {
  readonly child: ChildProcessWithoutNullStreams;
  /** Resolves with the next JSON line the fixture prints. */
  readonly next: <T = Record<string, unknown>>(timeout?: number) => Promise<T>;
  /** Resolves when the process exits. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `test/fixtures/server/<name>` in the same Node that runs the tests. */
export function fixture(
  name: string,
  args: readonly string[] = [],
  nodeFlags: readonly string[] = [],
): Fixture {
  const program = join(import.meta.dirname, '..', 'fixtures', 'server', name);
  const child = spawn(process.execPath, [...nodeFlags, program, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal, stderr });
    });
  });
  const next = <T>(timeout = 15_000): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`fixture ${name} printed nothing in ${timeout} ms\n${stderr}`));
      }, timeout);
      const take = (line: string): void => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as T);
      };
      const line = lines.shift();
      if (line !== undefined) take(line);
      else {
        waiting.push(take);
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`fixture ${name} exited\n${stderr}`));
        });
      }
    });
  return { child, next, exited };
}
