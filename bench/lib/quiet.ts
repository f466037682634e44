/**
 * Waits for the machine to be quiet before a measured round. On a two-core machine, any other busy
 * process (a test suite, a build, another load test) takes a core from wrk or from the server and
 * the figure measures that instead; so before each round the runner samples `/proc/stat` and, while
 * more than a tenth of the CPU is busy, waits (bounded), then records how busy it was.
 *
 * Linux only: elsewhere it reports `null` and never waits.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const SAMPLE_MS = 500;
const BUSY_THRESHOLD = 0.1;

function cpuTimes(): { readonly busy: number; readonly total: number } | null {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  } catch {
    return null;
  }
  const fields = line?.trim().split(/\s+/).slice(1).map(Number) ?? [];
  if (fields.length < 5 || fields.some((n) => !Number.isFinite(n))) return null;
  // user nice system idle iowait irq softirq steal …: idle and iowait are the idle time.
  const total = fields.slice(0, 8).reduce((sum, n) => sum + n, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}

/**
 * The share of all CPU time (0–1) spent busy over the next half second, or `null` where
 * `/proc/stat` is not available.
 *
 * @example
 * ```ts
 * const busy = await sampleBusy();
 * ```
 */
export async function sampleBusy(): Promise<number | null> {
  const before = cpuTimes();
  await sleep(SAMPLE_MS);
  const after = cpuTimes();
  if (!before || !after || after.total === before.total) return null;
  return (after.busy - before.busy) / (after.total - before.total);
}

/**
 * Waits until less than 10% of the CPU is busy, or `maxWaitSeconds` have passed, and returns the
 * last sample (`null` where it cannot be measured).
 *
 * @example
 * ```ts
 * const busy = await waitForQuiet(30, console.error);
 * if (busy !== null && busy > 0.1) console.error('measuring on a busy machine');
 * ```
 */
export async function waitForQuiet(
  maxWaitSeconds: number,
  log: (line: string) => void,
): Promise<number | null> {
  const deadline = Date.now() + maxWaitSeconds * 1000;
  let busy = await sampleBusy();
  let told = false;
  while (busy !== null && busy > BUSY_THRESHOLD && Date.now() < deadline) {
    if (!told)
      log(
        `bench: machine busy (${Math.round(busy * 100)}% CPU), waiting up to ${maxWaitSeconds} s`,
      );
    told = true;
    await sleep(1000);
    busy = await sampleBusy();
  }
  return busy;
}

/** The busy share above which a round counts as measured on a busy machine. */
export const BUSY_LIMIT: number = BUSY_THRESHOLD;
