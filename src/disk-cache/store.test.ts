import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cached, fetchText, page, scratch, type Scratch } from './harness.fixture.ts';
import { entryPaths } from './layout.ts';
import { resolveOptions } from './options.ts';
import { describes, parseSidecar, storedFields } from './sidecar.ts';
import { DiskStore } from './store.ts';
import { EntryWriter } from './writer.ts';

let s: Scratch;
beforeEach(() => {
  s = scratch();
});
afterEach(() => {
  s.remove();
});

function store(): {
  store: DiskStore;
  at: (path: string) => NonNullable<ReturnType<typeof entryPaths>>;
} {
  const config = resolveOptions({ cacheDir: s.cacheDir });
  return {
    store: new DiskStore(config),
    at: (path) => {
      const paths = entryPaths(config.root, path, '__index.html');
      if (paths === undefined) throw new Error(path);
      return paths;
    },
  };
}

async function write(
  st: DiskStore,
  paths: ReturnType<typeof entryPaths> & object,
  body: string,
): Promise<void> {
  const writer = await EntryWriter.start(paths);
  if (writer === undefined) throw new Error('clash');
  await writer.write(new TextEncoder().encode(body));
  expect(
    await st.commit(writer, { headers: [['content-type', 'text/plain']], lastModified: undefined }),
  ).toBe(true);
}

describe('DiskStore', () => {
  it('finds a committed entry, with the sidecar describing its body file', async () => {
    const { store: st, at } = store();
    await write(st, at('/p'), 'hello');
    const entry = await st.lookup(at('/p'));
    expect(entry?.meta.contentType).toBe('text/plain');
    expect(entry?.stats.size).toBe(5);
    entry?.file.close();
  });

  it('misses a body without a sidecar', async () => {
    const { store: st, at } = store();
    writeFileSync(join(s.cacheDir, 'bare'), 'x');
    expect(await st.lookup(at('/bare'))).toBeUndefined();
  });

  it('misses an entry whose sidecar is not JSON', async () => {
    const { store: st, at } = store();
    await write(st, at('/p'), 'hello');
    writeFileSync(at('/p').sidecar, '{"v":1,');
    expect(
      await new DiskStore(resolveOptions({ cacheDir: s.cacheDir })).lookup(at('/p')),
    ).toBeUndefined();
  });

  it('never pairs a sidecar with a body from another write', async () => {
    const { store: st, at } = store();
    await write(st, at('/p'), 'first');
    // Another process renames its own body of the same size into place, before its sidecar.
    const other = join(s.cacheDir, '.p.0123456789ab.tmp');
    writeFileSync(other, 'other');
    renameSync(other, at('/p').body);
    expect(await st.lookup(at('/p'))).toBeUndefined();
  });

  it('answers hits from the parsed sidecar in memory, without reading it again', async () => {
    const app = page('hello');
    const handler = cached({ cacheDir: s.cacheDir }, app);
    await fetchText(handler, '/p');
    await fetchText(handler, '/p');
    rmSync(join(s.cacheDir, '.p.trowel.json'));
    const hit = await fetchText(handler, '/p');
    expect(hit.headers.get('cache-status')).toBe('trowel; hit');
    expect(app.calls).toHaveLength(1);
  });

  it('records the body file’s identity in the sidecar', async () => {
    const { store: st, at } = store();
    await write(st, at('/p'), 'hello');
    const sidecar = parseSidecar(readFileSync(at('/p').sidecar, 'utf8'));
    expect(sidecar !== undefined && describes(sidecar, statSync(at('/p').body))).toBe(true);
  });

  it('leaves nothing behind when a write is abandoned', async () => {
    const { at } = store();
    const writer = await EntryWriter.start(at('/p'));
    await writer?.write(new TextEncoder().encode('partial'));
    await writer?.abort();
    expect(s.files().filter((f) => f.startsWith('cache/') && f !== 'cache/')).toEqual([]);
  });
});

describe('sidecars', () => {
  it.each([
    ['not json', '{'],
    [
      'another version',
      '{"v":2,"status":200,"headers":[],"storedAt":0,"size":0,"mtimeMs":0,"ino":1}',
    ],
    ['a stored 404', '{"v":1,"status":404,"headers":[],"storedAt":0,"size":0,"mtimeMs":0,"ino":1}'],
    [
      'a header value with CR LF',
      '{"v":1,"status":200,"headers":[["x","a\\r\\nset-cookie: y"]],"storedAt":0,"size":0,"mtimeMs":0,"ino":1}',
    ],
    [
      'a header name that is not a token',
      '{"v":1,"status":200,"headers":[["a b","c"]],"storedAt":0,"size":0,"mtimeMs":0,"ino":1}',
    ],
    [
      'a negative size',
      '{"v":1,"status":200,"headers":[],"storedAt":0,"size":-1,"mtimeMs":0,"ino":1}',
    ],
  ])('refuses %s', (_what, text) => {
    expect(parseSidecar(text)).toBeUndefined();
  });

  it('stores neither hop-by-hop fields nor the ones recomputed per answer', () => {
    const headers = new Headers({
      'content-type': 'text/html',
      connection: 'x-private',
      'x-private': '1',
      'keep-alive': 'timeout=5',
      date: 'Mon, 01 Jan 2024 00:00:00 GMT',
      age: '3',
      'content-length': '10',
      'cache-status': 'edge; hit',
      'x-kept': 'yes',
    });
    expect(storedFields(headers)).toEqual([
      ['content-type', 'text/html'],
      ['x-kept', 'yes'],
    ]);
  });
});
