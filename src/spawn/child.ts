/**
 * One backend process: started without a shell as the leader of a process group of its own, its
 * output read line by line, and stopped as a group — SIGTERM, then SIGKILL once the grace period
 * is over. A module-level `exit` handler, installed once when the first child starts, SIGKILLs the
 * group of every child still running, so none outlives this process even after `process.exit()`.
 * No signal handler is installed: signals belong to the server or the CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { SpawnOutput } from './options.ts';
import { readLines } from '../cgi/child.ts';

/** How the child ended: `code` for an exit, `signal` for a kill; `error` when it never started. */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly error?: Error;
}

/** What {@link BackendProcess.start} needs. */
export interface StartSpec {
  readonly argv: readonly [string, ...string[]];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string | undefined;
  readonly label: string;
  readonly output: SpawnOutput | undefined;
}

/** Process groups that may still have members, SIGKILLed by the exit handler. */
const liveGroups = new Set<number>();
let exitHandlerInstalled = false;

function killLiveGroups(): void {
  for (const pgid of liveGroups) signalGroup(pgid, 'SIGKILL');
  liveGroups.clear();
}

function trackGroup(pgid: number): void {
  liveGroups.add(pgid);
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  // 'exit' handlers must be synchronous; kill(2) is. It runs on process.exit() and on a natural
  // end of the event loop, not when a signal's default action ends the process — whoever handles
  // signals (the server, the CLI) turns them into an orderly exit.
  process.on('exit', killLiveGroups);
}

/** Sends `signal` to the process group `pgid`; false when the group is gone (ESRCH). */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    // A negative pid addresses the whole process group (kill(2)); signal 0 only checks.
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Formats how a child ended, for a log line. */
export function describeExit(exit: ChildExit): string {
  if (exit.error !== undefined) return `failed to start: ${exit.error.message}`;
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  return `exited with code ${String(exit.code)}`;
}

/** The longest output line handed on in one piece; longer ones are split. */
export const MAX_LINE = 16_384;

/** Writes `[spawn <label> <pid>] line` to this process's standard error. */
function toStderr(label: string, pid: number | undefined, line: string): void {
  const who = pid === undefined ? label : `${label} ${pid}`;
  process.stderr.write(`[spawn ${who}] ${line}\n`);
}

/**
 * Reports a supervisor note about the child where its output goes (see `SpawnOptions.output`).
 */
export function note(
  output: SpawnOutput | undefined,
  label: string,
  pid: number | undefined,
  message: string,
): void {
  if (output === 'ignore') return;
  if (typeof output === 'function') {
    try {
      output(`spawn: ${message}`, 'stderr');
    } catch {
      // A failing log callback must not take the supervisor down with it.
    }
    return;
  }
  toStderr(label, pid, message);
}

/** A started backend process. */
export class BackendProcess {
  readonly #child: ChildProcess;
  /** Resolves once the process has exited and been reaped (or failed to start). */
  readonly exited: Promise<ChildExit>;
  #exit: ChildExit | undefined;
  #stopping: Promise<ChildExit> | undefined;

  private constructor(spec: StartSpec) {
    const [program, ...args] = spec.argv;
    const piped = spec.output !== 'inherit' && spec.output !== 'ignore';
    const stdio = piped ? 'pipe' : spec.output;
    this.#child = spawn(program, args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: ['ignore', stdio, stdio],
      // setsid(): the child leads a new process group, so one kill reaches whatever it started.
      detached: true,
      windowsHide: true,
    });
    const child = this.#child;
    const pid = child.pid;
    if (pid !== undefined) trackGroup(pid);
    if (piped && child.stdout && child.stderr) {
      const output = spec.output;
      const sink =
        typeof output === 'function'
          ? (stream: 'stdout' | 'stderr') => (line: string) => {
              output(line, stream);
            }
          : () => (line: string) => {
              toStderr(spec.label, pid, line);
            };
      readLines(child.stdout, sink('stdout'), MAX_LINE);
      readLines(child.stderr, sink('stderr'), MAX_LINE);
    }
    this.exited = new Promise<ChildExit>((resolve) => {
      child.once('error', (error) => {
        // Only an 'error' without a pid ends it: spawn() itself failed (ENOENT, EACCES). With a
        // pid, the process runs (a failed kill() reports here) and its 'exit' will follow.
        if (child.pid !== undefined) return;
        this.#exit ??= { code: null, signal: null, error };
        resolve(this.#exit);
      });
      // 'exit' and not 'close': the leader is reaped by then, while its pipes may stay open as
      // long as a grandchild holds them.
      child.once('exit', (code, signal) => {
        this.#exit ??= { code, signal };
        resolve(this.#exit);
      });
    });
  }

  /**
   * Starts `spec.argv` as a process group leader.
   *
   * @example
   * const child = BackendProcess.start({ argv: ['python3', '-m', 'http.server', '8000'], env: {}, cwd: undefined, label: 'python3', output: 'inherit' });
   */
  static start(spec: StartSpec): BackendProcess {
    return new BackendProcess(spec);
  }

  /** The process id (also the process group id); `undefined` when it did not start. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** How it ended, once it has. */
  get exit(): ChildExit | undefined {
    return this.#exit;
  }

  /** True once {@link stop} or {@link kill} was called: an exit from now on is expected. */
  get stopRequested(): boolean {
    return this.#stopping !== undefined;
  }

  /**
   * After an unexpected exit of the leader: SIGKILL what is left of its group (orphans nobody
   * manages, which may still hold the port).
   */
  killRemnants(): void {
    const pid = this.pid;
    if (pid === undefined) return;
    signalGroup(pid, 'SIGKILL');
    liveGroups.delete(pid);
  }

  /**
   * Stops the process group: SIGTERM, then SIGKILL after `grace` ms (at once when `grace` is 0).
   * Resolves once the leader has exited and been reaped. Members of the group that outlive the
   * leader still get the SIGKILL when the grace period ends. Safe to call more than once.
   */
  stop(grace: number): Promise<ChildExit> {
    this.#stopping ??= this.#stop(grace);
    return this.#stopping;
  }

  async #stop(grace: number): Promise<ChildExit> {
    const pid = this.pid;
    if (pid === undefined) return this.exited;
    if (this.#exit !== undefined || grace === 0) {
      this.killRemnants();
      return this.exited;
    }
    signalGroup(pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, grace);
    });
    const obeyed = await Promise.race([this.exited.then(() => true), graceOver.then(() => false)]);
    if (!obeyed) {
      clearTimeout(timer);
      this.killRemnants();
      return this.exited;
    }
    if (!signalGroup(pid, 0)) {
      clearTimeout(timer);
      liveGroups.delete(pid);
    } else {
      // The leader obeyed but some of its group is still there: they get the rest of the grace
      // period, unreferenced so that it does not hold this process open (the exit handler kills
      // them if this process ends first).
      timer?.unref();
      void graceOver.then(() => {
        this.killRemnants();
      });
    }
    return this.exited;
  }
}
