/**
 * The runner's command line: `node bench/run.ts [scenario …] [--duration 5] [--rounds 3] …`.
 * Every number is bounded, so a typo cannot start an hour-long run or thousands of connections.
 */
import { parseArgs } from 'node:util';

/** The parsed command line. */
export interface RunOptions {
  /** Scenario names to run; empty means all. */
  readonly scenarios: readonly string[];
  /** Contender ids to keep; empty means all. */
  readonly contenders: readonly string[];
  /** Seconds of measured load per contender per round. @default 5 */
  readonly duration: number;
  /** Rounds; contenders are interleaved within each. @default 3 */
  readonly rounds: number;
  /** Seconds of unmeasured load per fresh server, each round. @default 2 */
  readonly warmup: number;
  /** Seconds to wait before each round for the CPU to be idle. @default 30 */
  readonly quietWait: number;
  /** Extra attempts for a round that shared the CPU with other processes. @default 3 */
  readonly retries: number;
  /** wrk connections. @default 50 */
  readonly connections: number;
  /** wrk threads. @default 1 */
  readonly threads: number;
  /** Print the usage and stop. */
  readonly help: boolean;
}

/** The text `--help` prints. */
export const USAGE = `Usage: node bench/run.ts [scenario …] [options]

Runs each scenario's contenders under wrk, interleaved over several rounds, and prints the median
requests/second of each, with its ratio to the scenario's baseline.

Options:
  --duration <s>      seconds of measured load per contender per round (1–120, default 5)
  --rounds <n>        rounds; the median is reported (1–20, default 3)
  --warmup <s>        seconds of unmeasured load per fresh server, each round (0–60, default 2)
  --quiet-wait <s>    seconds to wait before each round for other processes to leave the CPU
                      idle (0–600, default 30; a round that starts busy is flagged)
  --retries <n>       times a round that shared the CPU with other processes is measured
                      again (0–5, default 3)
  --connections <n>   wrk connections, -c (1–1000, default 50)
  --threads <n>       wrk threads, -t (1–16, default 1; at most --connections)
  --contender <id>    run only this contender (repeatable)
  --help              show this text
`;

function bounded(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new Error(
      `--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/**
 * Parses and validates the runner's arguments; throws an `Error` with a one-line message on a bad
 * one.
 *
 * @example
 * ```ts
 * const options = parseRunOptions(['hello-world', '--duration', '2']);
 * ```
 */
export function parseRunOptions(argv: readonly string[]): RunOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      duration: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '2' },
      'quiet-wait': { type: 'string', default: '30' },
      retries: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
      threads: { type: 'string', default: '1' },
      contender: { type: 'string', multiple: true, default: [] },
      help: { type: 'boolean', default: false },
    },
  });
  const connections = bounded('connections', values.connections, 1, 1000);
  const threads = bounded('threads', values.threads, 1, 16);
  if (threads > connections) throw new Error('--threads must not exceed --connections');
  return {
    scenarios: positionals,
    contenders: values.contender,
    duration: bounded('duration', values.duration, 1, 120),
    rounds: bounded('rounds', values.rounds, 1, 20),
    warmup: bounded('warmup', values.warmup, 0, 60),
    quietWait: bounded('quiet-wait', values['quiet-wait'], 0, 600),
    retries: bounded('retries', values.retries, 0, 5),
    connections,
    threads,
    help: values.help,
  };
}
