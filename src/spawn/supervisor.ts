/**
 * The lifecycle of one on-demand backend process, independent of HTTP: started by the first
 * {@link Supervisor.acquire} (one start however many arrive at once), probed until ready, counted
 * while requests are in flight, stopped when idle, restarted with exponential backoff after a
 * crash or a failed start, stopped for good by {@link Supervisor.close}.
 *
 * States: `stopped` → (acquire) → `starting` → (ready) → `running` → (idle, close) → `stopping` →
 * `stopped`. From `starting`, a child that exits or is not ready in time goes back to `stopped`
 * (through `stopping` when it has to be killed) and a backoff begins; from `running`, a crash goes
 * straight to `stopped` and a backoff begins. During a backoff, acquire() answers "unavailable"
 * with the time left; the first acquire() after it starts a new child. After close(), every
 * acquire() answers "closed".
 */
import { BackendProcess, describeExit, note } from './child.ts';
import {
  childEnv,
  resolveSupervisorOptions,
  substitutePort,
  type ResolvedSupervisorOptions,
  type SupervisorOptions,
} from './options.ts';
import { listenerOwner } from './owner.ts';
import { freePort, portTaken, waitReady } from './ready.ts';

/** Where the child is in its lifecycle. */
export type SpawnState = 'stopped' | 'starting' | 'running' | 'stopping';

/**
 * A child that has stayed up this long (ms) after becoming ready counts as healthy: its exit,
 * even a crash, resets the backoff to `initialDelay`.
 */
export const HEALTHY_AFTER = 10_000;

/** What {@link Supervisor.acquire} gives. */
export type Acquired =
  | {
      readonly ok: true;
      readonly host: string;
      readonly port: number;
      /** Ends this use of the child; call it exactly when the response is done. Idempotent. */
      readonly release: () => void;
    }
  | {
      readonly ok: false;
      /** `closed`: after close(); `unavailable`: the start failed or a backoff is running;
       *  `aborted`: the signal fired while waiting. */
      readonly reason: 'closed' | 'unavailable' | 'aborted';
      /** Whole seconds until a start will be tried again (for `Retry-After`). */
      readonly retryAfter?: number;
    };

const now = (): number => performance.now();

/** Supervises one backend process. */
export class Supervisor {
  readonly options: ResolvedSupervisorOptions;
  #state: SpawnState = 'stopped';
  #child: BackendProcess | undefined;
  #port: number | undefined;
  #starting: Promise<boolean> | undefined;
  #stopping: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;
  #failures = 0;
  #retryAt = 0;
  #readyAt = 0;
  #inFlight = 0;
  #lastRelease = 0;
  #idleTimer: NodeJS.Timeout | undefined;

  /**
   * Checks `options`; starts nothing yet.
   *
   * @throws {ConfigError} `TROWEL_ERR_SPAWN_*` for a bad option.
   * @example
   * const backend = new Supervisor({ command: ['python3', '-m', 'http.server', '{port}', '--bind', '127.0.0.1'] });
   * const use = await backend.acquire();
   * if (use.ok) use.release();
   * await backend.close();
   */
  constructor(options: SupervisorOptions) {
    this.options = resolveSupervisorOptions(options);
  }

  /** Where the child is in its lifecycle. */
  get state(): SpawnState {
    return this.#state;
  }

  /** The child's process id while there is one. */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** The child's port while there is a child. */
  get port(): number | undefined {
    return this.#port;
  }

  /** Uses of the child not yet released (waiting for a start included). */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** True once {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Makes sure the child is running (starting it if need be, waiting while it starts) and counts
   * one use of it until `release()`. While a use is held the child is never stopped for idleness.
   */
  async acquire(signal?: AbortSignal): Promise<Acquired> {
    this.#inFlight++;
    this.#cancelIdle();
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      this.#inFlight--;
      this.#lastRelease = now();
      this.#scheduleIdle();
    };
    try {
      const refusal = await this.#ensureRunning(signal);
      if (refusal === undefined && this.#port !== undefined) {
        return { ok: true, host: this.options.host, port: this.#port, release };
      }
      release();
      return refusal ?? { ok: false, reason: 'unavailable', retryAfter: 1 };
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * Stops the child (SIGTERM, then SIGKILL after `stopTimeout`) and refuses every later
   * acquire(). Resolves once the child has exited. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#cancelIdle();
    if (this.#child !== undefined && this.#state !== 'stopping') this.#stop('closing');
    await this.#stopping;
    await this.#starting;
    await this.#stopping;
  }

  async #ensureRunning(
    signal: AbortSignal | undefined,
  ): Promise<Exclude<Acquired, { ok: true }> | undefined> {
    for (;;) {
      if (this.#closed) return { ok: false, reason: 'closed' };
      if (signal?.aborted === true) return { ok: false, reason: 'aborted' };
      if (this.#state === 'running') return undefined;
      if (this.#state === 'stopping') {
        if (!(await until(this.#stopping, signal))) return { ok: false, reason: 'aborted' };
        continue;
      }
      if (this.#state === 'starting') {
        const starting = this.#starting;
        if (!(await until(starting, signal))) return { ok: false, reason: 'aborted' };
        if ((await starting) === true || this.#isClosed()) continue;
        return this.#unavailable();
      }
      if (now() < this.#retryAt) return this.#unavailable();
      const starting = this.#start();
      this.#starting = starting;
      void starting.finally(() => {
        if (this.#starting === starting) this.#starting = undefined;
      });
    }
  }

  // Read through methods where the value may have changed during an await.
  #isClosed(): boolean {
    return this.#closed;
  }

  #currentState(): SpawnState {
    return this.#state;
  }

  #unavailable(): Exclude<Acquired, { ok: true }> {
    const wait = Math.max(1, Math.ceil((this.#retryAt - now()) / 1000));
    return { ok: false, reason: 'unavailable', retryAfter: wait };
  }

  #note(message: string): void {
    note(this.options.output, this.options.label, this.#child?.pid, message);
  }

  #failed(readyAt: number | undefined): void {
    if (readyAt !== undefined && now() - readyAt >= HEALTHY_AFTER) this.#failures = 0;
    this.#failures++;
    this.#retryAt =
      now() + backoffDelay(this.#failures, this.options.initialDelay, this.options.maxDelay);
  }

  async #start(): Promise<boolean> {
    this.#state = 'starting';
    const { options } = this;
    const started = now();
    let port: number;
    try {
      port = options.port ?? (await freePort(options.host));
    } catch (error) {
      this.#note(`cannot find a free port on ${options.host}: ${String(error)}`);
      this.#failed(undefined);
      this.#state = 'stopped';
      return false;
    }
    // A port something already answers on would pass the readiness probe for a child that never
    // got to bind it, and requests (cookies, Authorization) would go to that other process.
    if (await portTaken(options.host, port)) {
      this.#note(`${options.host}:${port} is already in use by another process; not starting`);
      this.#failed(undefined);
      this.#state = 'stopped';
      return false;
    }
    if (this.#isClosed()) {
      this.#state = 'stopped';
      return false;
    }
    let child: BackendProcess;
    try {
      child = BackendProcess.start({
        argv: substitutePort(options.command, port) as [string, ...string[]],
        env: childEnv(options, port),
        cwd: options.cwd,
        label: options.label,
        output: options.output,
      });
    } catch (error) {
      // Node refused the arguments synchronously (most failures arrive as an 'error' event).
      this.#note(`failed to start: ${String(error)}`);
      this.#failed(undefined);
      this.#state = 'stopped';
      return false;
    }
    this.#child = child;
    this.#port = port;
    void child.exited.then((exit) => {
      this.#onExit(child, exit.error === undefined ? describeExit(exit) : undefined);
    });
    if (child.pid !== undefined) this.#note(`started on ${options.host}:${port}`);
    const readiness = await waitReady(
      { host: options.host, port, path: options.readyPath },
      { timeout: options.readyTimeout, interval: options.readyInterval },
      child.exited,
    );
    // The port answered; make sure it was the child (another process may have taken the port
    // between its choice and the child's bind). Where /proc is missing this cannot be told.
    const owner =
      readiness === 'ready' && child.pid !== undefined
        ? await listenerOwner(port, child.pid)
        : undefined;
    // Closed meanwhile (close() stops the child), or the child exited (#onExit took care of it).
    if (this.#child !== child || this.#currentState() !== 'starting') return false;
    if (owner === 'other') {
      this.#note(`${options.host}:${port} is held by a process outside the child's process group`);
      this.#failed(undefined);
      this.#stop(undefined);
      return false;
    }
    if (readiness === 'ready') {
      this.#state = 'running';
      this.#readyAt = now();
      this.#note(`ready after ${Math.round(this.#readyAt - started)} ms`);
      this.#scheduleIdle();
      return true;
    }
    this.#note(`not ready after ${options.readyTimeout} ms; stopping it`);
    this.#failed(undefined);
    this.#stop(undefined);
    return false;
  }

  /** The child exited; `how` is set for an exit (not for a failure to spawn). */
  #onExit(child: BackendProcess, how: string | undefined): void {
    if (this.#child !== child || child.stopRequested) return;
    const exit = child.exit;
    this.#note(how ?? describeExit(exit ?? { code: null, signal: null }));
    child.killRemnants();
    this.#failed(this.#state === 'running' ? this.#readyAt : undefined);
    this.#child = undefined;
    this.#port = undefined;
    this.#state = 'stopped';
    this.#cancelIdle();
  }

  /** Stops the current child; `reason` is logged when given. */
  #stop(reason: string | undefined): void {
    const child = this.#child;
    if (child === undefined) return;
    const wasReady = this.#state === 'running' ? this.#readyAt : undefined;
    this.#state = 'stopping';
    this.#cancelIdle();
    if (reason !== undefined) this.#note(`stopping (${reason})`);
    const stopping = child.stop(this.options.stopTimeout).then((exit) => {
      this.#note(`stopped: ${describeExit(exit)}`);
      if (wasReady !== undefined && now() - wasReady >= HEALTHY_AFTER) this.#failures = 0;
      this.#child = undefined;
      this.#port = undefined;
      this.#state = 'stopped';
      this.#stopping = undefined;
    });
    this.#stopping = stopping;
  }

  #cancelIdle(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = undefined;
  }

  #scheduleIdle(delay = this.options.idleTimeout): void {
    if (this.options.idleTimeout === 0 || this.#state !== 'running' || this.#inFlight > 0) return;
    this.#cancelIdle();
    // Unreferenced: an idle timer alone must not keep this process alive.
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = undefined;
      this.#checkIdle();
    }, delay).unref();
  }

  #checkIdle(): void {
    if (this.#state !== 'running' || this.#inFlight > 0) return;
    const idle = now() - this.#lastRelease;
    if (idle < this.options.idleTimeout) {
      this.#scheduleIdle(this.options.idleTimeout - idle);
      return;
    }
    this.#stop(`idle for ${Math.round(idle)} ms`);
  }
}

/**
 * The wait before the next start after `failures` consecutive failures: `initialDelay`, doubled
 * for each further failure, at most `maxDelay`.
 *
 * @example
 * backoffDelay(3, 100, 10_000); // 400
 */
export function backoffDelay(failures: number, initialDelay: number, maxDelay: number): number {
  // The exponent is capped so the doubling cannot overflow to Infinity.
  return Math.min(initialDelay * 2 ** Math.min(Math.max(failures - 1, 0), 40), maxDelay);
}

/** Waits for `promise`; false when `signal` aborts first. */
async function until(
  promise: Promise<unknown> | undefined,
  signal?: AbortSignal,
): Promise<boolean> {
  if (signal === undefined) {
    await promise;
    return true;
  }
  if (signal.aborted) return false;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<false>((resolve) => {
    onAbort = () => {
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([promise?.then(() => true) ?? Promise.resolve(true), aborted]);
  } finally {
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}
