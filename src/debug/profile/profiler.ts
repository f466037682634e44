/**
 * The V8 CPU profiler behind `profile()`, driven over `node:inspector`, with the process-wide queue
 * that lets one profile run at a time.
 *
 * V8 samples the whole isolate, not one request: while a profile runs, everything the process does
 * is in it (other requests, timers, garbage collection). Two overlapping profiles would each contain
 * the other's work and fight over the sampling interval, so profiles are taken one after another,
 * as Paste's global lock did, but only for the requests being profiled.
 */
import type { Profiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';

/** A CPU profile as V8 reports it: what Chrome DevTools opens as a `.cpuprofile` file. */
export type CpuProfile = Profiler.Profile;

/** A profile being taken; {@link ProfileRun.stop} ends it (once; later calls get the same result). */
export interface ProfileRun {
  /** Stops the profiler, releases the queue and resolves to the profile. */
  stop(): Promise<CpuProfile>;
  /** Settles when the profile stops, by `stop()` or at the deadline. */
  readonly stopped: Promise<CpuProfile>;
}

let tail: Promise<unknown> = Promise.resolve();

/**
 * Waits for the profiles queued before this one, then starts the profiler with `sampleInterval`
 * microseconds between samples. Resolves `undefined` without starting when `signal` aborts while
 * waiting (the client went away: there is nothing left to profile it for).
 *
 * A run is stopped by `maxDuration` milliseconds at the latest, so a response that never ends cannot
 * hold the queue for ever.
 */
export async function startProfile(
  sampleInterval: number,
  maxDuration: number,
  signal: AbortSignal,
): Promise<ProfileRun | undefined> {
  let release!: () => void;
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  const before = tail;
  tail = before.then(() => done);
  let onAbort = (): void => undefined;
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => {
      resolve('aborted');
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  const outcome = await Promise.race([before.then(() => 'ready' as const), aborted]);
  signal.removeEventListener('abort', onAbort);
  if (outcome === 'aborted') {
    // The runs queued behind this one still wait for `before`: `tail` chains through it.
    release();
    return undefined;
  }
  const session = new Session();
  try {
    session.connect();
    await session.post('Profiler.enable');
    // The interval must be set while the profiler is stopped (Chrome DevTools Protocol, Profiler).
    await session.post('Profiler.setSamplingInterval', { interval: sampleInterval });
    await session.post('Profiler.start');
  } catch (error) {
    session.disconnect();
    release();
    throw error;
  }
  let stopping: Promise<CpuProfile> | undefined;
  const stopped = Promise.withResolvers<CpuProfile>();
  // Whoever stops the run awaits `stopping`; `stopped` may have no reader yet when it fails.
  stopped.promise.catch(() => undefined);
  const stop = (): Promise<CpuProfile> =>
    (stopping ??= (async () => {
      clearTimeout(timer);
      try {
        const { profile } = await session.post('Profiler.stop');
        stopped.resolve(profile);
        return profile;
      } catch (error) {
        stopped.reject(error);
        throw error;
      } finally {
        session.disconnect();
        release();
      }
    })());
  const timer = setTimeout(() => {
    stop().catch(() => undefined);
  }, maxDuration);
  // The deadline must not keep a process alive that has nothing else to do.
  timer.unref();
  return { stop, stopped: stopped.promise };
}
