/**
 * Runs one scenario in rounds. Each round starts a fresh server process per contender, pinned to
 * the server core, checks that each gives the expected response, warms each up, then measures
 * them one after the other (the order rotates each round, so no contender always runs first or
 * last) and stops the servers, whatever happens.
 */
import { get as httpGet } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync, zstdDecompressSync } from 'node:zlib';
import type { Pinning } from './cpu.ts';
import type { Contender, Expectation, Scenario } from './scenario.ts';
import { BUSY_LIMIT, startRoundMeter, waitForQuiet } from './quiet.ts';
import { startServer, type RunningServer } from './server.ts';
import { runWrk, type LoadOptions, type WrkResult } from './wrk.ts';

/** How to measure: load shape, warm-up, rounds, and where wrk and the servers run. */
export interface MeasureOptions {
  /** The wrk binary. */
  readonly wrk: string;
  /** Core pinning, or `null`. */
  readonly pinning: Pinning | null;
  /** wrk threads and connections; `seconds` is the measured duration of each round. */
  readonly load: LoadOptions;
  /** Seconds of unmeasured load per fresh server, each round, before it is measured. */
  readonly warmup: number;
  /** How many rounds. */
  readonly rounds: number;
  /** Seconds to wait, before each round, for other processes to leave the CPU idle. */
  readonly quietWait: number;
  /** How many times a round that shared the CPU with other processes is measured again. */
  readonly retries: number;
  /** Progress lines go here (stderr in the runner). */
  readonly log: (line: string) => void;
}

/** One measured round of one contender. */
export interface Round extends WrkResult {
  /** The share of CPU other processes kept busy just before it (0–1), or `null` if unknown. */
  readonly busyBefore: number | null;
  /** The share of CPU processes other than the server, wrk and the runner used during it. */
  readonly otherCpu: number | null;
  /** How many times it was measured (the earlier ones shared the CPU and were discarded). */
  readonly attempts: number;
}

/** Every round of one contender. */
export interface ContenderRuns {
  /** The contender. */
  readonly contender: Contender;
  /** One result per round, in round order. */
  readonly runs: readonly Round[];
}

/** A body as text, with its content coding undone. */
function decode(body: Buffer, encoding: string | undefined): string {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case '':
    case 'identity':
      return body.toString('utf8');
    case 'gzip':
      return gunzipSync(body).toString('utf8');
    case 'deflate':
      return inflateSync(body).toString('utf8');
    case 'br':
      return brotliDecompressSync(body).toString('utf8');
    case 'zstd':
      return zstdDecompressSync(body).toString('utf8');
    default:
      throw new Error(`unknown Content-Encoding ${JSON.stringify(encoding)}`);
  }
}

/**
 * GET over node:http, sending exactly `headers`, as wrk does. (`fetch` would add
 * `Cache-Control: no-cache` to a conditional request, as the Fetch standard says, and a server
 * that honours it answers 200 where wrk gets 304.) A compressed body is decoded, so a scenario
 * that sends `Accept-Encoding` states the page it expects, not one coder's bytes.
 */
function plainGet(
  url: string,
  headers: Readonly<Record<string, string>>,
): Promise<{ status: number; headers: Headers; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { headers, agent: false, timeout: 5000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const fields = new Headers();
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined)
            fields.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        try {
          const body = decode(Buffer.concat(chunks), res.headers['content-encoding']);
          resolve({ status: res.statusCode ?? 0, headers: fields, body });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 5 s`)));
    req.on('error', reject);
  });
}

/** The scenario's request headers for one server, from its answer to a plain GET. */
async function requestHeaders(
  server: RunningServer,
  scenario: Scenario,
): Promise<Readonly<Record<string, string>>> {
  if (scenario.headers === undefined) return {};
  const first = await fetch(server.origin + scenario.path, { signal: AbortSignal.timeout(5000) });
  await first.arrayBuffer();
  return scenario.headers(first);
}

async function verify(
  server: RunningServer,
  path: string,
  expect: Expectation,
  headers: Readonly<Record<string, string>>,
): Promise<void> {
  const res = await plainGet(server.origin + path, headers);
  const { body } = res;
  const problems: string[] = [];
  if (res.status !== expect.status)
    problems.push(`status ${res.status}, expected ${expect.status}`);
  if (body !== expect.body)
    problems.push(`body ${JSON.stringify(body)}, expected ${JSON.stringify(expect.body)}`);
  for (const [name, value] of Object.entries(expect.headers)) {
    const got = res.headers.get(name);
    if (got !== value)
      problems.push(`${name}: ${JSON.stringify(got)}, expected ${JSON.stringify(value)}`);
  }
  if (problems.length > 0)
    throw new Error(`wrong response from ${server.origin}${path}: ${problems.join('; ')}`);
}

function checkAlive(server: RunningServer, contender: Contender): void {
  const died = server.died();
  if (died !== null) throw new Error(`${contender.label}: server ${died}`);
}

function describe(contender: Contender, round: Round): string {
  const { otherCpu, non2xx, socketErrors } = round;
  return (
    `${contender.label}: ${Math.round(round.requestsPerSecond)} req/s, ` +
    `p99 ${round.latencyMs.p99.toFixed(2)} ms` +
    (otherCpu === null ? '' : `, other processes ${(otherCpu * 100).toFixed(1)}% CPU`) +
    (non2xx + socketErrors > 0 ? `, ${non2xx} non-2xx, ${socketErrors} socket errors` : '')
  );
}

/**
 * One measured round of one contender: wait for a quiet machine, run wrk while metering the CPU of
 * other processes, and measure again (up to `retries` times) when they took more than
 * `BUSY_LIMIT` of it.
 */
async function measureRound(
  server: RunningServer,
  contender: Contender,
  path: string,
  headers: Readonly<Record<string, string>>,
  options: MeasureOptions,
): Promise<Round> {
  const { wrk, pinning, load, log } = options;
  for (let attempt = 0; ; attempt++) {
    const busyBefore = await waitForQuiet(options.quietWait, log);
    const meter = startRoundMeter([server.pid]);
    const result = await runWrk(wrk, server.origin + path, load, pinning, meter.watch, headers);
    const otherCpu = meter.stop();
    checkAlive(server, contender);
    const round: Round = { ...result, busyBefore, otherCpu, attempts: attempt + 1 };
    if (otherCpu === null || otherCpu <= BUSY_LIMIT || attempt >= options.retries) return round;
    log(`bench: discarded (other processes were busy): ${describe(contender, round)}`);
  }
}

/** A contender's server for one round, with the request headers its first answer implied. */
interface Started {
  readonly server: RunningServer;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Starts (and checks) every contender's server, then warms each up. `servers` is filled as they
 * start, so the caller can stop whatever did start when one fails.
 */
async function startAll(
  scenario: Scenario,
  contenders: readonly Contender[],
  options: MeasureOptions,
  servers: Started[],
  verbose: boolean,
): Promise<void> {
  const { wrk, pinning, load, log } = options;
  for (const contender of contenders) {
    const server = await startServer({
      program: contender.program,
      args: contender.args ?? [],
      pinning,
    });
    const headers = await requestHeaders(server, scenario);
    servers.push({ server, headers });
    await verify(server, scenario.path, scenario.expect, headers);
    if (verbose) {
      log(`${scenario.name}: ${contender.label} listening on ${server.origin}, response checked`);
    }
  }
  if (options.warmup === 0) return;
  for (const [i, contender] of contenders.entries()) {
    const { server, headers } = servers[i]!;
    const warmup = { ...load, seconds: options.warmup };
    await runWrk(wrk, server.origin + scenario.path, warmup, pinning, undefined, headers);
    checkAlive(server, contender);
  }
}

/**
 * Measures the given contenders of a scenario and returns every round's wrk result. Every round
 * starts fresh server processes (checked and warmed up again): two processes of the same program
 * can differ by several percent (JIT decisions, heap layout), and a fresh set per round turns
 * that from a bias of the whole run into scatter that the median absorbs.
 *
 * @example
 * ```ts
 * const runs = await measureScenario(scenario, scenario.contenders, options);
 * ```
 */
export async function measureScenario(
  scenario: Scenario,
  contenders: readonly Contender[],
  options: MeasureOptions,
): Promise<readonly ContenderRuns[]> {
  const { log } = options;
  const runs: Round[][] = contenders.map(() => []);
  for (let r = 0; r < options.rounds; r++) {
    const servers: Started[] = [];
    try {
      if (options.warmup > 0) {
        log(`${scenario.name}: round ${r + 1}/${options.rounds}: starting and warming up servers`);
      }
      await startAll(scenario, contenders, options, servers, r === 0);
      for (let k = 0; k < contenders.length; k++) {
        // The order rotates, so no contender always runs first or last.
        const i = (k + r) % contenders.length;
        const contender = contenders[i]!;
        const { server, headers } = servers[i]!;
        const round = await measureRound(server, contender, scenario.path, headers, options);
        runs[i]!.push(round);
        log(`${scenario.name}: round ${r + 1}/${options.rounds} ${describe(contender, round)}`);
      }
    } finally {
      await Promise.all(servers.map(({ server }) => server.stop()));
    }
  }
  return contenders.map((contender, i) => ({ contender, runs: runs[i]! }));
}
