/**
 * The cache directory as a store of entries: look one up (body file opened and proved inside the
 * directory, sidecar matched to it), write one (see `writer.ts`), update a sidecar, remove an
 * entry, and keep the size index current.
 *
 * Readers never lock. A hit opens the body file once and reads its status from the descriptor;
 * the parsed sidecar is kept in a bounded in-memory map and reused as long as the body file's
 * size, mtime and inode still match it, so a hit parses no JSON. A body replaced by another
 * process has a new inode: the sidecar is then read again from disk.
 */
import type { Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Descriptor } from '../static/descriptor.ts';
import { openInside } from '../static/open-file.ts';
import { SizeIndex } from './index-lru.ts';
import { sidecarOf, type EntryPaths } from './layout.ts';
import type { DiskCacheConfig } from './options.ts';
import { describes, entryMeta, parseSidecar, type EntryMeta, type Sidecar } from './sidecar.ts';
import { EntryWriter, isClash, removeQuietly, writeSidecar, type CommitDetails } from './writer.ts';

/** How many parsed sidecars are kept in memory. */
const MAX_META = 10_000;

/** An entry found on disk: its open body file (the receiver closes it) and its metadata. */
export interface StoredEntry {
  readonly paths: EntryPaths;
  readonly file: Descriptor;
  readonly stats: Stats;
  readonly meta: EntryMeta;
}

/** The entries of one cache directory. */
export class DiskStore {
  /** The canonical cache directory. */
  readonly root: string;
  readonly #contentType: string;
  readonly #onError: (error: unknown) => void;
  readonly #index: SizeIndex | undefined;
  readonly #meta = new Map<string, EntryMeta>();

  constructor(config: Pick<DiskCacheConfig, 'root' | 'contentType' | 'onError' | 'maxSize'>) {
    this.root = config.root;
    this.#contentType = config.contentType;
    this.#onError = config.onError;
    this.#index =
      config.maxSize === undefined
        ? undefined
        : new SizeIndex(config.root, config.maxSize, (body) => this.remove(body));
  }

  /** The size index, when there is a size cap. */
  get index(): SizeIndex | undefined {
    return this.#index;
  }

  /** Reports a failure that does not change the answer. */
  report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // A throwing reporter must not turn a cache failure into a failed request.
    }
  }

  /**
   * The entry at `paths`, or `undefined` for a miss: no body, a body that is not a regular file,
   * a file/directory clash, no sidecar, or a sidecar that describes another body.
   */
  async lookup(paths: EntryPaths): Promise<StoredEntry | undefined> {
    let opened;
    try {
      opened = await openInside(this.root, paths.body, false);
    } catch (error) {
      this.report(error);
      return undefined;
    }
    if (typeof opened === 'string') return undefined;
    const { file, stats } = opened;
    let meta = this.#meta.get(paths.body);
    if (!stats.isFile() || meta === undefined || !describes(meta.sidecar, stats)) {
      meta = stats.isFile() ? await this.#readMeta(paths, stats) : undefined;
      if (meta === undefined) {
        file.close();
        return undefined;
      }
    }
    this.#index?.touch(paths.body);
    return { paths, file, stats, meta };
  }

  async #readMeta(paths: EntryPaths, stats: Stats): Promise<EntryMeta | undefined> {
    let text: string;
    try {
      text = await readFile(paths.sidecar, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== 'ENOENT' && !isClash(error)) this.report(error);
      return undefined;
    }
    const sidecar = parseSidecar(text);
    if (sidecar === undefined || !describes(sidecar, stats)) return undefined;
    return this.#remember(paths.body, sidecar);
  }

  #remember(body: string, sidecar: Sidecar): EntryMeta {
    const meta = entryMeta(sidecar, this.#contentType);
    this.#meta.delete(body);
    if (this.#meta.size >= MAX_META) {
      const oldest = this.#meta.keys().next();
      if (oldest.done !== true) this.#meta.delete(oldest.value);
    }
    this.#meta.set(body, meta);
    return meta;
  }

  /**
   * Starts writing the entry at `paths`, or resolves `undefined` when it cannot be written (a
   * file/directory clash, a full disk: the latter is reported).
   */
  async start(paths: EntryPaths): Promise<EntryWriter | undefined> {
    try {
      return await EntryWriter.start(paths);
    } catch (error) {
      this.report(error);
      return undefined;
    }
  }

  /** Commits a written entry. Resolves whether it was stored. */
  async commit(writer: EntryWriter, details: CommitDetails): Promise<boolean> {
    let sidecar: Sidecar | undefined;
    try {
      sidecar = await writer.commit(details, Date.now());
    } catch (error) {
      this.report(error);
      return false;
    }
    if (sidecar === undefined) return false;
    this.#remember(writer.paths.body, sidecar);
    if (this.#index !== undefined) {
      this.#index.add(writer.paths.body, sidecar.size).catch((error: unknown) => {
        this.report(error);
      });
    }
    return true;
  }

  /** Replaces the sidecar of an entry whose body stays (after a 304 from the origin). */
  async update(paths: EntryPaths, sidecar: Sidecar): Promise<void> {
    try {
      await writeSidecar(paths, sidecar);
      this.#remember(paths.body, sidecar);
    } catch (error) {
      this.report(error);
    }
  }

  /** Removes the entry whose body is at `body`: body first (nginx stops serving it), then sidecar. */
  async remove(body: string): Promise<void> {
    this.#meta.delete(body);
    this.#index?.delete(body);
    await removeQuietly(body);
    await removeQuietly(sidecarOf(body));
  }
}
