/**
 * `--pid-file`: written when the server starts, refused when it names a process that is still
 * running, and removed at exit — only by the process whose id it holds (as `paster serve` did).
 * Also the step every supervising `trowel serve` takes first: open `--log-file`, write the pid file.
 */
import { openSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';

/** Whether process `pid` exists (signal 0 checks without signalling). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as { code?: unknown }).code === 'EPERM';
  }
}

/**
 * Writes this process's id to `path` and arranges for its removal at exit.
 *
 * @returns an error message, or `undefined` when the file was written.
 */
export function writePidFile(path: string): string | undefined {
  let existing: string | undefined;
  try {
    existing = readFileSync(path, 'utf8').trim();
  } catch {
    existing = undefined;
  }
  if (existing !== undefined && /^\d+$/.test(existing)) {
    const pid = Number(existing);
    if (pid !== process.pid && isRunning(pid)) {
      return `the pid file ${path} names process ${pid}, which is running: is trowel serve already running?`;
    }
  }
  try {
    writeFileSync(path, `${process.pid}\n`);
  } catch (error) {
    return `cannot write the pid file ${path}: ${(error as { code?: string }).code ?? String(error)}`;
  }
  process.once('exit', () => {
    try {
      if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
    } catch {
      // Already gone, or replaced by another process: leave it.
    }
  });
  return undefined;
}

/**
 * Opens `--log-file` for appending and writes `--pid-file`, as a supervising process does before
 * it starts the server. Returns the log file's descriptor (`undefined` without one), or a message
 * saying which of the two failed.
 */
export function openSupervisorFiles(options: {
  readonly logFile?: string | undefined;
  readonly pidFile?: string | undefined;
}): { readonly log: number | undefined } | { readonly problem: string } {
  let log: number | undefined;
  if (options.logFile !== undefined) {
    try {
      log = openSync(options.logFile, 'a');
    } catch (error) {
      return {
        problem: `cannot write the log file ${options.logFile}: ${(error as { code?: string }).code ?? String(error)}`,
      };
    }
  }
  if (options.pidFile !== undefined) {
    const problem = writePidFile(options.pidFile);
    if (problem !== undefined) return { problem };
  }
  return { log };
}
