import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchFiles } from './watch.ts';

const stops: (() => void)[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const stop of stops.splice(0)) stop();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function watched(change: (dir: string) => void): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'trowel-watch-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'a.ini'), 'one');
  const changed = new Promise<string>((resolve) => {
    stops.push(watchFiles([join(dir, 'a.ini'), join(dir, 'missing.ts')], 10, resolve));
  });
  change(dir);
  return changed;
}

describe('watchFiles', () => {
  it.each([
    [
      'a rewrite',
      (dir: string) => {
        writeFileSync(join(dir, 'a.ini'), 'two!');
      },
    ],
    [
      'a replacement by rename',
      (dir: string) => {
        writeFileSync(join(dir, 'tmp'), 'one');
        renameSync(join(dir, 'tmp'), join(dir, 'a.ini'));
      },
    ],
    [
      'a deletion',
      (dir: string) => {
        unlinkSync(join(dir, 'a.ini'));
      },
    ],
  ])('reports %s', async (_what, change) => {
    expect(await watched(change)).toMatch(/a\.ini$/);
  });

  it('reports a file that appears', async () => {
    expect(
      await watched((dir) => {
        writeFileSync(join(dir, 'missing.ts'), '');
      }),
    ).toMatch(/missing\.ts$/);
  });

  it('stays quiet while nothing changes, and stops when asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'trowel-watch-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'a.ini'), 'one');
    let called = false;
    const stop = watchFiles([join(dir, 'a.ini')], 5, () => (called = true), true);
    await new Promise((resolve) => setTimeout(resolve, 40));
    stop();
    writeFileSync(join(dir, 'a.ini'), 'changed');
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(called).toBe(false);
  });
});
