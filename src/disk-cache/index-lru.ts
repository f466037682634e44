/**
 * The size cap: an in-memory index of every entry's body size in least-recently-hit order, so
 * that when the bodies add up to more than `maxSize` the entries nobody asked for the longest
 * are evicted (body first, so nginx stops serving it at once, then the sidecar).
 *
 * The index is built by walking the cache directory at first use, then kept current by commits,
 * hits and removals in this process. Entries written by other processes sharing the directory are
 * learnt at the next walk (every sweep), so across processes the cap is approximate: each process
 * enforces it on what it knows.
 */
import { stat } from 'node:fs/promises';
import { classifyName, sidecarOf } from './layout.ts';
import { walkFiles } from './walk.ts';

/** Removes the entry whose body is at `body`. */
export type RemoveEntry = (body: string) => Promise<void>;

/** Least-recently-hit index of entry sizes, with eviction past a byte budget. */
export class SizeIndex {
  readonly #root: string;
  readonly #maxSize: number;
  readonly #remove: RemoveEntry;
  // Map order is the recency order: the first key is the least recently hit.
  #sizes = new Map<string, number>();
  #total = 0;
  #scan: Promise<void> | undefined;
  #evicting: Promise<void> | undefined;

  constructor(root: string, maxSize: number, remove: RemoveEntry) {
    this.#root = root;
    this.#maxSize = maxSize;
    this.#remove = remove;
  }

  /** The bytes of the bodies the index knows. */
  get total(): number {
    return this.#total;
  }

  /** Walks the cache directory once, learning the entries already there. */
  ready(): Promise<void> {
    this.#scan ??= this.rescan();
    return this.#scan;
  }

  /**
   * Walks the cache directory and replaces what the index knows, keeping the recency order of the
   * entries it knew; entries it did not know count as the least recently hit.
   */
  async rescan(): Promise<void> {
    const found = new Map<string, number>();
    const sidecars = new Set<string>();
    const bodies: string[] = [];
    for await (const file of walkFiles(this.#root)) {
      const kind = classifyName(file.name);
      if (kind.kind === 'sidecar') sidecars.add(file.path);
      else if (kind.kind === 'body') bodies.push(file.path);
    }
    for (const body of bodies) {
      if (!sidecars.has(sidecarOf(body))) continue;
      const size = await stat(body).then(
        (s) => s.size,
        () => undefined,
      );
      if (size !== undefined) found.set(body, size);
    }
    const next = new Map<string, number>();
    for (const [body, size] of found) if (!this.#sizes.has(body)) next.set(body, size);
    for (const body of this.#sizes.keys()) {
      const size = found.get(body);
      if (size !== undefined) next.set(body, size);
    }
    this.#sizes = next;
    this.#total = [...next.values()].reduce((sum, size) => sum + size, 0);
  }

  /** Records a committed entry as the most recently hit, then evicts past the budget. */
  async add(body: string, size: number): Promise<void> {
    await this.ready();
    this.#forget(body);
    this.#sizes.set(body, size);
    this.#total += size;
    await this.evict();
  }

  /** Marks an entry as just hit. */
  touch(body: string): void {
    const size = this.#sizes.get(body);
    if (size === undefined) return;
    this.#sizes.delete(body);
    this.#sizes.set(body, size);
  }

  /** Forgets an entry that was removed. */
  delete(body: string): void {
    this.#forget(body);
  }

  #forget(body: string): void {
    const size = this.#sizes.get(body);
    if (size === undefined) return;
    this.#sizes.delete(body);
    this.#total -= size;
  }

  /** Evicts least recently hit entries until the bodies fit the budget. One eviction at a time. */
  evict(): Promise<void> {
    this.#evicting ??= this.#evictNow().finally(() => {
      this.#evicting = undefined;
    });
    return this.#evicting;
  }

  async #evictNow(): Promise<void> {
    while (this.#total > this.#maxSize) {
      const oldest = this.#sizes.keys().next();
      if (oldest.done === true) return;
      this.#forget(oldest.value);
      await this.#remove(oldest.value);
    }
  }
}
