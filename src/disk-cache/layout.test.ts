import { sep } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyName,
  decodePath,
  entryPaths,
  hostDirectory,
  sidecarOf,
  tempName,
} from './layout.ts';

const ROOT = '/var/cache/site';
const INDEX = '__index.html';

describe('entryPaths()', () => {
  it.each([
    ['/', '/var/cache/site/__index.html', '/'],
    ['', '/var/cache/site/__index.html', '/'],
    ['/foo/bar', '/var/cache/site/foo/bar', '/foo/bar'],
    ['/monkeys/', '/var/cache/site/monkeys/__index.html', '/monkeys/'],
    ['/a%20b', '/var/cache/site/a b', '/a b'],
    ['/caf%C3%A9.html', '/var/cache/site/café.html', '/café.html'],
    ['/style.css', '/var/cache/site/style.css', '/style.css'],
  ])('maps %j to its body file', (path, body, key) => {
    const paths = entryPaths(ROOT, path, INDEX);
    expect(paths?.body).toBe(body);
    expect(paths?.key).toBe(key);
  });

  it('puts the sidecar beside the body, named after it with a leading dot', () => {
    const paths = entryPaths(ROOT, '/monkeys/', INDEX);
    expect(paths?.sidecar).toBe('/var/cache/site/monkeys/.__index.html.trowel.json');
    expect(paths?.dir).toBe('/var/cache/site/monkeys');
  });

  it.each([
    ['/..%2f..%2fetc/passwd', 'an encoded slash in a segment'],
    ['/%2e%2e/x', 'an encoded dot-dot'],
    ['/../x', 'a raw dot-dot'],
    ['/./x', 'a dot segment'],
    ['//etc/hostname', 'a leading double slash'],
    ['/a//b', 'an empty segment'],
    ['/a%2Fb', 'an encoded slash'],
    ['/a%5Cb', 'an encoded backslash'],
    ['/a\\b', 'a raw backslash'],
    ['/a%00b', 'NUL'],
    ['/a%0Ab', 'a line feed'],
    ['/a%7Fb', 'DEL'],
    ['/.trowel.json', 'a dotfile'],
    ['/.page.trowel.json', 'a sidecar name'],
    ['/x/.git/config', 'a dot directory'],
    ['/%2e%2e%2f', 'an encoded dot-dot-slash'],
    ['/%c0%ae%c0%ae/x', 'overlong UTF-8'],
    ['/%ff', 'a byte that is not UTF-8'],
    ['/%zz', 'malformed percent-encoding'],
    ['/%', 'a lone percent sign'],
    [`/${'a'.repeat(201)}`, 'a 201-byte segment'],
    [`/${'é'.repeat(101)}`, 'a segment over 200 bytes of UTF-8'],
    [`/${'a/'.repeat(600)}x`, 'a path over 1024 bytes'],
    ['/__index.html', 'the directory index name'],
    ['/docs/__index.html/x', 'the directory index name as a directory'],
    ['relative', 'a path without a leading slash'],
  ])('refuses %j (%s)', (path) => {
    expect(entryPaths(ROOT, path, INDEX)).toBeUndefined();
  });

  it('accepts a 200-byte segment', () => {
    expect(entryPaths(ROOT, `/${'a'.repeat(200)}`, INDEX)?.name).toHaveLength(200);
  });

  it('keeps /foo and /foo/ apart', () => {
    expect(entryPaths(ROOT, '/foo', INDEX)?.body).not.toBe(entryPaths(ROOT, '/foo/', INDEX)?.body);
  });

  it('puts entries under the host directory when keyed by host', () => {
    const paths = entryPaths(ROOT, '/a', INDEX, 'Example.org:8080');
    expect(paths?.body).toBe('/var/cache/site/example.org/a');
    expect(paths?.key).toBe('example.org/a');
  });

  it.each(['..', '.', 'a/b', 'a\\b', '', '.hidden', 'a..b/..', '[::1'])(
    'refuses the host %j',
    (host) => {
      expect(entryPaths(ROOT, '/a', INDEX, host)).toBeUndefined();
    },
  );

  it('never leaves the root, whatever the path', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constantFrom('..', '.', '%2e%2e', '%2E.', '%2f', '%5c', '%00', '', '~', 'a'),
            fc.string(),
          ),
          { maxLength: 8 },
        ),
        (segments) => {
          const paths = entryPaths(ROOT, `/${segments.join('/')}`, INDEX);
          if (paths === undefined) return;
          expect(paths.body.startsWith(ROOT + sep)).toBe(true);
          expect(paths.dir === ROOT || paths.dir.startsWith(ROOT + sep)).toBe(true);
          expect(paths.body.slice(ROOT.length).split(sep)).not.toContain('..');
        },
      ),
    );
  });
});

describe('decodePath()', () => {
  it('ends with an empty name for a trailing slash', () => {
    expect(decodePath('/docs/', INDEX)).toEqual(['docs', '']);
  });
});

describe('hostDirectory()', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['example.com:8080', 'example.com'],
    ['example.com.', 'example.com'],
    ['[::1]:8080', '[::1]'],
    ['127.0.0.1:80', '127.0.0.1'],
  ])('spells %j as nginx $host does', (host, dir) => {
    expect(hostDirectory(host)).toBe(dir);
  });
});

describe('file names', () => {
  it('derives the sidecar path from the body path', () => {
    expect(sidecarOf('/c/a/page')).toBe('/c/a/.page.trowel.json');
  });

  it.each([
    ['page', { kind: 'body' }],
    ['.page.trowel.json', { kind: 'sidecar', body: 'page' }],
    [tempName('page', '0123456789ab'), { kind: 'temp', body: 'page' }],
    ['.htaccess', { kind: 'other' }],
  ])('classifies %j', (name, kind) => {
    expect(classifyName(name)).toEqual(kind);
  });
});
