/**
 * What a benchmark scenario declares: the contenders (each a server program), the baseline they are
 * measured against, the request wrk sends, and the response every contender must give before its
 * figure counts. One scenario per `bench/scenarios/<name>.bench.ts`, as its default export.
 */

/** One server under load. */
export interface Contender {
  /** A short identifier, used by `--contender`. */
  readonly id: string;
  /** What the table calls it. */
  readonly label: string;
  /** The server program: an absolute path to a `.ts` file that follows `announce.ts`. */
  readonly program: string;
  /** Arguments for the program. @default [] */
  readonly args?: readonly string[];
}

/** The response every contender must give to the scenario's request. */
export interface Expectation {
  /** The status code. */
  readonly status: number;
  /** The exact body, after any `Content-Encoding` is undone (the coding is checked by `headers`). */
  readonly body: string;
  /** Headers that must be present with exactly these values (names in lower case). */
  readonly headers: Readonly<Record<string, string>>;
}

/** The outcome of one contender, as a scenario's `summarize` sees it. */
export interface ContenderOutcome {
  /** The contender's id. */
  readonly id: string;
  /** The contender's label. */
  readonly label: string;
  /** The median requests per second over the rounds. */
  readonly medianRps: number;
  /** `medianRps` divided by the baseline's. */
  readonly ratio: number;
  /** Half the range of its rounds as a share of the median: the run's noise (0.05 = ±5%). */
  readonly spread: number;
}

/** A benchmark scenario. */
export interface Scenario {
  /** The name on the command line and in the table (kebab-case, same as the file name). */
  readonly name: string;
  /** One sentence: what it measures. */
  readonly description: string;
  /** The request path wrk asks for. */
  readonly path: string;
  /** The id of the contender every ratio is relative to. */
  readonly baseline: string;
  /** The servers to compare, baseline included. */
  readonly contenders: readonly Contender[];
  /** What each contender must answer, checked once before any load. */
  readonly expect: Expectation;
  /**
   * Request headers for the checked and measured request, derived from each contender's answer to
   * a plain GET of `path` (so a conditional request can carry that server's own `ETag`).
   * @default no extra headers
   */
  readonly headers?: (first: Response) => Readonly<Record<string, string>>;
  /** An extra line for the report, derived from the outcomes (e.g. a cost per middleware). */
  readonly summarize?: (outcomes: readonly ContenderOutcome[]) => string | null;
}

/**
 * Checks a scenario's shape (unique ids, a baseline among them, a path starting with `/`) and
 * returns it, so that a mistake shows when the runner loads it rather than after a long run.
 *
 * @example
 * ```ts
 * export default defineScenario({
 *   name: 'hello-world',
 *   description: 'GET / answered with a 13-byte text body',
 *   path: '/',
 *   baseline: 'node-http',
 *   contenders: [{ id: 'node-http', label: 'node:http', program: '/abs/bench/servers/node-http.ts' }],
 *   expect: { status: 200, body: 'Hello, world!', headers: {} },
 * });
 * ```
 */
export function defineScenario(scenario: Scenario): Scenario {
  const ids = scenario.contenders.map((c) => c.id);
  if (!/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(scenario.name)) {
    throw new Error(`scenario name ${JSON.stringify(scenario.name)} is not kebab-case`);
  }
  if (new Set(ids).size !== ids.length)
    throw new Error(`${scenario.name}: duplicate contender ids`);
  if (!ids.includes(scenario.baseline)) {
    throw new Error(`${scenario.name}: baseline ${scenario.baseline} is not a contender`);
  }
  if (!scenario.path.startsWith('/')) throw new Error(`${scenario.name}: path must start with /`);
  return scenario;
}
