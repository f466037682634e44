import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { expectGone, isAlive } from '../../test/cgi/helpers.ts';
import { Child, MAX_STDERR_LINE, pump, readLines } from './child.ts';

function lines(write: (stream: PassThrough) => void): Promise<string[]> {
  const stream = new PassThrough();
  const seen: string[] = [];
  readLines(stream, (line) => seen.push(line));
  return new Promise((resolve) => {
    stream.on('end', () => {
      resolve(seen);
    });
    write(stream);
  });
}

function bytes(text: string): ReadableStream<Uint8Array> {
  return new Blob([text]).stream();
}

async function output(child: Child): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of child.process.stdout) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

describe('readLines', () => {
  it('splits on LF and CRLF, and hands on a last line without a break', async () => {
    expect(await lines((s) => s.end('a\r\nb\nc'))).toEqual(['a', 'b', 'c']);
  });

  it('joins a line written in pieces, a UTF-8 character split between them included', async () => {
    const euro = Buffer.from('€');
    const seen = await lines((s) => {
      s.write(Buffer.concat([Buffer.from('price '), euro.subarray(0, 1)]));
      s.write(Buffer.concat([euro.subarray(1), Buffer.from('5\n')]));
      s.end();
    });
    expect(seen).toEqual(['price €5']);
  });

  it('cuts a line that never ends into pieces of the maximum length', async () => {
    const seen = await lines((s) => s.end('x'.repeat(MAX_STDERR_LINE * 2 + 5)));
    expect(seen.map((line) => line.length)).toEqual([MAX_STDERR_LINE, MAX_STDERR_LINE, 5]);
  });

  it('carries on when the callback throws', async () => {
    const stream = new PassThrough();
    const seen: string[] = [];
    readLines(stream, (line) => {
      seen.push(line);
      throw new Error('log failed');
    });
    stream.end('a\nb\n');
    await new Promise((resolve) => stream.on('end', resolve));
    expect(seen).toEqual(['a', 'b']);
  });
});

describe('pump', () => {
  it('writes the whole body and closes the input', async () => {
    const child = new Child(['/bin/cat'], undefined, {}, 1000);
    await pump(bytes('hello'), child.process.stdin, undefined);
    expect(await output(child)).toBe('hello');
  });

  it('stops at the declared length', async () => {
    const child = new Child(['/bin/cat'], undefined, {}, 1000);
    await pump(bytes('hello world'), child.process.stdin, 5);
    expect(await output(child)).toBe('hello');
  });

  it('stops when the program closes its input, cancelling the rest of the body', async () => {
    const child = new Child(['/bin/sh', '-c', 'exec 0<&-; sleep 0.2'], undefined, {}, 1000);
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        controller.enqueue(new Uint8Array(65_536));
      },
      cancel: () => {
        cancelled = true;
      },
    });
    await pump(endless, child.process.stdin, undefined);
    expect(cancelled).toBe(true);
  });

  it('rejects when the body fails', async () => {
    const child = new Child(['/bin/cat'], undefined, {}, 1000);
    const failing = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        controller.error(new Error('client gone'));
      },
    });
    await expect(pump(failing, child.process.stdin, undefined)).rejects.toThrow('client gone');
    child.stop();
    await child.ended;
  });
});

describe('Child', () => {
  it('reports how the program ended', async () => {
    const child = new Child(['/bin/sh', '-c', 'exit 7'], undefined, {}, 1000);
    expect(await child.ended).toEqual({ code: 7, signal: null });
    expect(child.ending).toEqual({ code: 7, signal: null });
  });

  it('reports a program that cannot start, with no pid', async () => {
    const child = new Child(['/nonexistent/program'], undefined, {}, 1000);
    const ending = await child.ended;
    expect(ending.error?.message).toMatch(/ENOENT/);
    expect(child.pid).toBeUndefined();
    child.stop();
    expect(child.stopping).toBe(true);
  });

  it('kills at once with no grace period', async () => {
    const child = new Child(['/bin/sh', '-c', "trap '' TERM; sleep 30"], undefined, {}, 0);
    const pid = child.pid ?? 0;
    child.stop();
    expect(await child.ended).toEqual({ code: null, signal: 'SIGKILL' });
    expect(isAlive(pid)).toBe(false);
  });

  it('stops the whole process group, children included', async () => {
    const child = new Child(['/bin/sh', '-c', 'sleep 30 & echo $!; wait'], undefined, {}, 1000);
    const grandchild = await new Promise<number>((resolve) => {
      child.process.stdout.once('data', (chunk: Buffer) => {
        resolve(Number(chunk.toString().trim()));
      });
    });
    expect(isAlive(grandchild)).toBe(true);
    child.stop();
    child.stop();
    await expectGone([child.pid ?? 0, grandchild]);
  });
});
