/**
 * Shared helpers of the spawn tests: the command that runs `backend.fixture.ts`, an output
 * collector, polling, and a process check that treats a zombie as gone. Test-only; not part of
 * the build.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Runs the test backend on `{port}` with this Node (the pinned one). */
export const BACKEND: readonly string[] = [
  process.execPath,
  join(import.meta.dirname, 'backend.fixture.ts'),
  '{port}',
];

/** `python3 -m http.server`, the backend of the README. */
export const PYTHON: readonly string[] = [
  'python3',
  '-m',
  'http.server',
  '{port}',
  '--bind',
  '127.0.0.1',
];

/** Collects the child's lines and the supervisor's notes. */
export function collector(): {
  readonly lines: string[];
  readonly output: (line: string, stream: 'stdout' | 'stderr') => void;
} {
  const lines: string[] = [];
  return {
    lines,
    output: (line) => {
      lines.push(line);
    },
  };
}

/**
 * True when process `pid` no longer runs. A zombie counts as gone: a grandchild whose parent died
 * is reparented to init, and not every init reaps (the state column of `ps` shows `Z`).
 */
export function isGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  try {
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    // pid (comm) state …: the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

/** Polls `check` every 20 ms until it returns true; throws after `timeout` ms. */
export async function waitFor(check: () => boolean, what: string, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resolves after `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
