/**
 * Keeps other processes out of the figures. On a two-core machine, any other busy process (a test
 * suite, a build, another load test) takes a core from wrk or from the server, and the figure then
 * measures that instead. So before each round the runner waits (bounded) for the CPU to be idle,
 * and during the round it measures how much CPU went to processes other than the server, wrk and
 * itself: a round where that exceeds 5% of the machine is measured again, or flagged.
 *
 * Reads `/proc` (Linux only); elsewhere every figure is `null` and nothing waits. Interrupt time is
 * left out: loopback networking is most of it, and that is the benchmark's own traffic.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** The share of the machine's CPU (0–1) other processes may use before a round counts as busy. */
export const BUSY_LIMIT = 0.05;

const SAMPLE_MS = 500;
const POLL_MS = 100;

/** Process time (user + nice + system) and all time, in clock ticks, summed over every core. */
function machineTicks(): { readonly work: number; readonly total: number } | null {
  let line: string | undefined;
  try {
    line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  } catch {
    return null;
  }
  // cpu user nice system idle iowait irq softirq steal …
  const f = line?.trim().split(/\s+/).slice(1, 9).map(Number) ?? [];
  if (f.length < 8 || f.some((n) => !Number.isFinite(n))) return null;
  return { work: f[0]! + f[1]! + f[2]!, total: f.reduce((sum, n) => sum + n, 0) };
}

/** A process's user + system time in clock ticks, or `null` once it has gone. */
function processTicks(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces; the fields after it start with the state (3),
  // so utime (14) and stime (15) are the 12th and 13th after the closing parenthesis.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return Number.isFinite(ticks) ? ticks : null;
}

/**
 * The share of all CPU time (0–1) spent running processes over the next half second, or `null`
 * where `/proc/stat` is not available.
 *
 * @example
 * ```ts
 * const busy = await sampleBusy();
 * ```
 */
export async function sampleBusy(): Promise<number | null> {
  const before = machineTicks();
  await sleep(SAMPLE_MS);
  const after = machineTicks();
  if (!before || !after || after.total === before.total) return null;
  return (after.work - before.work) / (after.total - before.total);
}

/**
 * Waits until less than {@link BUSY_LIMIT} of the CPU is busy, or `maxWaitSeconds` have passed,
 * and returns the last sample (`null` where it cannot be measured).
 *
 * @example
 * ```ts
 * const busy = await waitForQuiet(30, console.error);
 * ```
 */
export async function waitForQuiet(
  maxWaitSeconds: number,
  log: (line: string) => void,
): Promise<number | null> {
  const deadline = Date.now() + maxWaitSeconds * 1000;
  let busy = await sampleBusy();
  if (busy !== null && busy > BUSY_LIMIT && Date.now() < deadline) {
    log(`bench: machine busy (${Math.round(busy * 100)}% CPU), waiting up to ${maxWaitSeconds} s`);
  }
  while (busy !== null && busy > BUSY_LIMIT && Date.now() < deadline) {
    await sleep(1000);
    busy = await sampleBusy();
  }
  return busy;
}

/** Measures, over one round, the CPU that went to processes other than the known ones. */
export interface RoundMeter {
  /** Adds a short-lived process (wrk) whose whole CPU time is ours; polled until it exits. */
  readonly watch: (pid: number) => void;
  /** Ends the round: the share of the machine's CPU (0–1) used by other processes, or `null`. */
  readonly stop: () => number | null;
}

/** `pid` and every process below it (a server that runs another program, such as nginx). */
function withDescendants(pid: number): number[] {
  const found = [pid];
  for (let i = 0; i < found.length; i++) {
    const parent = found[i]!;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(`/proc/${parent}/task/${task}/children`, 'utf8');
        for (const child of children.trim().split(/\s+/))
          if (child !== '') found.push(Number(child));
      } catch {
        // the task ended while it was read
      }
    }
  }
  return found;
}

/**
 * Starts measuring a round. `pids` are long-lived processes of ours (the server) whose CPU time
 * over the round is subtracted, with their descendants as the round starts (a server program may
 * run the real server as its child); the runner's own time is subtracted too.
 *
 * @example
 * ```ts
 * const meter = startRoundMeter([server.pid]);
 * meter.watch(wrkPid);
 * const other = meter.stop();
 * ```
 */
export function startRoundMeter(pids: readonly number[]): RoundMeter {
  const own = [process.pid, ...pids.flatMap(withDescendants)];
  const start = machineTicks();
  const startOwn = own.map(processTicks);
  // A process's ticks cannot be read once it has exited, so watched ones are polled and the last
  // reading kept; the error is at most one poll interval of their CPU.
  const watched = new Map<number, number>();
  const poll = (): void => {
    for (const pid of watched.keys()) {
      const ticks = processTicks(pid);
      if (ticks !== null) watched.set(pid, ticks);
    }
  };
  const timer = setInterval(poll, POLL_MS);
  return {
    watch: (pid) => {
      watched.set(pid, processTicks(pid) ?? 0);
    },
    stop: () => {
      clearInterval(timer);
      poll();
      const end = machineTicks();
      if (!start || !end || end.total === start.total) return null;
      let ours = 0;
      for (const [i, pid] of own.entries()) {
        const before = startOwn[i];
        const after = processTicks(pid);
        if (before === null || before === undefined || after === null) return null;
        ours += after - before;
      }
      for (const ticks of watched.values()) ours += ticks;
      return Math.max(0, end.work - start.work - ours) / (end.total - start.total);
    },
  };
}
