import { mkdtempSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { htdigestKey, parseHtdigest, parseHtpasswd, watchedFile } from './files.ts';

const HA1 = '731fccb3e59f5dc2a8e87e7356e6068b';

describe('parseHtpasswd()', () => {
  it('reads user:hash lines, ignoring blanks, comments and CRLF endings', () => {
    const users = parseHtpasswd('# users\r\n\r\nbob:$apr1$x$y\r\n  dave:{SHA}abc=  \n');
    expect([...users]).toEqual([
      ['bob', '$apr1$x$y'],
      ['dave', '{SHA}abc='],
    ]);
  });

  it('keeps the first line of a user listed twice, as Apache does', () => {
    expect(parseHtpasswd('bob:first\nbob:second\n').get('bob')).toBe('first');
  });

  it('ignores fields after the hash', () => {
    expect(parseHtpasswd('bob:hash:Bob Smith\n').get('bob')).toBe('hash');
  });

  it.each(['nocolon', ':hash', 'bob:'])('skips the malformed line %j', (line) => {
    expect(parseHtpasswd(`${line}\n`).size).toBe(0);
  });
});

describe('parseHtdigest()', () => {
  it('reads user:realm:ha1 lines', () => {
    expect(parseHtdigest(`alice:realm1:${HA1}\n`).get(htdigestKey('alice', 'realm1'))).toBe(HA1);
  });

  it('reads a realm that contains colons', () => {
    const entries = parseHtdigest(`alice:a:b:c:${HA1}\n`);
    expect(entries.get(htdigestKey('alice', 'a:b:c'))).toBe(HA1);
  });

  it('reads CRLF line endings and lowercases the hash', () => {
    const entries = parseHtdigest(`alice:r:${HA1.toUpperCase()}\r\n`);
    expect(entries.get(htdigestKey('alice', 'r'))).toBe(HA1);
  });

  it('keeps the first line of a user and realm listed twice', () => {
    const other = 'f'.repeat(32);
    const entries = parseHtdigest(`alice:r:${HA1}\nalice:r:${other}\nalice:s:${other}\n`);
    expect(entries.get(htdigestKey('alice', 'r'))).toBe(HA1);
    expect(entries.get(htdigestKey('alice', 's'))).toBe(other);
  });

  it.each([`alice:${HA1}`, 'alice:r:short', `:r:${HA1}`, `alice:r:${'g'.repeat(32)}`])(
    'skips the malformed line %j',
    (line) => {
      expect(parseHtdigest(`${line}\n`).size).toBe(0);
    },
  );
});

describe('watchedFile()', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'trowel-files-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('throws a ConfigError with the given code when the file cannot be read', () => {
    let error: unknown;
    try {
      watchedFile(join(dir, 'missing'), parseHtpasswd, 'TROWEL_ERR_TEST_FILE');
    } catch (e) {
      error = e;
    }
    expect(isConfigError(error) && error.code).toBe('TROWEL_ERR_TEST_FILE');
  });

  it('picks up a file replaced by rename', async () => {
    const path = join(dir, 'htpasswd');
    writeFileSync(path, 'bob:one\n');
    const file = watchedFile(path, parseHtpasswd, 'X');
    expect((await file.current()).get('bob')).toBe('one');
    writeFileSync(join(dir, 'next'), 'bob:two\ncarol:three\n');
    renameSync(join(dir, 'next'), path);
    expect((await file.current()).get('carol')).toBe('three');
  });

  it('keeps the last good content when the file disappears', async () => {
    const path = join(dir, 'htpasswd');
    writeFileSync(path, 'bob:one\n');
    const file = watchedFile(path, parseHtpasswd, 'X');
    rmSync(path);
    expect((await file.current()).get('bob')).toBe('one');
  });

  it('does not parse again while the file is unchanged', async () => {
    const path = join(dir, 'htpasswd');
    writeFileSync(path, 'bob:one\n');
    let parses = 0;
    const file = watchedFile(
      path,
      (text) => {
        parses++;
        return text;
      },
      'X',
    );
    await Promise.all([file.current(), file.current()]);
    await file.current();
    expect(parses).toBe(1);
  });
});
