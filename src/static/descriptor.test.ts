import { constants, readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pattern, tree } from '../../test/static/tree.ts';
import { Descriptor } from './descriptor.ts';

function isOpen(path: string): boolean {
  return readdirSync('/proc/self/fd').some((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`) === path;
    } catch {
      return false;
    }
  });
}

describe('Descriptor', () => {
  const file = (): string => `${tree({ 'f.bin': pattern(4096) })}/f.bin`;

  it('reads at a position and closes once', async () => {
    const path = file();
    const d = await Descriptor.open(path, constants.O_RDONLY);
    const buffer = new Uint8Array(4);
    expect(await d.read(buffer, 0, 4, 100)).toBe(4);
    expect([...buffer]).toEqual([...pattern(4096).subarray(100, 104)]);
    expect(d.stat().size).toBe(4096);
    d.close();
    d.close();
    expect([d.closed, isOpen(path)]).toEqual([true, false]);
  });

  it('waits for a read in flight before it closes', async () => {
    const path = file();
    const d = await Descriptor.open(path, constants.O_RDONLY);
    const reading = d.read(new Uint8Array(10), 0, 10, 0);
    d.close();
    expect(isOpen(path)).toBe(true);
    expect(await reading).toBe(10);
    expect(isOpen(path)).toBe(false);
  });

  it('refuses to read once closed', async () => {
    const d = await Descriptor.open(file(), constants.O_RDONLY);
    d.close();
    await expect(d.read(new Uint8Array(1), 0, 1, 0)).rejects.toThrow(/closed/);
  });

  it('rejects a read that fails, and still closes', async () => {
    const dir = tree({ 'd/x': 'x' });
    const d = await Descriptor.open(`${dir}/d`, constants.O_RDONLY);
    await expect(d.read(new Uint8Array(1), 0, 1, 0)).rejects.toMatchObject({ code: 'EISDIR' });
    d.close();
    expect(isOpen(`${dir}/d`)).toBe(false);
  });

  it('rejects opening what does not exist', async () => {
    await expect(Descriptor.open('/nonexistent/x', constants.O_RDONLY)).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
