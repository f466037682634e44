import { constants, readdirSync, readlinkSync, truncateSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pattern, tree } from '../../test/static/tree.ts';
import { fileStream, readSmall } from './body.ts';
import { Descriptor } from './descriptor.ts';

const open = (path: string): Promise<Descriptor> => Descriptor.open(path, constants.O_RDONLY);

/** How many of this process's descriptors are open on `path`. */
function openCount(path: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === path) count++;
    } catch {
      // the descriptor closed while the directory was read
    }
  }
  return count;
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

describe('fileStream()', () => {
  const file = (): string => `${tree({ 'f.bin': pattern(150_000) })}/f.bin`;

  it('reads pieces in order and closes the file at the end', async () => {
    const path = file();
    const handle = await open(path);
    const head = new TextEncoder().encode('<');
    const body = await readAll(
      fileStream(handle, [head, { start: 0, end: 2 }, { start: 100_000, end: 149_999 }]),
    );
    expect(body.byteLength).toBe(1 + 3 + 50_000);
    expect(Buffer.compare(body.subarray(4), pattern(150_000).subarray(100_000))).toBe(0);
    expect(openCount(path)).toBe(0);
  });

  it('closes the file when the reader cancels', async () => {
    const path = file();
    const reader = fileStream(await open(path), [{ start: 0, end: 149_999 }]).getReader();
    await reader.read();
    expect(openCount(path)).toBe(1);
    await reader.cancel();
    expect(openCount(path)).toBe(0);
  });

  it('fails, and closes the file, when the file shrinks while it is sent', async () => {
    const path = file();
    const stream = fileStream(await open(path), [{ start: 0, end: 149_999 }]);
    truncateSync(path, 1000);
    await expect(readAll(stream)).rejects.toThrow(/shorter/);
    expect(openCount(path)).toBe(0);
  });
});

describe('readSmall()', () => {
  it('fails, and closes the file, when the file is shorter than asked', async () => {
    const path = `${tree({ 's.txt': 'abc' })}/s.txt`;
    await expect(readSmall(await open(path), { start: 0, end: 9 })).rejects.toThrow(/shorter/);
    expect(openCount(path)).toBe(0);
  });
});
