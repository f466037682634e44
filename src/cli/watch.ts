/**
 * What `--reload` watches, and how: the config files and user modules the loader read, plus every
 * module imported from outside `node_modules` afterwards (recorded by a module hook), polled for a
 * changed size, mtime or inode. Polling, like `paster serve --reload`, survives editors that save by
 * replacing the file, which inotify-style watches lose track of.
 */
import { registerHooks } from 'node:module';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Starts recording every `file:` module Node loads from outside `node_modules` (a process-wide
 * module hook), and returns a function that lists them.
 */
export function recordImports(): () => readonly string[] {
  const imported = new Set<string>();
  registerHooks({
    load(url, context, nextLoad) {
      if (url.startsWith('file:') && !url.includes('/node_modules/'))
        imported.add(fileURLToPath(url));
      return nextLoad(url, context);
    },
  });
  return () => [...imported];
}

function signature(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/**
 * Calls `onChange` (once) with the first of `files` whose size, mtime or inode changes, or that
 * appears or disappears, checking every `interval` ms; with `keepAlive`, the watch alone keeps the
 * process running. Returns a function that stops watching.
 */
export function watchFiles(
  files: readonly string[],
  interval: number,
  onChange: (file: string) => void,
  keepAlive = false,
): () => void {
  const seen = new Map(files.map((file) => [file, signature(file)]));
  const timer = setInterval(() => {
    for (const [file, before] of seen) {
      if (signature(file) !== before) {
        clearInterval(timer);
        onChange(file);
        return;
      }
    }
  }, interval);
  // Beside a running server, watching alone must not keep the process alive.
  if (!keepAlive) timer.unref();
  return () => {
    clearInterval(timer);
  };
}
