/**
 * The CGI child process: started in a process group of its own so that stopping it also stops
 * whatever it started (git-http-backend runs `git upload-pack`); stopped with SIGTERM, then
 * SIGKILL after a grace period; its standard error read line by line; the request body written to
 * its standard input with backpressure.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** How the child ended: `code` for an exit, `signal` for a kill; `error` when it never started. */
export interface Ending {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
}

/** A started CGI program. */
export class Child {
  readonly process: ChildProcessByStdio<Writable, Readable, Readable>;
  /** Resolves once the process has exited and its output pipes have closed (or it failed to start). */
  readonly ended: Promise<Ending>;
  #ending: Ending | undefined;
  #stopping = false;
  readonly #grace: number;

  /**
   * Starts `argv` with `env` in `cwd`.
   *
   * @throws {Error} when Node refuses the arguments (a NUL in a value, say).
   */
  constructor(
    argv: readonly [string, ...string[]],
    cwd: string | undefined,
    env: Readonly<Record<string, string>>,
    grace: number,
  ) {
    const [program, ...args] = argv;
    this.#grace = grace;
    this.process = spawn(program, args, {
      cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      // setsid(): the child leads a new process group, so one kill reaches its children too.
      detached: true,
      windowsHide: true,
    });
    const child = this.process;
    // A script that exits without reading its input breaks the pipe; that is not an error here.
    child.stdin.on('error', ignore);
    this.ended = new Promise<Ending>((resolve) => {
      child.once('error', (error) => {
        this.#ending ??= { code: null, signal: null, error };
        resolve(this.#ending);
      });
      // 'close', not 'exit': by then standard error has been read to its end too, so every line
      // the program wrote is logged before what becomes of the request is decided.
      child.once('close', (code, signal) => {
        this.#ending ??= { code, signal };
        resolve(this.#ending);
      });
    });
  }

  /** The process id; `undefined` when it did not start. */
  get pid(): number | undefined {
    return this.process.pid;
  }

  /** How it ended, once it has. */
  get ending(): Ending | undefined {
    return this.#ending;
  }

  /** True once {@link stop} was called. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /**
   * Stops the process group: SIGTERM now, SIGKILL after the grace period (also for children
   * left behind when the leader has already gone). Safe to call more than once.
   */
  stop(): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.process.stdout.destroy();
    this.process.stdin.destroy();
    const pid = this.pid;
    if (pid === undefined) return;
    // No grace to give, or the leader is already gone and what is left of its group is orphaned.
    if (this.#grace === 0 || this.#ending !== undefined) {
      signalGroup(pid, 'SIGKILL');
      return;
    }
    signalGroup(pid, 'SIGTERM');
    // Kept referenced, so a process that is otherwise done still delivers it before exiting.
    const timer = setTimeout(() => {
      signalGroup(pid, 'SIGKILL');
    }, this.#grace);
    void this.ended.then(() => {
      // The leader obeyed; wait out the grace period only for members of its group still alive.
      if (!signalGroup(pid, 0)) clearTimeout(timer);
    });
  }
}

/** Sends `signal` to the process group `pid`; false when the group is gone (ESRCH). */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    // A negative pid addresses the whole process group (kill(2)); signal 0 only checks.
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

function ignore(): void {
  // Deliberately nothing.
}

/** The longest stderr line handed on in one piece; longer ones are split. */
export const MAX_STDERR_LINE = 8192;

/**
 * Hands each line of `stream` to `onLine`, decoded as UTF-8 (invalid bytes become U+FFFD rather
 * than failing), without the line break; a line longer than `maxLine` characters is split, so
 * nothing a child process writes can grow memory without bound. Used for CGI scripts' stderr and
 * for the output of `spawn()`'s backends.
 */
export function readLines(
  stream: Readable,
  onLine: (line: string) => void,
  maxLine: number = MAX_STDERR_LINE,
): void {
  const decoder = new TextDecoder('utf-8');
  let partial = '';
  const emit = (line: string): void => {
    try {
      onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
    } catch {
      // A failing log callback must not take the request (or the supervisor) down with it.
    }
  };
  stream.on('data', (chunk: Buffer) => {
    partial += decoder.decode(chunk, { stream: true });
    let newline = partial.indexOf('\n');
    while (newline !== -1) {
      emit(partial.slice(0, newline));
      partial = partial.slice(newline + 1);
      newline = partial.indexOf('\n');
    }
    while (partial.length > maxLine) {
      emit(partial.slice(0, maxLine));
      partial = partial.slice(maxLine);
    }
  });
  stream.on('end', () => {
    partial += decoder.decode();
    if (partial !== '') emit(partial);
  });
  stream.on('error', ignore);
}

/**
 * Writes `body` to `stdin` and closes it, waiting for `drain` whenever the pipe is full, so a
 * script that reads slowly slows the client down instead of filling memory. Stops after `limit`
 * bytes when given (the declared `CONTENT_LENGTH`), or when the script closes its input.
 * Resolves once done; rejects when the body stream fails (the client went away, or sent too
 * much).
 */
export async function pump(
  body: ReadableStream<Uint8Array>,
  stdin: Writable,
  limit: number | undefined,
): Promise<void> {
  const reader = body.getReader();
  let left = limit ?? Infinity;
  let finished = false;
  try {
    while (left > 0 && writable(stdin)) {
      const { done, value } = await reader.read();
      if (done) {
        finished = true;
        break;
      }
      const chunk = value.byteLength > left ? value.subarray(0, left) : value;
      left -= chunk.byteLength;
      if (!writable(stdin)) break;
      if (!stdin.write(chunk)) await drained(stdin);
    }
  } finally {
    if (writable(stdin)) stdin.end();
    // The script does not want the rest (or the declared length was reached): let go of it.
    if (!finished) await reader.cancel().catch(ignore);
    reader.releaseLock();
  }
}

function writable(stream: Writable): boolean {
  return !stream.destroyed && !stream.writableEnded;
}

function drained(stream: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
