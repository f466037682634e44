/**
 * Single flight: while one request for a key is at the origin (a miss, or the validation of a
 * stale entry), the others for the same key wait for its entry instead of going to the origin
 * too. If the first request's answer was stored, each waiter is then answered from disk; if not,
 * each goes to the origin itself (the answer may have been personal, or an error).
 *
 * This holds within one process. Processes sharing a cache directory do not coordinate: each may
 * run the origin once for the same key; both writes are atomic, and the last rename wins.
 */
import type { EntryWriter } from './writer.ts';

/** One request at the origin for a key. */
export class Flight {
  /** Resolves whether the entry was stored (or validated) by this flight. */
  readonly done: Promise<boolean>;
  /** The entry being written, so that an invalidation can cancel its commit. */
  writer: EntryWriter | undefined;
  #resolve: (stored: boolean) => void = () => undefined;
  #onSettle: () => void;

  constructor(onSettle: () => void) {
    this.done = new Promise<boolean>((resolve) => {
      this.#resolve = resolve;
    });
    this.#onSettle = onSettle;
  }

  /** Ends the flight (once; later calls do nothing). */
  settle(stored: boolean): void {
    this.#onSettle();
    this.#onSettle = () => undefined;
    this.#resolve(stored);
  }
}

/** The flights in progress, by body path. */
export class Flights {
  readonly #flights = new Map<string, Flight>();

  /** The flight in progress for `key`, if any. */
  get(key: string): Flight | undefined {
    return this.#flights.get(key);
  }

  /** Starts the flight for `key`; it leaves the map when it settles. */
  begin(key: string): Flight {
    const flight: Flight = new Flight(() => {
      if (this.#flights.get(key) === flight) this.#flights.delete(key);
    });
    this.#flights.set(key, flight);
    return flight;
  }
}

/** Resolves what `done` resolves, or `false` as soon as `signal` aborts (the waiter went away). */
export function waitFor(done: Promise<boolean>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void done.then((stored) => {
      signal.removeEventListener('abort', onAbort);
      resolve(stored);
    });
  });
}
