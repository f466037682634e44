/**
 * Runs wrk (https://github.com/wg/wrk, the Debian `wrk` package) against a loopback URL and parses
 * its report: requests per second, the latency distribution from `--latency`, and the error counts
 * that make a figure meaningless (non-2xx answers, socket errors).
 *
 * Not for anything but 127.0.0.1: the runner refuses other hosts.
 */
import { spawn } from 'node:child_process';
import { track } from './children.ts';
import { pinned, type Pinning } from './cpu.ts';
import { findExecutable } from './which.ts';

/** How hard and how long to load the server. */
export interface LoadOptions {
  /** wrk threads (`-t`). @default 1 */
  readonly threads: number;
  /** Open connections (`-c`). @default 50 */
  readonly connections: number;
  /** Seconds of load (`-d`). */
  readonly seconds: number;
}

/** What one wrk run measured. */
export interface WrkResult {
  /** `Requests/sec` as wrk reports it. */
  readonly requestsPerSecond: number;
  /** Completed requests. */
  readonly requests: number;
  /** Latency percentiles in milliseconds. */
  readonly latencyMs: {
    readonly p50: number;
    readonly p75: number;
    readonly p90: number;
    readonly p99: number;
  };
  /** Responses with a status outside 2xx/3xx. */
  readonly non2xx: number;
  /** Socket errors (connect + read + write + timeout). */
  readonly socketErrors: number;
}

/**
 * The path of the wrk binary, or `null` when it is not installed.
 *
 * @example
 * ```ts
 * if (!findWrk()) console.error('apt-get install -y wrk');
 * ```
 */
export function findWrk(): string | null {
  return findExecutable('wrk');
}

const UNIT_MS: Readonly<Record<string, number>> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Parses a wrk duration such as `812.00us`, `1.25ms`, `2.00s` into milliseconds. */
function durationMs(text: string): number {
  const match = /^([\d.]+)(us|ms|s|m|h)$/.exec(text);
  const factor = match?.[2] === undefined ? undefined : UNIT_MS[match[2]];
  if (!match || factor === undefined)
    throw new Error(`wrk: unreadable duration ${JSON.stringify(text)}`);
  return Number(match[1]) * factor;
}

function percentile(output: string, label: string): number {
  const match = new RegExp(`^\\s*${label}%\\s+(\\S+)\\s*$`, 'm').exec(output);
  if (!match?.[1]) throw new Error(`wrk: no ${label}% latency line (was --latency passed?)`);
  return durationMs(match[1]);
}

/**
 * Parses wrk's text report (run with `--latency`).
 *
 * @example
 * ```ts
 * const result = parseWrk(stdout);
 * console.log(result.requestsPerSecond, result.latencyMs.p99);
 * ```
 */
export function parseWrk(output: string): WrkResult {
  const rps = /^Requests\/sec:\s+([\d.]+)\s*$/m.exec(output);
  const total = /^\s*(\d+) requests in /m.exec(output);
  if (!rps?.[1] || !total?.[1]) throw new Error(`wrk: unreadable report:\n${output}`);
  const non2xx = /^\s*Non-2xx or 3xx responses:\s+(\d+)/m.exec(output);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  const socketErrors = socket ? socket.slice(1, 5).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSecond: Number(rps[1]),
    requests: Number(total[1]),
    latencyMs: {
      p50: percentile(output, '50'),
      p75: percentile(output, '75'),
      p90: percentile(output, '90'),
      p99: percentile(output, '99'),
    },
    non2xx: Number(non2xx?.[1] ?? 0),
    socketErrors,
  };
}

/**
 * Runs wrk on the load core against `url` (with `headers` on every request) and resolves with its
 * parsed report; `onStart` gets wrk's process id as soon as it runs. Kills wrk and rejects if it overruns its duration by more
 * than 15 s.
 *
 * @example
 * ```ts
 * const result = await runWrk('/usr/bin/wrk', 'http://127.0.0.1:8080/', { threads: 1, connections: 50, seconds: 5 }, null);
 * ```
 */
export function runWrk(
  wrk: string,
  url: string,
  load: LoadOptions,
  pinning: Pinning | null,
  onStart?: (pid: number) => void,
  headers: Readonly<Record<string, string>> = {},
): Promise<WrkResult> {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`wrk: refusing non-loopback ${url}`);
  const [file, ...args] = pinned(pinning, pinning?.loadCore, [
    wrk,
    `-t${load.threads}`,
    `-c${load.connections}`,
    `-d${load.seconds}s`,
    '--latency',
    ...Object.entries(headers).flatMap(([name, value]) => ['-H', `${name}: ${value}`]),
    url,
  ]);
  const child = track(spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
  if (child.pid !== undefined) onStart?.(child.pid);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise<WrkResult>((resolve, reject) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), (load.seconds + 15) * 1000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code !== 0) {
        reject(
          new Error(`wrk exited with ${signal ?? `code ${code ?? '?'}`}:\n${stderr}${stdout}`),
        );
        return;
      }
      try {
        resolve(parseWrk(stdout));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}
