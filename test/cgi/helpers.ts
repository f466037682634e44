/**
 * Helpers for the CGI tests: the fixture scripts, and checks that a process is really gone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

/** The directory of the fixture scripts. */
export const FIXTURES = join(import.meta.dirname, '../fixtures/cgi');

/** The path of fixture script `name`. */
export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/**
 * True while `pid` is a live process. A zombie (exited, not yet reaped by its parent — an orphan
 * waits for init to reap it) counts as gone: it runs nothing and holds nothing but its entry.
 */
export function isAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return false;
  }
  // The state follows the command name, which is in parentheses and may itself contain spaces.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** Waits until every pid in `pids` is gone, failing the test after `timeout` ms. */
export async function expectGone(pids: readonly number[], timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (pids.some(isAlive) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  expect(pids.filter(isAlive)).toEqual([]);
}

/** Waits until `lines` has a line matching `pattern`, and returns the numbers in it. */
export async function pidsIn(
  lines: readonly string[],
  pattern = /^pid (\d+)(?: child (\d+))?$/,
  timeout = 5000,
): Promise<number[]> {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const line of lines) {
      const match = pattern.exec(line);
      if (match !== null)
        // An optional group that did not match is undefined, whatever the array's type says.
        return match
          .slice(1)
          .flatMap((n: string | undefined) => (n === undefined ? [] : [Number(n)]));
    }
    if (Date.now() > deadline)
      throw new Error(`no line matched ${String(pattern)} in ${JSON.stringify(lines)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
