/**
 * staticFiles() behind the real server: raw request targets over a socket (fetch and curl would
 * normalise them first), and a client that goes away in the middle of a large body.
 */
import { readdirSync, readlinkSync, truncateSync } from 'node:fs';
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type TrowelServer } from '../server/index.ts';
import { fill, scratch } from '../../test/static/tree.ts';
import { staticFiles } from './index.ts';

const CANARY = 'CANARY-7f3a9c';
const servers: TrowelServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close({ timeout: 0 })));
});

/** A root inside a parent that holds a canary file, and a running server for the root. */
async function start(options: { followSymlinks?: boolean } = {}): Promise<TrowelServer> {
  const parent = scratch();
  fill(parent, {
    'secret.txt': CANARY,
    'www-evil/secret.txt': CANARY,
    'www/index.html': 'home',
    'www/public.txt': 'public',
    'www/big.bin': '',
    'www/.env': CANARY,
    'www/link-out.txt': { symlink: '../secret.txt' },
    'www/dir-out': { symlink: '../www-evil' },
  });
  // Sparse, so it takes no disk, and far more than the socket buffers can hold: the server
  // is still reading it when the client goes away.
  truncateSync(`${parent}/www/big.bin`, 1024 * 1024 * 1024);
  const server = await serve(staticFiles({ root: `${parent}/www`, ...options }), {
    port: 0,
    onError: () => undefined,
  });
  servers.push(server);
  return server;
}

/** Sends a raw request line and resolves with the whole answer as text. */
function raw(server: TrowelServer, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('end', () => {
      resolve(answer);
    });
    socket.on('error', reject);
    socket.write(`GET ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  });
}

const TRAVERSALS = [
  '/../secret.txt',
  '/../../../../../../etc/passwd',
  '/%2e%2e/secret.txt',
  '/%2E%2E/%2e%2e/secret.txt',
  '/.%2e/secret.txt',
  '/%2e%2e%2fsecret.txt',
  '/..%2fsecret.txt',
  '/..%2Fwww-evil%2Fsecret.txt',
  '/%252e%252e/secret.txt',
  '/..%5csecret.txt',
  '/..\\secret.txt',
  '/%5c..%5csecret.txt',
  '/%c0%ae%c0%ae/secret.txt',
  '/%c0%ae%c0%ae%c0%afsecret.txt',
  '/%e0%80%ae%e0%80%ae/secret.txt',
  '/public.txt%00/../../secret.txt',
  '/..%00/secret.txt',
  '/secret.txt%00.html',
  '//../secret.txt',
  '/./../secret.txt',
  '/public.txt/../../secret.txt',
  '/.env',
  '/%2eenv',
  '/link-out.txt',
  '/dir-out/secret.txt',
  '/..;/secret.txt',
  'http://localhost/../secret.txt',
];

describe('staticFiles() over a real socket', () => {
  it.each(TRAVERSALS)('never serves what is outside the root for %s', async (target) => {
    const server = await start();
    const answer = await raw(server, target);
    expect(answer).toMatch(/^HTTP\/1\.1 (400|404) /);
    expect(answer).not.toContain(CANARY);
  });

  it('never serves the canary for generated combinations of traversal tokens', async () => {
    const server = await start();
    const token = fc.constantFrom(
      '..',
      '%2e%2e',
      '%2E%2e',
      '.%2e',
      '%2e.',
      '%252e%252e',
      '%c0%ae%c0%ae',
      '/',
      '%2f',
      '%2F',
      '%5c',
      '\\',
      '%00',
      ';',
      '.',
      '//',
      'secret.txt',
      'www-evil',
      'www',
      'link-out.txt',
      'dir-out',
    );
    await fc.assert(
      fc.asyncProperty(fc.array(token, { minLength: 1, maxLength: 10 }), async (tokens) => {
        const answer = await raw(server, `/${tokens.join('')}`);
        expect(answer).toMatch(/^HTTP\/1\.1 \d{3} /);
        expect(answer).not.toContain(CANARY);
      }),
      { numRuns: 300 },
    );
  });

  it.each(['/link-out.txt', '/dir-out/secret.txt'])(
    'refuses %s when symlinks are followed, since it leads out of the root',
    async (target) => {
      const answer = await raw(await start({ followSymlinks: true }), target);
      expect(answer).toMatch(/^HTTP\/1\.1 404 /);
      expect(answer).not.toContain(CANARY);
    },
  );

  it('serves a plain request in the same setup', async () => {
    const answer = await raw(await start(), '/public.txt');
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer.endsWith('\r\n\r\npublic')).toBe(true);
  });

  it('closes the file when the client disconnects in the middle of a body', async () => {
    const server = await start();
    const controller = new AbortController();
    const res = await fetch(`${server.url}/big.bin`, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    const path = await waitFor(
      () => openOn('big.bin'),
      (found) => found.length > 0,
    );
    expect(path).toHaveLength(1);
    controller.abort();
    await reader.cancel().catch(() => undefined);
    const after = await waitFor(
      () => openOn('big.bin'),
      (found) => found.length === 0,
    );
    expect(after).toEqual([]);
  });

  it('answers 304 and 416 without keeping a descriptor open', async () => {
    const server = await start();
    const first = await fetch(`${server.url}/big.bin`, { method: 'HEAD' });
    const etag = first.headers.get('etag') ?? '';
    const notModified = await fetch(`${server.url}/big.bin`, {
      headers: { 'if-none-match': etag },
    });
    const unsatisfiable = await fetch(`${server.url}/big.bin`, {
      headers: { range: 'bytes=99999999999-' },
    });
    await unsatisfiable.arrayBuffer();
    expect([notModified.status, unsatisfiable.status]).toEqual([304, 416]);
    expect(openOn('big.bin')).toEqual([]);
  });
});

/** The paths of this process's open descriptors whose name ends with `suffix`. */
function openOn(suffix: string): string[] {
  const found: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.endsWith(suffix)) found.push(target);
    } catch {
      // closed while listing
    }
  }
  return found;
}

async function waitFor<T>(read: () => T, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  let value = read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    value = read();
  }
  return value;
}
