/**
 * The hostile-path table over a real socket: raw request targets (which fetch and curl would
 * normalise) sent to a trowel server running diskCache(). Every answer is the application's, none
 * is a 500 or a file from outside the cache (the canary beside it has a valid sidecar), and nothing is written outside the cache directory.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskCache } from '../../src/disk-cache/index.ts';
import { serve, type TrowelServer } from '../../src/server/index.ts';

function raw(port: number, target: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => {
      resolve(text);
    });
    socket.on('error', () => {
      resolve(text);
    });
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

function files(root: string, at = root): string[] {
  return readdirSync(at).flatMap((name) => {
    const path = join(at, name);
    return statSync(path).isDirectory() ? files(root, path) : [relative(root, path)];
  });
}

describe('hostile request targets over a socket', () => {
  let dir: string;
  let server: TrowelServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trowel-disk-cache-raw-'));
    mkdirSync(join(dir, 'canary'));
    writeFileSync(join(dir, 'canary', 'secret.txt'), 'CANARY');
    // A valid sidecar beside the canary: a lookup that strayed here would serve it.
    const stats = statSync(join(dir, 'canary', 'secret.txt'));
    writeFileSync(
      join(dir, 'canary', '.secret.txt.trowel.json'),
      JSON.stringify({
        v: 1,
        status: 200,
        headers: [],
        storedAt: Date.now(),
        size: stats.size,
        mtimeMs: stats.mtimeMs,
        ino: stats.ino,
      }),
    );
    server = await serve(
      diskCache({ cacheDir: join(dir, 'cache') })(() => new Response('from the app')),
      { port: 0, host: '127.0.0.1' },
    );
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    '/..%2f..%2fcanary/secret.txt',
    '/%2e%2e/canary/secret.txt',
    '/../canary/secret.txt',
    '/%2e%2e%2fcanary%2fsecret.txt',
    '//canary/secret.txt',
    '/a%2Fb',
    '/a%5Cb',
    '/..%5c..%5ccanary%5csecret.txt',
    '/a%00b',
    '/.trowel.json',
    '/%c0%ae%c0%ae/canary/secret.txt',
    `/${'a'.repeat(300)}`,
  ])('answers %s with the application and writes nothing outside the cache', async (target) => {
    for (let i = 0; i < 2; i++) {
      const answer = await raw(server.port, target);
      expect(answer).not.toContain('CANARY');
      expect(answer).not.toMatch(/^HTTP\/1\.1 5/);
      if (answer.startsWith('HTTP/1.1 200')) expect(answer).toContain('from the app');
    }
    expect(
      files(dir)
        .filter((f) => !f.startsWith('cache/'))
        .sort(),
    ).toEqual(['canary/.secret.txt.trowel.json', 'canary/secret.txt']);
  });
});
