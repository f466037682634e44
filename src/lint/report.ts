/**
 * How findings leave lint: the options that decide it, the `LintError` strict mode throws, and the
 * reporter every check goes through.
 *
 * Every finding goes to `onFinding` when one is given, whatever the mode and severity. Without
 * `onFinding`, warnings (and, in warn mode, errors) go to `console.warn`; in strict mode an
 * error-severity finding becomes a {@link LintError} thrown where lint can throw it.
 */
import { ConfigError } from '../core/config-error.ts';
import {
  defaultSeverity,
  severityOf,
  type Issue,
  type LintFinding,
  type Severity,
} from './catalogue.ts';

/** Options of `lint()`. */
export interface LintOptions {
  /**
   * `strict`: an error-severity finding throws a {@link LintError} (rejects the handler's promise,
   * or errors the response body stream for findings made while it streams). `warn`: nothing is
   * thrown; findings are only reported. @default 'strict'
   */
  readonly mode?: 'strict' | 'warn';
  /**
   * Receives every finding, of every severity, in both modes, before strict mode throws. What it
   * throws propagates as a `LintError` would. @default log to `console.warn`
   */
  readonly onFinding?: (finding: LintFinding) => void;
  /** Per-rule severity overrides by rule id; `'off'` disables a rule. @default {} */
  readonly rules?: { readonly [id: string]: 'off' | 'warning' | 'error' };
}

const LINT_ERROR = Symbol.for('trowel.lint-error');

/**
 * An error-severity finding, thrown in strict mode.
 *
 * @example
 * ```ts
 * import { LintError } from 'trowel/lint';
 * try {
 *   await fetchSomething();
 * } catch (error) {
 *   if (error instanceof LintError) console.error(error.finding.rule);
 * }
 * async function fetchSomething(): Promise<void> {}
 * ```
 */
export class LintError extends Error {
  override readonly name = 'LintError';
  /** What lint found. */
  readonly finding: LintFinding;

  constructor(finding: LintFinding) {
    super(`${finding.rule}: ${finding.message} (${finding.request.method} ${finding.request.url})`);
    this.finding = finding;
    Object.defineProperty(this, LINT_ERROR, { value: true });
  }
}

/**
 * True for a {@link LintError}, also one made by another copy of trowel.
 *
 * @example
 * ```ts
 * import { isLintError } from 'trowel/lint';
 * const rule = (error: unknown): string | undefined => (isLintError(error) ? error.finding.rule : undefined);
 * ```
 */
export function isLintError(value: unknown): value is LintError {
  return value instanceof Error && (value as { [LINT_ERROR]?: unknown })[LINT_ERROR] === true;
}

/** The request a finding is about, as `LintFinding.request` shows it. */
export type RequestInfo = LintFinding['request'];

/** Turns issues into findings, reports them, and tells the caller what to throw. */
export interface Reporter {
  /**
   * Reports one issue. Returns the error to throw when the mode is strict and the effective
   * severity is `error`; `undefined` otherwise (also when the rule is off). `canThrow: false` says
   * the caller has nowhere to throw it (another error is already on its way): without `onFinding`
   * the finding is then logged rather than lost.
   */
  report(issue: Issue, request: RequestInfo, canThrow?: boolean): LintError | undefined;
  /** Reports every issue, then throws the first error strict mode asks for. */
  raise(issues: readonly Issue[], request: RequestInfo): void;
}

function fail(code: string, message: string): never {
  throw new ConfigError(code, `lint(): ${message}`);
}

function readLevels(value: unknown): Map<string, 'off' | Severity> {
  const levels = new Map<string, 'off' | Severity>();
  if (value === undefined) return levels;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(
      'TROWEL_ERR_LINT_RULES',
      'rules must be an object of rule id → "off" | "warning" | "error"',
    );
  }
  for (const [id, level] of Object.entries(value as Record<string, unknown>)) {
    if (defaultSeverity(id) === undefined) {
      fail('TROWEL_ERR_LINT_RULES', `unknown rule ${JSON.stringify(id)} (see the rules export)`);
    }
    if (level !== 'off' && level !== 'warning' && level !== 'error') {
      fail(
        'TROWEL_ERR_LINT_RULES',
        `rules[${JSON.stringify(id)}] must be "off", "warning" or "error", got ${JSON.stringify(level)}`,
      );
    }
    levels.set(id, level);
  }
  return levels;
}

function format(finding: LintFinding): string {
  const { rule, severity, message, request } = finding;
  return `trowel/lint ${severity} [${rule}] ${message} (${request.method} ${request.url})`;
}

/**
 * Checks `options` and builds the reporter one `lint()` middleware uses.
 *
 * @throws {ConfigError} `TROWEL_ERR_LINT_MODE`, `TROWEL_ERR_LINT_ON_FINDING` or
 * `TROWEL_ERR_LINT_RULES` for a bad option.
 */
export function createReporter(options: LintOptions): Reporter {
  const { mode = 'strict', onFinding } = options as { mode?: unknown; onFinding?: unknown };
  if (mode !== 'strict' && mode !== 'warn') {
    fail('TROWEL_ERR_LINT_MODE', `mode must be "strict" or "warn", got ${JSON.stringify(mode)}`);
  }
  if (onFinding !== undefined && typeof onFinding !== 'function') {
    fail('TROWEL_ERR_LINT_ON_FINDING', `onFinding must be a function, got ${typeof onFinding}`);
  }
  const levels = readLevels(options.rules);
  const sink = onFinding as ((finding: LintFinding) => void) | undefined;
  const strict = mode === 'strict';

  const report = (issue: Issue, request: RequestInfo, canThrow = true): LintError | undefined => {
    const level = levels.get(issue.rule) ?? severityOf(issue.rule);
    if (level === 'off') return undefined;
    const finding: LintFinding = Object.freeze({
      rule: issue.rule,
      severity: level,
      message: issue.message,
      request: Object.freeze({ method: request.method, url: request.url }),
    });
    const throws = strict && level === 'error';
    if (sink) sink(finding);
    else if (!throws || !canThrow) console.warn(format(finding));
    return throws ? new LintError(finding) : undefined;
  };

  return {
    report,
    raise(issues, request) {
      let first: LintError | undefined;
      for (const issue of issues) {
        const error = report(issue, request);
        first ??= error;
      }
      if (first) throw first;
    },
  };
}
