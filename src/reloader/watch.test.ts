import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { watchFiles, type FileWatcher, type WatchOptions } from './watch.ts';

const watchers: FileWatcher[] = [];
const dirs: string[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const watcher of watchers.splice(0)) watcher.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trowel-reloader-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'a.ini'), 'one');
  return dir;
}

/** Watches `paths` and collects each onChange call. */
function watching(
  paths: readonly string[],
  options: Omit<WatchOptions, 'onChange'> = {},
): { calls: (readonly string[])[]; next: () => Promise<readonly string[]>; watcher: FileWatcher } {
  const calls: (readonly string[])[] = [];
  const waiters: ((paths: readonly string[]) => void)[] = [];
  const watcher = watchFiles(paths, {
    debounce: 20,
    interval: 10,
    ...options,
    onChange: (changed) => {
      calls.push(changed);
      waiters.shift()?.(changed);
    },
  });
  watchers.push(watcher);
  return {
    calls,
    watcher,
    next: () =>
      new Promise((resolve) => {
        waiters.push(resolve);
      }),
  };
}

const MODES = [
  ['with events', {}],
  ['by polling', { poll: true }],
] as const;

describe.each(MODES)('watchFiles %s', (_mode, mode) => {
  it.each([
    [
      'a rewrite',
      (dir: string) => {
        writeFileSync(join(dir, 'a.ini'), 'two!');
      },
    ],
    [
      'a replacement by rename, as editors save',
      (dir: string) => {
        writeFileSync(join(dir, '.a.ini.swp'), 'three');
        renameSync(join(dir, '.a.ini.swp'), join(dir, 'a.ini'));
      },
    ],
    [
      'a deletion',
      (dir: string) => {
        unlinkSync(join(dir, 'a.ini'));
      },
    ],
  ])('reports %s', async (_what, change) => {
    const dir = scratch();
    const { next } = watching([join(dir, 'a.ini')], mode);
    const changed = next();
    change(dir);
    expect(await changed).toEqual([join(dir, 'a.ini')]);
  });

  it('reports a file that appears', async () => {
    const dir = scratch();
    const { next } = watching([join(dir, 'missing.ts')], mode);
    const changed = next();
    writeFileSync(join(dir, 'missing.ts'), '');
    expect(await changed).toEqual([join(dir, 'missing.ts')]);
  });

  it('reports several saves in a row once, with every path that changed', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'b.ts'), '1');
    const { calls, next } = watching([join(dir, 'b.ts'), join(dir, 'a.ini')], {
      ...mode,
      debounce: 150,
    });
    const changed = next();
    for (const content of ['2', '33', '444']) writeFileSync(join(dir, 'b.ts'), content);
    writeFileSync(join(dir, 'a.ini'), 'two');
    expect(await changed).toEqual([join(dir, 'a.ini'), join(dir, 'b.ts')]);
    await sleep(200);
    expect(calls).toHaveLength(1);
  });

  it('reports a file created deep inside a watched directory, but not an ignored one', async () => {
    const dir = scratch();
    mkdirSync(join(dir, 'templates/partials'), { recursive: true });
    const { calls, next } = watching([join(dir, 'templates')], {
      ...mode,
      ignore: (path) => path.endsWith('.log'),
    });
    const changed = next();
    writeFileSync(join(dir, 'templates/partials/server.log'), 'noise');
    await sleep(60);
    expect(calls).toEqual([]);
    writeFileSync(join(dir, 'templates/partials/nav.html'), '<nav>');
    expect(await changed).toContain(join(dir, 'templates/partials/nav.html'));
  });

  it('stays quiet while files are only read or have their mode changed', async () => {
    const dir = scratch();
    const { calls } = watching([join(dir, 'a.ini')], mode);
    readFileSync(join(dir, 'a.ini'));
    chmodSync(join(dir, 'a.ini'), 0o600);
    await sleep(80);
    expect(calls).toEqual([]);
  });

  it('stops reporting once closed', async () => {
    const dir = scratch();
    const { calls, watcher } = watching([join(dir, 'a.ini')], mode);
    watcher.close();
    writeFileSync(join(dir, 'a.ini'), 'changed');
    await sleep(80);
    expect(calls).toEqual([]);
  });
});

describe('watchFiles', () => {
  it('polls a file whose directory does not exist yet, and reports it once created', async () => {
    const dir = scratch();
    const { next, watcher } = watching([join(dir, 'later/config.ini')]);
    const first = next();
    mkdirSync(join(dir, 'later'));
    writeFileSync(join(dir, 'later/config.ini'), 'x');
    expect(await first).toEqual([join(dir, 'later/config.ini')]);
    // Watched with events again from now on: a later rewrite is still seen.
    const second = next();
    writeFileSync(join(dir, 'later/config.ini'), 'xyz');
    expect(await second).toEqual([join(dir, 'later/config.ini')]);
    expect(watcher.watched()).toEqual([join(dir, 'later/config.ini')]);
  });

  it('reports at once a file added with a modification time that is no longer current', async () => {
    const dir = scratch();
    const { next, watcher } = watching([]);
    const changed = next();
    const { mtimeMs } = statSync(join(dir, 'a.ini'));
    watcher.add(join(dir, 'a.ini'), { mtime: mtimeMs });
    watcher.add(join(dir, 'gone.ts'), { mtime: null });
    writeFileSync(join(dir, 'appeared.ts'), '');
    watcher.add(join(dir, 'appeared.ts'), { mtime: null });
    expect(await changed).toEqual([join(dir, 'appeared.ts')]);
  });

  it('waits for `debounce` ms of quiet before reporting (fake time)', () => {
    vi.useFakeTimers();
    const dir = scratch();
    const onChange = vi.fn();
    watchers.push(
      watchFiles(join(dir, 'a.ini'), { onChange, poll: true, interval: 10, debounce: 100 }),
    );
    writeFileSync(join(dir, 'a.ini'), 'two!');
    vi.advanceTimersByTime(60);
    writeFileSync(join(dir, 'a.ini'), 'three');
    // The poll at 70 ms sees the second save: quiet from then until 170 ms.
    vi.advanceTimersByTime(10 + 99);
    expect(onChange).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onChange).toHaveBeenCalledExactlyOnceWith([join(dir, 'a.ini')]);
  });

  it.each([
    [{ debounce: -1 }, 'debounce must be a whole number of milliseconds from 0 to 3600000'],
    [{ debounce: 1.5 }, 'debounce must be a whole number'],
    [{ interval: 5 }, 'interval must be a whole number of milliseconds from 10 to 3600000'],
    [{ onChange: 'log' }, 'onChange must be a function'],
  ])('refuses %j', (bad, message) => {
    let caught: unknown;
    try {
      watchFiles([], { onChange: () => undefined, ...(bad as Partial<WatchOptions>) });
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught) && caught.code).toBe('TROWEL_ERR_RELOADER_INVALID_OPTION');
    expect((caught as Error).message).toContain(message);
  });
});
