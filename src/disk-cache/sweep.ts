/**
 * The expiry sweep: walks the cache directory every `sweepInterval` and removes
 *
 * - entries older than `maxAge` (`static` policy);
 * - entries stale for more than a day since they were last stored or validated (`http` policy):
 *   kept that long, a stale entry with validators still saves the origin a body;
 * - temporary files older than an hour: what a write cut short by a crash left behind;
 * - bodies without a sidecar, sidecars without a body, and pairs that do not match, once older
 *   than an hour (crash leftovers; younger ones may be a write in progress elsewhere);
 *
 * then rebuilds the size index from what it found, which is how entries written by other
 * processes sharing the directory come to count against `maxSize`. The timer is unref'd: it
 * never keeps a process alive.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import CachePolicy from 'http-cache-semantics';
import { classifyName } from './layout.ts';
import type { DiskCacheConfig } from './options.ts';
import { describes, parseSidecar } from './sidecar.ts';
import type { DiskStore } from './store.ts';
import { walkFiles } from './walk.ts';
import { removeQuietly } from './writer.ts';

/** How old a leftover (temporary file, unpaired body or sidecar) must be before it is removed. */
export const LEFTOVER_AGE = 3_600_000;

/** How long an `http` entry is kept once stale and not validated. */
export const STALE_GRACE = 86_400_000;

/** What one sweep removed. */
export interface SweepResult {
  /** Entries (body and sidecar) removed. */
  readonly entries: number;
  /** Leftover files removed. */
  readonly leftovers: number;
}

async function mtimeOf(path: string): Promise<number | undefined> {
  return stat(path).then(
    (s) => s.mtimeMs,
    () => undefined,
  );
}

/**
 * Sweeps the cache directory once (see the module comment).
 *
 * @example
 * ```ts
 * const { entries, leftovers } = await sweepCache(store, config);
 * ```
 */
export async function sweepCache(
  store: DiskStore,
  config: Pick<DiskCacheConfig, 'policy' | 'maxAge'>,
  now: number = Date.now(),
): Promise<SweepResult> {
  const bodies = new Set<string>();
  const sidecars = new Map<string, string>();
  let leftovers = 0;
  let entries = 0;
  const old = async (path: string): Promise<boolean> => {
    const mtime = await mtimeOf(path);
    return mtime !== undefined && mtime < now - LEFTOVER_AGE;
  };
  const removeLeftover = async (path: string): Promise<void> => {
    if (!(await old(path))) return;
    await removeQuietly(path);
    leftovers++;
  };
  for await (const file of walkFiles(store.root)) {
    const kind = classifyName(file.name);
    if (kind.kind === 'temp') await removeLeftover(file.path);
    else if (kind.kind === 'sidecar') sidecars.set(join(file.dir, kind.body), file.path);
    else if (kind.kind === 'body') bodies.add(file.path);
  }
  for (const body of bodies) {
    if (!sidecars.has(body)) await removeLeftover(body);
  }
  for (const [body, sidecarPath] of sidecars) {
    if (!bodies.has(body)) {
      await removeLeftover(sidecarPath);
      continue;
    }
    const [text, stats] = await Promise.all([
      readFile(sidecarPath, 'utf8').catch(() => undefined),
      stat(body).catch(() => undefined),
    ]);
    if (text === undefined || stats === undefined) continue;
    const sidecar = parseSidecar(text);
    if (sidecar === undefined || !describes(sidecar, stats)) {
      if ((await old(body)) && (await old(sidecarPath))) {
        await store.remove(body);
        entries++;
      }
      continue;
    }
    if (expired(sidecar, config, now)) {
      await store.remove(body);
      entries++;
    }
  }
  await store.index?.rescan();
  return { entries, leftovers };
}

function expired(
  sidecar: NonNullable<ReturnType<typeof parseSidecar>>,
  config: Pick<DiskCacheConfig, 'policy' | 'maxAge'>,
  now: number,
): boolean {
  if (config.policy === 'static') {
    return config.maxAge !== undefined && now - sidecar.storedAt > config.maxAge;
  }
  if (sidecar.policy === undefined) return now - sidecar.storedAt > STALE_GRACE;
  let policy: CachePolicy;
  try {
    policy = CachePolicy.fromObject(sidecar.policy);
  } catch {
    return true;
  }
  // The library reads the clock through now(); the sweep's own clock is used instead.
  (policy as unknown as { now: () => number }).now = () => now;
  return policy.timeToLive() <= 0 && now - sidecar.storedAt > STALE_GRACE;
}

/** Runs {@link sweepCache} every `sweepInterval`, one sweep at a time, from the first request on. */
export class Sweeper {
  readonly #store: DiskStore;
  readonly #config: Pick<DiskCacheConfig, 'policy' | 'maxAge' | 'sweepInterval'>;
  #timer: NodeJS.Timeout | undefined;
  #running = false;

  constructor(
    store: DiskStore,
    config: Pick<DiskCacheConfig, 'policy' | 'maxAge' | 'sweepInterval'>,
  ) {
    this.#store = store;
    this.#config = config;
  }

  /** Starts the timer (once). */
  start(): void {
    if (this.#timer !== undefined || this.#config.sweepInterval === undefined) return;
    this.#timer = setInterval(() => {
      void this.run();
    }, this.#config.sweepInterval);
    this.#timer.unref();
  }

  /** Sweeps now, unless a sweep is already running. */
  async run(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      await sweepCache(this.#store, this.#config);
    } catch (error) {
      this.#store.report(error);
    } finally {
      this.#running = false;
    }
  }
}
