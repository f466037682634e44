/**
 * Finds an executable on `PATH`, the way a shell would, without spawning one. Used to check for
 * `wrk` and `taskset` before a run starts, so a missing tool is one clear message rather than a
 * spawn error halfway through.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * The absolute path of `name` on `PATH`, or `null` when there is none.
 *
 * @example
 * ```ts
 * const wrk = findExecutable('wrk') ?? '/usr/bin/wrk';
 * ```
 */
export function findExecutable(name: string): string | null {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here (or not executable): keep looking, as a shell does.
    }
  }
  return null;
}
