/**
 * The benchmark runner: `npm run bench` or `node bench/run.ts [scenario …] [--duration 5]
 * [--rounds 3]`. It loads every `scenarios/*.bench.ts`, runs each scenario's contenders as server
 * children on one core under wrk on the other, interleaved over rounds, then prints a Markdown table
 * of the median requests/second, the ratio to the scenario's baseline and the p99 latency, and
 * writes every round's figures to `.bench-results/<timestamp>.json`.
 *
 * Figures are ratios within one run on one machine; compare them across runs only with care, and
 * never assert them in tests. See `bench/README.md` for the method.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, release } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { killChildrenOnExit } from './lib/children.ts';
import { detectPinning } from './lib/cpu.ts';
import { measureScenario } from './lib/measure.ts';
import { parseRunOptions, USAGE, type RunOptions } from './lib/options.ts';
import { markdown, summarize, type ScenarioSummary } from './lib/report.ts';
import type { Scenario } from './lib/scenario.ts';
import { findWrk } from './lib/wrk.ts';

const root = join(import.meta.dirname, '..');
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function isScenario(value: unknown): value is Scenario {
  return (
    typeof value === 'object' &&
    value !== null &&
    'name' in value &&
    'contenders' in value &&
    Array.isArray(value.contenders)
  );
}

async function loadScenarios(): Promise<Scenario[]> {
  const dir = join(import.meta.dirname, 'scenarios');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.bench.ts'))
    .sort();
  const scenarios: Scenario[] = [];
  for (const file of files) {
    const module: unknown = await import(pathToFileURL(join(dir, file)).href);
    const scenario: unknown =
      typeof module === 'object' && module !== null && 'default' in module ? module.default : null;
    if (!isScenario(scenario)) throw new Error(`${file} has no scenario as its default export`);
    if (`${scenario.name}.bench.ts` !== file) throw new Error(`${file} defines ${scenario.name}`);
    scenarios.push(scenario);
  }
  return scenarios;
}

function select(all: readonly Scenario[], options: RunOptions): Scenario[] {
  const unknown = options.scenarios.filter((name) => !all.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `unknown scenario ${unknown.join(', ')}; known: ${all.map((s) => s.name).join(', ')}`,
    );
  }
  const chosen =
    options.scenarios.length === 0
      ? [...all]
      : all.filter((s) => options.scenarios.includes(s.name));
  const ids = new Set(chosen.flatMap((s) => s.contenders.map((c) => c.id)));
  const missing = options.contenders.filter((id) => !ids.has(id));
  if (missing.length > 0)
    throw new Error(`unknown contender ${missing.join(', ')}; known: ${[...ids].join(', ')}`);
  return chosen;
}

function wrkVersion(wrk: string): string {
  const out = spawnSync(wrk, ['-v'], { encoding: 'utf8' });
  return `${out.stdout}${out.stderr}`.split('\n')[0]?.trim() ?? 'unknown';
}

async function main(): Promise<void> {
  const options = parseRunOptions(process.argv.slice(2));
  if (options.help) {
    process.stdout.write(USAGE);
    return;
  }
  const wrk = findWrk();
  if (!wrk) {
    throw new Error('wrk is not installed; install it with: apt-get install -y wrk');
  }
  const { pinning, why } = detectPinning();
  log(pinning ? `bench: pinned, ${why}` : `bench: warning: running unpinned (${why})`);
  killChildrenOnExit();

  const scenarios = select(await loadScenarios(), options);
  const plan = scenarios.map((scenario) => ({
    scenario,
    contenders: scenario.contenders.filter(
      (c) => options.contenders.length === 0 || options.contenders.includes(c.id),
    ),
  }));
  const seconds = plan.reduce(
    (sum, { contenders }) =>
      sum + contenders.length * options.rounds * (options.warmup + options.duration),
    0,
  );
  log(`bench: ${plan.map((p) => p.scenario.name).join(', ')}; at least ${seconds} s of load`);

  const summaries: ScenarioSummary[] = [];
  for (const { scenario, contenders } of plan) {
    if (contenders.length === 0) continue;
    const results = await measureScenario(scenario, contenders, {
      wrk,
      pinning,
      load: {
        threads: options.threads,
        connections: options.connections,
        seconds: options.duration,
      },
      warmup: options.warmup,
      rounds: options.rounds,
      quietWait: options.quietWait,
      retries: options.retries,
      log,
    });
    summaries.push(summarize(scenario, results));
  }

  process.stdout.write(markdown(summaries));
  const date = new Date();
  const record = {
    date: date.toISOString(),
    node: process.version,
    wrk: wrkVersion(wrk),
    machine: {
      cores: availableParallelism(),
      cpu: cpus()[0]?.model ?? 'unknown',
      platform: process.platform,
      arch: process.arch,
      kernel: release(),
    },
    pinning: pinning ? { loadCore: pinning.loadCore, serverCore: pinning.serverCore } : null,
    options: {
      duration: options.duration,
      rounds: options.rounds,
      warmup: options.warmup,
      quietWait: options.quietWait,
      retries: options.retries,
      threads: options.threads,
      connections: options.connections,
    },
    scenarios: summaries,
  };
  const dir = join(root, '.bench-results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${date.toISOString().replaceAll(':', '-')}.json`);
  writeFileSync(file, JSON.stringify(record, null, 2) + '\n');
  log(`bench: wrote ${file}`);
}

main().catch((error: unknown) => {
  log(`bench: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
