/**
 * Turns a V8 CPU profile into the two tables `profile()` shows: the functions that spent the most
 * time themselves (self time) and the ones under which the most time was spent (total time).
 *
 * A sample's weight is the time until the next sample (the last one: until the profile's end), as
 * Chrome DevTools counts it. A function is identified by its name and where it is defined
 * (`url:line`), so the same function reached along different call paths is one row; a recursive
 * function counts each sample once in its total time.
 */
import type { CpuProfile } from './profiler.ts';

/** One function of a {@link ProfileSummary}. Times are in milliseconds. */
export interface ProfileRow {
  /** The function's name; `(anonymous)` for an unnamed one, `(program)`, `(idle)`, `(garbage collector)` for V8's own. */
  readonly functionName: string;
  /** `url:line` (1-based) where the function is defined; `''` for native and V8 entries. */
  readonly location: string;
  /** Time with this function on top of the stack. */
  readonly selfTime: number;
  /** Time with this function anywhere on the stack. */
  readonly totalTime: number;
}

/** The top functions of a profile, as {@link summarizeProfile} finds them. */
export interface ProfileSummary {
  /** From the profile's start to its end, in milliseconds. */
  readonly duration: number;
  /** How many samples the profile holds. */
  readonly samples: number;
  /** The functions with the most self time, most first. */
  readonly bySelf: readonly ProfileRow[];
  /** The functions with the most total time, most first. */
  readonly byTotal: readonly ProfileRow[];
}

/** A row while it is summed, times in microseconds. */
interface MutableRow {
  functionName: string;
  location: string;
  selfTime: number;
  totalTime: number;
}

/**
 * Summarizes `profile` into the `limit` top functions by self time and by total time.
 *
 * @example
 * ```ts
 * import { summarizeProfile } from 'trowel/debug/profile';
 * import { readFile } from 'node:fs/promises';
 * const profile = JSON.parse(await readFile('/tmp/trowel-profiles/x.cpuprofile', 'utf8'));
 * for (const row of summarizeProfile(profile, 10).bySelf) console.log(row.functionName, row.selfTime);
 * ```
 */
export function summarizeProfile(profile: CpuProfile, limit: number): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parents.set(child, node.id);
  }
  const rows = new Map<string, MutableRow>();
  const keyOf = new Map<number, string | undefined>();
  const rowKey = (id: number): string | undefined => {
    if (keyOf.has(id)) return keyOf.get(id);
    const frame = nodes.get(id)?.callFrame;
    let key: string | undefined;
    // The root stands for the whole profile: it is no function of its own.
    if (frame !== undefined && frame.functionName !== '(root)') {
      const functionName = frame.functionName === '' ? '(anonymous)' : frame.functionName;
      const location = frame.url === '' ? '' : `${frame.url}:${String(frame.lineNumber + 1)}`;
      key = `${functionName}\n${location}`;
      if (!rows.has(key)) rows.set(key, { functionName, location, selfTime: 0, totalTime: 0 });
    }
    keyOf.set(id, key);
    return key;
  };
  // The distinct functions on the stack of each node, computed once per node.
  const stacks = new Map<number, readonly string[]>();
  const stackOf = (id: number): readonly string[] => {
    const known = stacks.get(id);
    if (known) return known;
    const keys = new Set<string>();
    const path: number[] = [];
    const seen = new Set<number>();
    for (let at: number | undefined = id; at !== undefined && !seen.has(at); at = parents.get(at)) {
      seen.add(at);
      path.push(at);
    }
    for (const at of path) {
      const key = rowKey(at);
      if (key !== undefined) keys.add(key);
    }
    const list = [...keys];
    stacks.set(id, list);
    return list;
  };
  for (const [id, micros] of sampleWeights(profile)) {
    const key = rowKey(id);
    const row = key === undefined ? undefined : rows.get(key);
    if (row) row.selfTime += micros;
    for (const onStack of stackOf(id)) {
      const total = rows.get(onStack);
      if (total) total.totalTime += micros;
    }
  }
  const all = [...rows.values()];
  const top = (pick: (row: MutableRow) => number): ProfileRow[] =>
    all
      .filter((row) => pick(row) > 0)
      .sort((a, b) => pick(b) - pick(a) || a.functionName.localeCompare(b.functionName))
      .slice(0, limit)
      // Summed in microseconds, shown in milliseconds: one division keeps the sums exact.
      .map((row) => ({ ...row, selfTime: row.selfTime / 1000, totalTime: row.totalTime / 1000 }));
  return {
    duration: Math.max(0, profile.endTime - profile.startTime) / 1000,
    samples: profile.samples?.length ?? 0,
    bySelf: top((row) => row.selfTime),
    byTotal: top((row) => row.totalTime),
  };
}

/** Each sample's node and weight in microseconds, or each node's hit count when samples are absent. */
function sampleWeights(profile: CpuProfile): [number, number][] {
  const { samples, timeDeltas, startTime, endTime } = profile;
  if (samples && timeDeltas && samples.length === timeDeltas.length && samples.length > 0) {
    const weights: [number, number][] = [];
    let time = startTime;
    const stamps = timeDeltas.map((delta) => (time += delta));
    samples.forEach((id, i) => {
      const next = stamps[i + 1] ?? endTime;
      // Deltas may be out of order by a tick; a negative weight would be noise, not time.
      weights.push([id, Math.max(0, next - (stamps[i] ?? next))]);
    });
    return weights;
  }
  const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
  const each = hits === 0 ? 0 : Math.max(0, endTime - startTime) / hits;
  return profile.nodes
    .filter((node) => (node.hitCount ?? 0) > 0)
    .map((node): [number, number] => [node.id, (node.hitCount ?? 0) * each]);
}
