/**
 * A process killed while it writes an entry leaves no committed entry: only its temporary file,
 * which the sweep removes once it is an hour old.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scratch, type Scratch } from './harness.fixture.ts';
import { resolveOptions } from './options.ts';
import { DiskStore } from './store.ts';
import { LEFTOVER_AGE, sweepCache } from './sweep.ts';

let s: Scratch;
beforeEach(() => {
  s = scratch();
});
afterEach(() => {
  s.remove();
});

describe('a crash mid-write', () => {
  it('leaves only a temporary file, which the sweep removes', async () => {
    const program = join(import.meta.dirname, 'crash-writer.fixture.ts');
    const child = spawn(process.execPath, [program, s.cacheDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    try {
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout }).on('line', (line) => {
          if (line === 'writing') resolve();
        });
        child.once('exit', () => {
          reject(new Error(`the writer exited early: ${stderr}`));
        });
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    const dir = join(s.cacheDir, 'big');
    const names = readdirSync(dir);
    expect(existsSync(join(dir, 'file.bin'))).toBe(false);
    expect(existsSync(join(dir, '.file.bin.trowel.json'))).toBe(false);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^\.file\.bin\.[0-9a-f]{12}\.tmp$/);
    const temp = join(dir, names[0] ?? '');
    expect(statSync(temp).size).toBeGreaterThan(0);

    const config = resolveOptions({ cacheDir: s.cacheDir });
    const store = new DiskStore(config);
    expect(await sweepCache(store, config)).toEqual({ entries: 0, leftovers: 0 });
    expect(await sweepCache(store, config, Date.now() + LEFTOVER_AGE + 1000)).toEqual({
      entries: 0,
      leftovers: 1,
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});
