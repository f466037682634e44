/**
 * Starts a benchmark server: a child Node process (the same Node that runs the runner) pinned to the
 * server core, which listens on 127.0.0.1 port 0 and announces `PORT <n>` as its first line of
 * stdout (see `announce.ts`). Closing its stdin asks it to exit; the runner falls back to SIGKILL.
 *
 * Not a process manager: one child, one port, gone at the end of the scenario.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { track } from './children.ts';
import { pinned, type Pinning } from './cpu.ts';

/** A server child that has announced its port. */
export interface RunningServer {
  /** Its process id (taskset execs the program, so this is the Node process itself). */
  readonly pid: number;
  /** The port it listens on, on 127.0.0.1. */
  readonly port: number;
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly origin: string;
  /** Why it stopped, when it stopped before {@link RunningServer.stop} was called; else `null`. */
  readonly died: () => string | null;
  /** Asks it to exit (stdin closed), then kills it if it has not gone within a few seconds. */
  readonly stop: () => Promise<void>;
}

/** How to start a server child. */
export interface StartServerOptions {
  /** The server program (a `.ts` file run by this Node). */
  readonly program: string;
  /** Arguments after the program. @default [] */
  readonly args?: readonly string[];
  /** How to pin it, from `detectPinning()`; `null` runs it unpinned. */
  readonly pinning: Pinning | null;
  /** How long to wait for the `PORT` line. @default 15000 */
  readonly startTimeoutMs?: number;
}

const PORT_LINE = /^PORT (\d{1,5})$/;
const STDERR_TAIL = 4096;
const STOP_GRACE_MS = 3000;

/**
 * Starts a server child and resolves once it has announced its port; rejects with its stderr when
 * it exits first or stays silent past the timeout.
 *
 * @example
 * ```ts
 * const server = await startServer({ program: 'bench/servers/node-http.ts', pinning: null });
 * await fetch(server.origin + '/');
 * await server.stop();
 * ```
 */
export function startServer(options: StartServerOptions): Promise<RunningServer> {
  const { program, args = [], pinning, startTimeoutMs = 15_000 } = options;
  const [file, ...argv] = pinned(pinning, pinning?.serverCore, [
    process.execPath,
    program,
    ...args,
  ]);
  const child = track(spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'] }));
  let stderr = '';
  let stopping = false;
  let exitReason: string | null = null;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_TAIL);
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitReason = `exited with ${signal ?? `code ${code ?? '?'}`}${stderr ? `:\n${stderr}` : ''}`;
      resolve();
    });
  });
  // An error on the stdin pipe only means the child is already gone; `exit` reports that.
  child.stdin.on('error', () => undefined);

  const stop = async (): Promise<void> => {
    stopping = true;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
  };

  return new Promise<RunningServer>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const fail = (why: string): void => {
      clearTimeout(timer);
      lines.close();
      child.kill('SIGKILL');
      reject(new Error(`server ${[program, ...args].join(' ')}: ${why}`));
    };
    const timer = setTimeout(() => {
      fail(`no "PORT <n>" line within ${startTimeoutMs} ms${stderr ? `:\n${stderr}` : ''}`);
    }, startTimeoutMs);
    child.once('error', (error) => {
      fail(error.message);
    });
    void exited.then(() => {
      fail(exitReason ?? 'exited');
    });
    lines.once('line', (line) => {
      const match = PORT_LINE.exec(line.trim());
      const port = Number(match?.[1]);
      if (!match || port < 1 || port > 65535) {
        fail(`expected "PORT <n>" as the first line of stdout, got ${JSON.stringify(line)}`);
        return;
      }
      clearTimeout(timer);
      // Keep draining stdout so a chatty server never blocks on a full pipe.
      lines.on('line', () => undefined);
      resolve({
        pid: child.pid ?? 0,
        port,
        origin: `http://127.0.0.1:${port}`,
        died: () => (stopping ? null : exitReason),
        stop,
      });
    });
  });
}
