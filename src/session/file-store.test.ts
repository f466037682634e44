import { createHash } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { FileStore } from './file-store.ts';
import { gated, race, send, startSession } from './harness.fixture.ts';
import { newSessionId } from './id.ts';
import { session } from './middleware.ts';
import { SESSION } from './session.ts';

let root: string;
let dir: string;
let canary: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'trowel-session-'));
  dir = join(root, 'sessions');
  canary = join(root, 'canary');
  mkdirSync(canary);
  writeFileSync(join(canary, 'secret'), 'do not touch');
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function snapshot(path: string): string[] {
  return readdirSync(path).map((name) => {
    const info = statSync(join(path, name));
    return `${name} ${String(info.mtimeMs)} ${String(info.size)}`;
  });
}

describe('FileStore', () => {
  it('keeps each session in a file named by the SHA-256 of its id, mode 0600', async () => {
    const store = new FileStore({ dir, sweepInterval: 0 });
    const id = newSessionId();
    await store.set(id, { data: { user: 'ann' }, createdAt: 1 }, 60_000);
    const name = `${createHash('sha256').update(id).digest('hex')}.json`;
    expect(readdirSync(dir)).toEqual([name]);
    expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, name), 'utf8')).not.toContain(id);
    expect(await store.get(id)).toMatchObject({ data: { user: 'ann' }, createdAt: 1 });
  });

  it('creates its directory with mode 0700', () => {
    new FileStore({ dir, sweepInterval: 0 });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it('leaves no temporary file behind after a write', async () => {
    const store = new FileStore({ dir, sweepInterval: 0 });
    const id = newSessionId();
    await store.set(id, { data: { n: 1 }, createdAt: 1 }, 60_000);
    await store.set(id, { data: { n: 2 }, createdAt: 1 }, 60_000);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect((await store.get(id))?.data).toEqual({ n: 2 });
  });

  it('treats a file past its expiry as missing and deletes it', async () => {
    const store = new FileStore({ dir, sweepInterval: 0 });
    const id = newSessionId();
    await store.set(id, { data: {}, createdAt: 1 }, 60_000);
    const [name] = readdirSync(dir);
    utimesSync(join(dir, name ?? ''), new Date(0), new Date(Date.now() - 1000));
    expect(await store.get(id)).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('touch() pushes the expiry back without rewriting the data', async () => {
    const store = new FileStore({ dir, sweepInterval: 0 });
    const id = newSessionId();
    await store.set(id, { data: { a: 1 }, createdAt: 1 }, 1000);
    const before = (await store.get(id))?.expiresAt ?? 0;
    await store.touch(id, 3_600_000);
    const after = await store.get(id);
    expect(after?.expiresAt).toBeGreaterThan(before + 3_000_000);
    expect(after?.data).toEqual({ a: 1 });
  });

  it('sweep() deletes expired sessions and stale temporary files and leaves other files alone', async () => {
    const store = new FileStore({ dir, sweepInterval: 0 });
    const live = newSessionId();
    await store.set(live, { data: {}, createdAt: 1 }, 60_000);
    await store.set(newSessionId(), { data: {}, createdAt: 1 }, 60_000);
    const expired = readdirSync(dir).find(
      (n) => n !== `${createHash('sha256').update(live).digest('hex')}.json`,
    );
    utimesSync(join(dir, expired ?? ''), new Date(0), new Date(1000));
    const temp = `.${'0'.repeat(64)}.${'1'.repeat(16)}.tmp`;
    writeFileSync(join(dir, temp), '{}');
    utimesSync(join(dir, temp), new Date(0), new Date(1000));
    writeFileSync(join(dir, '20250101000000-abc'), 'not ours');
    utimesSync(join(dir, '20250101000000-abc'), new Date(0), new Date(1000));
    expect(await store.sweep()).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(
      ['20250101000000-abc', `${createHash('sha256').update(live).digest('hex')}.json`].sort(),
    );
  });

  it('does not follow a symlink planted under a session file name', async () => {
    const store = new FileStore({ dir, sweepInterval: 0 });
    const id = newSessionId();
    writeFileSync(
      join(canary, 'forged.json'),
      JSON.stringify({ createdAt: Date.now(), data: { user: 'root' } }),
    );
    utimesSync(join(canary, 'forged.json'), new Date(0), new Date(Date.now() + 60_000));
    symlinkSync(
      join(canary, 'forged.json'),
      join(dir, `${createHash('sha256').update(id).digest('hex')}.json`),
    );
    expect(await store.get(id)).toBeUndefined();
  });

  it('treats a file that is not a session record as missing', async () => {
    const store = new FileStore({ dir, sweepInterval: 0 });
    const id = newSessionId();
    const path = join(dir, `${createHash('sha256').update(id).digest('hex')}.json`);
    writeFileSync(path, '[1, 2');
    utimesSync(path, new Date(0), new Date(Date.now() + 60_000));
    expect(await store.get(id)).toBeUndefined();
  });

  it('refuses a directory every user can write to, as /tmp', () => {
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    let caught: unknown;
    try {
      new FileStore({ dir });
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught) && caught.code).toBe('TROWEL_ERR_SESSION_DIR');
  });

  it.each([
    ['a relative dir', { dir: 'sessions' }],
    ['a negative sweep interval', { dir: '/nonexistent-trowel', sweepInterval: -1 }],
  ])('refuses %s with TROWEL_ERR_SESSION_OPTIONS', (_label, options) => {
    let caught: unknown;
    try {
      new FileStore(options);
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught) && caught.code).toBe('TROWEL_ERR_SESSION_OPTIONS');
  });

  it.each([
    '../canary/secret',
    '../../canary/secret',
    `${'a'.repeat(10)}/../../canary/secret`,
    '%2e%2e%2fcanary%2fsecret',
    '..%2Fcanary%2Fsecret',
    `/${'a'.repeat(42)}`,
    `${'a'.repeat(21)}%00${'a'.repeat(21)}`,
    'x'.repeat(50_000),
  ])('never lets the cookie value %s reach the file system', async (value) => {
    const store = new FileStore({ dir, sweepInterval: 0 });
    const h = session({ store })(async (_r, ctx) => {
      await ctx.require(SESSION).set('seen', true);
      return new Response('ok');
    });
    const before = snapshot(canary);
    const { cookies } = await send(h, { cookie: `trowel_session=${value}` });
    expect(snapshot(canary)).toEqual(before);
    expect(readFileSync(join(canary, 'secret'), 'utf8')).toBe('do not touch');
    const hashed = `${createHash('sha256')
      .update(cookies[0]?.value ?? '')
      .digest('hex')}.json`;
    expect(readdirSync(dir)).toEqual([hashed]);
    expect(readdirSync(root).sort()).toEqual(['canary', 'sessions']);
  });

  it('destroy() and touch() of a missing session do nothing', async () => {
    const store = new FileStore({ dir, sweepInterval: 0 });
    const id = newSessionId();
    await store.destroy(id);
    await store.touch(id, 1000);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('destroy() deletes the file', async () => {
    const store = new FileStore({ dir, sweepInterval: 0 });
    const id = newSessionId();
    await store.set(id, { data: {}, createdAt: 1 }, 60_000);
    await store.destroy(id);
    expect(readdirSync(dir)).toEqual([]);
  });

  it.skipIf(process.getuid?.() !== 0)('refuses a directory owned by another user', async () => {
    const { chownSync } = await import('node:fs');
    mkdirSync(dir, { mode: 0o700 });
    chownSync(dir, 65534, 65534);
    let caught: unknown;
    try {
      new FileStore({ dir });
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught) && caught.code).toBe('TROWEL_ERR_SESSION_DIR');
  });

  it('refuses a dir that is a file with TROWEL_ERR_SESSION_DIR', () => {
    writeFileSync(dir, 'not a directory');
    let caught: unknown;
    try {
      new FileStore({ dir: join(dir, 'below') });
    } catch (error) {
      caught = error;
    }
    expect(isConfigError(caught) && caught.code).toBe('TROWEL_ERR_SESSION_DIR');
  });

  it('keeps both changes when two concurrent requests set different keys of one session', async () => {
    const { h, gate } = gated(new FileStore({ dir, sweepInterval: 0 }));
    const cookie = await startSession(h);
    await race(h, gate, cookie, 'op=set&key=a&value=A', 'op=set&key=b&value=B');
    expect(JSON.parse((await send(h, { cookie })).body)).toEqual({ start: '1', a: 'A', b: 'B' });
  });

  it('serves a session across requests through the middleware', async () => {
    const store = new FileStore({ dir, sweepInterval: 0 });
    const h = session({ store })(async (request, ctx) => {
      const s = ctx.require(SESSION);
      if (new URL(request.url).pathname === '/put') await s.set('user', 'ann');
      return new Response((await s.get<string>('user')) ?? 'none');
    });
    const { cookies } = await send(h, { path: '/put' });
    const cookie = `trowel_session=${cookies[0]?.value ?? ''}`;
    expect((await send(h, { cookie })).body).toBe('ann');
    await store.close();
  });
});
