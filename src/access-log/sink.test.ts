import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import { serve } from '../server/index.ts';
import { accessLog } from './index.ts';
import { fileSink } from './sink.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'trowel-access-log-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const read = (path: string): string => readFileSync(path, 'utf8');

describe('fileSink()', () => {
  it('appends to what the file already holds', async () => {
    const path = join(dir, 'access.log');
    writeFileSync(path, 'earlier\n');
    const sink = fileSink(path);
    sink.write('one\n');
    sink.write('two\n');
    await sink.close();
    expect(read(path)).toBe('earlier\none\ntwo\n');
  });

  it('creates the file without access for others', async () => {
    const path = join(dir, 'new.log');
    const sink = fileSink(path);
    await sink.close();
    expect(statSync(path).mode & 0o007).toBe(0);
  });

  it('writes to a fresh file after reopen(), as logrotate needs', async () => {
    const path = join(dir, 'access.log');
    const sink = fileSink(path);
    sink.write('before\n');
    await sink.flush();
    renameSync(path, `${path}.1`);
    sink.write('late for the old file\n');
    sink.reopen();
    sink.write('after\n');
    await sink.close();
    expect(read(`${path}.1`)).toBe('before\nlate for the old file\n');
    expect(read(path)).toBe('after\n');
  });

  it('opens the file again for a line written after close()', async () => {
    const path = join(dir, 'access.log');
    const sink = fileSink(path);
    await sink.close();
    sink.write('again\n');
    await sink.close();
    expect(read(path)).toBe('again\n');
  });
});

function warnings(): { messages: string[]; stop(): void } {
  const messages: string[] = [];
  const listener = (warning: Error): void => {
    messages.push(warning.message);
  };
  process.on('warning', listener);
  return {
    messages,
    stop: () => {
      process.off('warning', listener);
    },
  };
}

describe('fileSink() failures', () => {
  it('keeps writing to the old file, and warns, when reopen() cannot open the path', async () => {
    const sub = join(dir, 'logs');
    mkdirSync(sub);
    const path = join(sub, 'access.log');
    const sink = fileSink(path);
    sink.write('one\n');
    await sink.flush();
    renameSync(sub, join(dir, 'moved'));
    const seen = warnings();
    try {
      sink.reopen();
      sink.write('two\n');
      await sink.close();
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      seen.stop();
    }
    expect(read(join(dir, 'moved', 'access.log'))).toBe('one\ntwo\n');
    expect(seen.messages).toEqual([expect.stringContaining('cannot reopen: ENOENT')]);
  });

  it('warns once, and does not throw, when writes fail', async () => {
    const seen = warnings();
    try {
      const sink = fileSink('/dev/full');
      sink.write('a\n');
      sink.write('b\n');
      await new Promise((resolve) => setTimeout(resolve, 50));
      sink.write('c\n');
      await new Promise((resolve) => setTimeout(resolve, 50));
    } finally {
      seen.stop();
    }
    expect(seen.messages).toEqual([expect.stringContaining('access log /dev/full: ENOSPC')]);
  });
});

describe('accessLog({ file })', () => {
  it('writes each request as one line in the file', async () => {
    const path = join(dir, 'access.log');
    const log = accessLog({ file: path, format: '%(REQUEST_METHOD)s %(REQUEST_URI)s %(status)s' });
    const app = log(() => new Response('ok', { status: 201 }));
    for (const url of ['http://x/a', 'http://x/b?c']) {
      const request = new Request(url);
      await (await app(request, new Context(request))).text();
    }
    await log.close();
    expect(read(path)).toBe('GET /a 201\nGET /b?c 201\n');
  });

  it('has every line in the file once the server has closed', async () => {
    const path = join(dir, 'access.log');
    const server = await serve(
      accessLog({ file: path, format: 'common' })(() => new Response('ok')),
      {
        port: 0,
        host: '127.0.0.1',
      },
    );
    try {
      await (await fetch(`${server.url}/page`)).text();
    } finally {
      await server.close();
    }
    expect(read(path)).toMatch(/^127\.0\.0\.1 - - \[.*\] "GET \/page HTTP\/1\.1" 200 2\n$/);
  });
});
