/**
 * `watchFiles()`: tells you, once per burst of saves, which of the files and directories you named
 * changed.
 *
 * Events first: each file is watched through `fs.watch` on its *directory* (an editor that saves by
 * writing a new file and renaming it over the old one replaces the inode, which a watch on the file
 * itself would lose), and an event counts only when the file's inode, size or modification time
 * differs from what was last seen (so a `chmod` or a read is not a change, and a `touch` is). A
 * directory is watched recursively. Where `fs.watch` fails — the directory does not exist yet, the
 * inotify limit is reached, the file system has no events — that path is polled instead, and a
 * missing directory is watched with events again once it appears. `poll: true` polls everything:
 * the choice for network file systems and container bind mounts, where events may never arrive.
 *
 * Changes are debounced: `onChange` runs once the files have been quiet for `debounce` ms, with
 * every path that changed, so "save all" in an editor or a formatter rewriting ten files makes one
 * call.
 *
 * Not for: watching thousands of files or whole dependency trees (a polled directory is walked at
 * most {@link MAX_POLLED_FILES} entries), or anything that needs each individual event.
 */
import { type FSWatcher, readdirSync, statSync, watch } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from '../core/config-error.ts';

/** Options of {@link watchFiles}. */
export interface WatchOptions {
  /** Called once the watched paths have been quiet for `debounce` ms, with every path that changed (absolute, sorted). */
  readonly onChange: (paths: readonly string[]) => void;
  /** Milliseconds without a further change before `onChange` runs. @default 100 */
  readonly debounce?: number;
  /** Poll every path with `stat` instead of using `fs.watch`. @default false */
  readonly poll?: boolean;
  /** Milliseconds between polls (with `poll`, and for paths where `fs.watch` failed). @default 1000 */
  readonly interval?: number;
  /** Paths never watched nor reported, such as the server's own log and pid files. @default none */
  readonly ignore?: (path: string) => boolean;
  /** Whether the watch alone keeps the process running. @default true */
  readonly persistent?: boolean;
}

/** Options of {@link FileWatcher.add}. */
export interface AddOptions {
  /**
   * The modification time (ms) the file had when it was read, or `null` if it did not exist then:
   * a difference now is reported as a change at once (the file changed between being read and
   * being watched).
   */
  readonly mtime?: number | null;
}

/** A running watch, as {@link watchFiles} returns it. */
export interface FileWatcher {
  /** Watches more paths (files or directories; relative to the working directory). */
  add(paths: string | readonly string[], options?: AddOptions): void;
  /** Every path watched, absolute. */
  watched(): readonly string[];
  /** Stops watching; a pending `onChange` is dropped. */
  close(): void;
}

/** How many entries a polled directory is walked for, at most. */
export const MAX_POLLED_FILES = 10_000;

const INVALID = 'TROWEL_ERR_RELOADER_INVALID_OPTION';
const MISSING = 'missing';

interface Target {
  readonly path: string;
  readonly directory: boolean;
  /** A file's last seen signature. */
  signature: string;
  /** A polled directory's files and their signatures. */
  tree: Map<string, string> | undefined;
  /** Polled because `fs.watch` failed (not because `poll` was asked): events are tried again. */
  fallback: boolean;
}

interface DirectoryWatch {
  readonly watcher: FSWatcher;
  readonly names: Set<string>;
}

function signature(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return MISSING;
  }
}

function walk(dir: string, ignore: (path: string) => boolean, into: Map<string, string>): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (into.size >= MAX_POLLED_FILES) return;
    const path = join(dir, entry.name);
    if (ignore(path)) continue;
    if (entry.isDirectory()) walk(path, ignore, into);
    else into.set(path, signature(path));
  }
}

function integer(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min || value > 3_600_000) {
    throw new ConfigError(
      INVALID,
      `watchFiles(): ${name} must be a whole number of milliseconds from ${min} to 3600000, got ${String(value)}`,
    );
  }
  return value;
}

/**
 * Watches `paths` (files or directories, which need not exist yet) and calls `onChange` with what
 * changed, debounced.
 *
 * @throws {ConfigError} `TROWEL_ERR_RELOADER_INVALID_OPTION` for a bad option.
 *
 * @example
 * ```ts
 * import { watchFiles } from 'trowel/reloader';
 *
 * const watcher = watchFiles(['site.ini', 'templates'], {
 *   onChange: (paths) => console.log(`${paths.join(', ')} changed`),
 * });
 * watcher.add('app.ts');
 * watcher.close();
 * ```
 */
export function watchFiles(paths: string | readonly string[], options: WatchOptions): FileWatcher {
  if (typeof options.onChange !== 'function') {
    throw new ConfigError(INVALID, 'watchFiles(): onChange must be a function');
  }
  const debounce = integer('debounce', options.debounce, 100, 0);
  const interval = integer('interval', options.interval, 1000, 10);
  const ignore = options.ignore ?? (() => false);
  const persistent = options.persistent ?? true;
  const pollAll = options.poll ?? false;

  const targets = new Map<string, Target>();
  const directories = new Map<string, DirectoryWatch>();
  const trees = new Map<string, FSWatcher>();
  const polled = new Set<Target>();
  const changed = new Set<string>();
  let quiet: NodeJS.Timeout | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let closed = false;

  const report = (path: string): void => {
    if (closed || ignore(path)) return;
    changed.add(path);
    clearTimeout(quiet);
    quiet = setTimeout(() => {
      const paths = [...changed].sort();
      changed.clear();
      options.onChange(paths);
    }, debounce);
    if (!persistent) quiet.unref();
  };

  const check = (target: Target): void => {
    const now = signature(target.path);
    if (now === target.signature) return;
    target.signature = now;
    report(target.path);
  };

  const startPolling = (target: Target, fallback: boolean): void => {
    target.fallback = fallback;
    if (target.directory && target.tree === undefined) {
      target.tree = new Map();
      walk(target.path, ignore, target.tree);
    }
    polled.add(target);
    if (ticker !== undefined) return;
    ticker = setInterval(tick, interval);
    if (!persistent) ticker.unref();
  };

  // The directory went away or its watch broke: poll its files until it can be watched again.
  const dropDirectory = (dir: string): void => {
    const entry = directories.get(dir);
    if (entry === undefined) return;
    directories.delete(dir);
    entry.watcher.close();
    for (const name of entry.names) {
      const target = targets.get(join(dir, name));
      if (target === undefined) continue;
      check(target);
      startPolling(target, true);
    }
  };

  const watchDirectoryOf = (target: Target): boolean => {
    const dir = dirname(target.path);
    const existing = directories.get(dir);
    if (existing !== undefined) {
      existing.names.add(basename(target.path));
      return true;
    }
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, { persistent }, (event, name) => {
        const entry = directories.get(dir);
        if (entry === undefined) return;
        // Without a name (some platforms), any of the directory's files may have changed.
        const names = name === null ? [...entry.names] : entry.names.has(name) ? [name] : [];
        for (const each of names) {
          const watched = targets.get(join(dir, each));
          if (watched !== undefined) check(watched);
        }
        if (event === 'rename' && signature(dir) === MISSING) dropDirectory(dir);
      });
    } catch {
      return false;
    }
    watcher.on('error', () => {
      dropDirectory(dir);
    });
    directories.set(dir, { watcher, names: new Set([basename(target.path)]) });
    return true;
  };

  const watchTree = (target: Target): boolean => {
    let watcher: FSWatcher;
    try {
      watcher = watch(target.path, { persistent, recursive: true }, (_event, name) => {
        report(name === null ? target.path : join(target.path, name));
      });
    } catch {
      return false;
    }
    watcher.on('error', () => {
      watcher.close();
      trees.delete(target.path);
      startPolling(target, false);
    });
    trees.set(target.path, watcher);
    return true;
  };

  function tick(): void {
    for (const target of polled) {
      if (target.tree === undefined) {
        check(target);
        // A file polled because its directory was missing: back to events once it exists.
        if (target.fallback && signature(dirname(target.path)) !== MISSING) {
          if (watchDirectoryOf(target)) polled.delete(target);
        }
        continue;
      }
      const now = new Map<string, string>();
      walk(target.path, ignore, now);
      for (const [path, before] of target.tree) if (now.get(path) !== before) report(path);
      for (const path of now.keys()) if (!target.tree.has(path)) report(path);
      target.tree = now;
    }
    if (polled.size === 0) {
      clearInterval(ticker);
      ticker = undefined;
    }
  }

  const add = (more: string | readonly string[], addOptions: AddOptions = {}): void => {
    if (closed) return;
    for (const given of typeof more === 'string' ? [more] : more) {
      const path = resolve(given);
      if (targets.has(path) || ignore(path)) continue;
      let directory = false;
      let mtime: number | null = null;
      try {
        const stat = statSync(path);
        directory = stat.isDirectory();
        mtime = stat.mtimeMs;
      } catch {
        // Missing for now: watched until it appears.
      }
      const target: Target = {
        path,
        directory,
        signature: directory ? '' : signature(path),
        tree: undefined,
        fallback: false,
      };
      targets.set(path, target);
      if (addOptions.mtime !== undefined && mtime !== addOptions.mtime) report(path);
      if (pollAll) startPolling(target, false);
      else if (directory ? !watchTree(target) : !watchDirectoryOf(target))
        startPolling(target, !directory);
    }
  };

  add(paths);
  return {
    add,
    watched: () => [...targets.keys()],
    close: () => {
      closed = true;
      clearTimeout(quiet);
      clearInterval(ticker);
      for (const { watcher } of directories.values()) watcher.close();
      for (const watcher of trees.values()) watcher.close();
      directories.clear();
      trees.clear();
      polled.clear();
    },
  };
}
