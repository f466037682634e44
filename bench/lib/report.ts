/**
 * Turns rounds of wrk results into the report: the median requests/second and p99 latency of each
 * contender, its ratio to the scenario's baseline, a Markdown table for stdout and a JSON record for
 * `.bench-results/`.
 */
import type { ContenderRuns } from './measure.ts';
import { BUSY_LIMIT } from './quiet.ts';
import type { ContenderOutcome, Scenario } from './scenario.ts';

/** One contender's figures. */
export interface ContenderSummary extends ContenderOutcome {
  /** Whether this contender is the baseline. */
  readonly baseline: boolean;
  /** The slowest and fastest round's requests per second. */
  readonly rangeRps: readonly [number, number];
  /** Half the range as a share of the median: how far one round may stray (0.05 = ±5%). */
  readonly spread: number;
  /** The median of the rounds' p99 latencies, in milliseconds. */
  readonly p99Ms: number;
  /** Non-2xx responses plus socket errors, over all rounds. */
  readonly errors: number;
  /** Rounds during which other processes used more than `BUSY_LIMIT` of the CPU. */
  readonly busyRounds: number;
  /** Every round's figures. */
  readonly rounds: readonly {
    readonly rps: number;
    readonly requests: number;
    readonly latencyMs: Readonly<Record<'p50' | 'p75' | 'p90' | 'p99', number>>;
    readonly non2xx: number;
    readonly socketErrors: number;
    readonly busyBefore: number | null;
    readonly otherCpu: number | null;
    readonly attempts: number;
  }[];
}

/** One scenario's figures. */
export interface ScenarioSummary {
  /** The scenario name. */
  readonly name: string;
  /** What it measures. */
  readonly description: string;
  /** The baseline's id. */
  readonly baseline: string;
  /** Each contender, in the scenario's order. */
  readonly contenders: readonly ContenderSummary[];
  /** The scenario's extra line, if any. */
  readonly note: string | null;
}

/**
 * The median of a non-empty list (the mean of the middle two for an even count).
 *
 * @example
 * ```ts
 * median([3, 1, 2]); // 2
 * ```
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Summarises a scenario's runs. The ratio is `NaN` when the baseline was filtered out.
 *
 * @example
 * ```ts
 * const summary = summarize(scenario, await measureScenario(scenario, scenario.contenders, options));
 * ```
 */
export function summarize(scenario: Scenario, results: readonly ContenderRuns[]): ScenarioSummary {
  const medians = results.map(({ runs }) => median(runs.map((r) => r.requestsPerSecond)));
  const baselineIndex = results.findIndex(({ contender }) => contender.id === scenario.baseline);
  const baselineRps = baselineIndex === -1 ? Number.NaN : medians[baselineIndex]!;
  const contenders = results.map(({ contender, runs }, i): ContenderSummary => {
    const rps = runs.map((r) => r.requestsPerSecond);
    const low = Math.min(...rps);
    const high = Math.max(...rps);
    return {
      id: contender.id,
      label: contender.label,
      baseline: i === baselineIndex,
      medianRps: medians[i]!,
      ratio: medians[i]! / baselineRps,
      rangeRps: [low, high],
      spread: (high - low) / 2 / medians[i]!,
      p99Ms: median(runs.map((r) => r.latencyMs.p99)),
      errors: runs.reduce((sum, r) => sum + r.non2xx + r.socketErrors, 0),
      busyRounds: runs.filter((r) => (r.otherCpu ?? 0) > BUSY_LIMIT).length,
      rounds: runs.map((r) => ({
        rps: r.requestsPerSecond,
        requests: r.requests,
        latencyMs: r.latencyMs,
        non2xx: r.non2xx,
        socketErrors: r.socketErrors,
        busyBefore: r.busyBefore,
        otherCpu: r.otherCpu,
        attempts: r.attempts,
      })),
    };
  });
  const note = scenario.summarize && baselineIndex !== -1 ? scenario.summarize(contenders) : null;
  return {
    name: scenario.name,
    description: scenario.description,
    baseline: scenario.baseline,
    contenders,
    note,
  };
}

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** `38512` → `38.5k`: short enough for a range column. */
function thousands(value: number): string {
  return value >= 1000 ? `${(value / 1000).toFixed(1)}k` : integer.format(value);
}

/**
 * The Markdown table (one row per contender), followed by each scenario's note and any warnings
 * (errors under load, rounds that shared the CPU with other processes).
 *
 * @example
 * ```ts
 * process.stdout.write(markdown(summaries));
 * ```
 */
export function markdown(summaries: readonly ScenarioSummary[]): string {
  const lines = [
    '| scenario | contender | req/s (median) | rounds (min–max) | vs baseline | p99 latency |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
  ];
  const notes: string[] = [];
  for (const scenario of summaries) {
    for (const c of scenario.contenders) {
      const label = c.baseline ? `${c.label} (baseline)` : c.label;
      const ratio = Number.isNaN(c.ratio) ? '–' : `${c.ratio.toFixed(2)}×`;
      lines.push(
        `| ${scenario.name} | ${label} | ${integer.format(c.medianRps)} | ` +
          `${thousands(c.rangeRps[0])}–${thousands(c.rangeRps[1])} | ${ratio} | ` +
          `${c.p99Ms.toFixed(2)} ms |`,
      );
      if (c.errors > 0) {
        notes.push(
          `- warning: ${scenario.name} / ${c.label}: ${c.errors} non-2xx or socket errors under load`,
        );
      }
      if (c.busyRounds > 0) {
        notes.push(
          `- warning: ${scenario.name} / ${c.label}: ${c.busyRounds} of ${c.rounds.length} rounds ` +
            `shared the CPU with other processes (over ${BUSY_LIMIT * 100}%)`,
        );
      }
    }
    if (scenario.note !== null) notes.push(`- ${scenario.name}: ${scenario.note}`);
  }
  return [...lines, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n') + '\n';
}
