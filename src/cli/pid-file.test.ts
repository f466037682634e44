import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isRunning, writePidFile } from './pid-file.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trowel-pid-'));
  dirs.push(dir);
  return dir;
}

describe('isRunning', () => {
  it('tells a live process from one that does not exist', () => {
    expect(isRunning(process.pid)).toBe(true);
    expect(isRunning(2 ** 22 + 12_345)).toBe(false);
  });
});

describe('writePidFile', () => {
  it('writes this process id', () => {
    const path = join(scratch(), 'x.pid');
    expect(writePidFile(path)).toBeUndefined();
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`);
  });

  it('replaces a stale file and one holding this very process', () => {
    const path = join(scratch(), 'x.pid');
    writeFileSync(path, `${2 ** 22 + 12_345}\n`);
    expect(writePidFile(path)).toBeUndefined();
    expect(writePidFile(path)).toBeUndefined();
    expect(readFileSync(path, 'utf8')).toBe(`${process.pid}\n`);
  });

  it('refuses a file naming another running process', () => {
    const path = join(scratch(), 'x.pid');
    writeFileSync(path, `${process.ppid}\n`);
    expect(writePidFile(path)).toContain(`names process ${process.ppid}, which is running`);
  });

  it('says why it cannot write', () => {
    expect(writePidFile(join(scratch(), 'no/dir/x.pid'))).toMatch(
      /cannot write the pid file .*: ENOENT/,
    );
  });

  it('removes the file at exit only while it still holds this process id', () => {
    const path = join(scratch(), 'x.pid');
    writePidFile(path);
    process.emit('exit', 0);
    expect(existsSync(path)).toBe(false);
    writePidFile(path);
    writeFileSync(path, '1\n');
    process.emit('exit', 0);
    expect(readFileSync(path, 'utf8')).toBe('1\n');
  });
});
