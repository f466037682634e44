/**
 * staticFiles() against nginx serving the same root, request for request: for every request in the
 * table both servers are asked over real sockets, and their answers must agree on the status,
 * Content-Length, Content-Range, the media type of Content-Type, Content-Encoding, whether an ETag
 * is sent, Last-Modified, Location (as a path) and the body bytes (part by part for
 * multipart/byteranges, whose boundaries are each server's own).
 *
 * Conditional requests use each server's own validators, taken from a plain GET first: the two
 * ETag formats differ (nginx `"<mtime s hex>-<size hex>"`, trowel `"<mtime µs hex>-<size hex>"`),
 * so what is compared is the behaviour. Charsets differ by design (trowel adds
 * `charset=utf-8` to text types, nginx adds none unless told), and so do error bodies (each
 * server's own page). Where nginx differs on purpose, the row says which status each gives and
 * why; `README.md` of trowel/static lists the same differences.
 */
import { mkdtempSync, realpathSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type TrowelServer } from '../../src/server/index.ts';
import { staticFiles } from '../../src/static/index.ts';
import { send, type Answer } from '../helpers/http.ts';
import { findNginx, startNginx, type Nginx } from './nginx.ts';
import { fill, pattern } from './tree.ts';

const binary = findNginx();
const MTIME = new Date('2024-05-17T08:30:00Z');

interface Case {
  /** What the row asks. */
  readonly name: string;
  readonly path: string;
  readonly method?: 'GET' | 'HEAD' | 'POST';
  /** The status both must answer (rows without `differs`). */
  readonly status?: number;
  /** The request's headers, from this server's answer to a plain GET of the same path. */
  readonly headers?: (first: Answer) => Record<string, string>;
  /** A difference by design: each server's status, and why. */
  readonly differs?: { readonly trowel: number; readonly nginx: number; readonly why: string };
}

const etag = (first: Answer): string => first.headers['etag'] ?? '';
const modified = (first: Answer): string => first.headers['last-modified'] ?? '';
const PAST = 'Mon, 01 Jan 2001 00:00:00 GMT';
const FUTURE = 'Fri, 01 Jan 2100 00:00:00 GMT';

const CASES: readonly Case[] = [
  { name: 'a plain GET', status: 200, path: '/hello.txt' },
  { name: 'HEAD', status: 200, path: '/hello.txt', method: 'HEAD' },
  { name: 'the root index', status: 200, path: '/' },
  { name: 'a directory index', status: 200, path: '/docs/' },
  { name: 'a large file (several blocks)', status: 200, path: '/big.bin' },
  { name: 'an encoded space', status: 200, path: '/a%20b.txt' },
  { name: 'an empty file', status: 200, path: '/empty.txt' },
  { name: 'a directory without its slash', status: 301, path: '/docs' },
  { name: 'a directory without its slash, with a query', status: 301, path: '/docs?x=1&y=2' },
  { name: 'a missing file', status: 404, path: '/missing.txt' },
  { name: 'a missing file in a directory', status: 404, path: '/docs/missing.html' },
  { name: 'a file asked for as a directory', status: 404, path: '/hello.txt/' },
  { name: 'POST', status: 405, path: '/hello.txt', method: 'POST' },
  {
    name: 'If-None-Match with its own ETag',
    status: 304,
    path: '/hello.txt',
    headers: (f) => ({ 'if-none-match': etag(f) }),
  },
  {
    name: 'If-None-Match with its weak ETag',
    status: 304,
    path: '/hello.txt',
    headers: (f) => ({ 'if-none-match': `W/${etag(f)}` }),
  },
  {
    name: 'If-None-Match with another ETag',
    status: 200,
    path: '/hello.txt',
    headers: () => ({ 'if-none-match': '"nope"' }),
  },
  {
    name: 'If-None-Match: *',
    status: 304,
    path: '/hello.txt',
    headers: () => ({ 'if-none-match': '*' }),
  },
  {
    name: 'If-Modified-Since its Last-Modified',
    status: 304,
    path: '/hello.txt',
    headers: (f) => ({ 'if-modified-since': modified(f) }),
  },
  {
    name: 'If-Modified-Since in the past',
    status: 200,
    path: '/hello.txt',
    headers: () => ({ 'if-modified-since': PAST }),
  },
  {
    name: 'If-Modified-Since in the future',
    status: 304,
    path: '/hello.txt',
    headers: () => ({ 'if-modified-since': FUTURE }),
  },
  {
    name: 'If-Modified-Since ignored beside a failing If-None-Match',
    status: 200,
    path: '/hello.txt',
    headers: (f) => ({ 'if-none-match': '"nope"', 'if-modified-since': modified(f) }),
  },
  {
    name: 'If-Unmodified-Since in the past',
    status: 412,
    path: '/hello.txt',
    headers: () => ({ 'if-unmodified-since': PAST }),
  },
  {
    name: 'If-Unmodified-Since in the future',
    status: 200,
    path: '/hello.txt',
    headers: () => ({ 'if-unmodified-since': FUTURE }),
  },
  {
    name: 'If-Match with its own ETag',
    status: 200,
    path: '/hello.txt',
    headers: (f) => ({ 'if-match': etag(f) }),
  },
  {
    name: 'If-Match with another ETag',
    status: 412,
    path: '/hello.txt',
    headers: () => ({ 'if-match': '"nope"' }),
  },
  { name: 'If-Match: *', status: 200, path: '/hello.txt', headers: () => ({ 'if-match': '*' }) },
  {
    name: 'a single range',
    status: 206,
    path: '/big.bin',
    headers: () => ({ range: 'bytes=0-9' }),
  },
  {
    name: 'a range across blocks',
    status: 206,
    path: '/big.bin',
    headers: () => ({ range: 'bytes=262000-263000' }),
  },
  {
    name: 'a suffix range',
    status: 206,
    path: '/big.bin',
    headers: () => ({ range: 'bytes=-10' }),
  },
  {
    name: 'an open range',
    status: 206,
    path: '/big.bin',
    headers: () => ({ range: 'bytes=150000-' }),
  },
  {
    name: 'a range past the end, clamped',
    status: 206,
    path: '/big.bin',
    headers: () => ({ range: 'bytes=599990-99999999' }),
  },
  {
    name: 'a suffix longer than the file',
    status: 206,
    path: '/hello.txt',
    headers: () => ({ range: 'bytes=-99999' }),
  },
  {
    name: 'several ranges',
    status: 206,
    path: '/big.bin',
    headers: () => ({ range: 'bytes=0-1,100-109,-3' }),
  },
  {
    name: 'an unsatisfiable range',
    status: 416,
    path: '/big.bin',
    headers: () => ({ range: 'bytes=99999999-' }),
  },
  {
    name: 'a zero-length suffix',
    status: 416,
    path: '/big.bin',
    headers: () => ({ range: 'bytes=-0' }),
  },
  {
    name: 'another range unit',
    status: 200,
    path: '/big.bin',
    headers: () => ({ range: 'items=0-5' }),
  },
  {
    name: 'a range of an empty file',
    status: 200,
    path: '/empty.txt',
    headers: () => ({ range: 'bytes=0-' }),
  },
  {
    name: 'If-Range with its own ETag',
    status: 206,
    path: '/big.bin',
    headers: (f) => ({ range: 'bytes=0-9', 'if-range': etag(f) }),
  },
  {
    name: 'If-Range with another ETag',
    status: 200,
    path: '/big.bin',
    headers: () => ({ range: 'bytes=0-9', 'if-range': '"nope"' }),
  },
  {
    name: 'If-Range with its Last-Modified',
    status: 206,
    path: '/big.bin',
    headers: (f) => ({ range: 'bytes=0-9', 'if-range': modified(f) }),
  },
  {
    name: 'If-Range with an older date',
    status: 200,
    path: '/big.bin',
    headers: () => ({ range: 'bytes=0-9', 'if-range': PAST }),
  },
  {
    name: 'a precompressed sibling',
    status: 200,
    path: '/style.css',
    headers: () => ({ 'accept-encoding': 'gzip' }),
  },
  {
    name: 'a malformed range',
    path: '/big.bin',
    headers: () => ({ range: 'bytes=abc' }),
    differs: { trowel: 200, nginx: 416, why: 'RFC 9110 §14.2: an invalid Range is ignored' },
  },
  {
    name: 'a reversed range',
    path: '/big.bin',
    headers: () => ({ range: 'bytes=9-5' }),
    differs: {
      trowel: 200,
      nginx: 416,
      why: 'RFC 9110 §14.1.1: last-pos < first-pos makes the header invalid, so it is ignored',
    },
  },
  {
    name: 'overlapping ranges',
    path: '/big.bin',
    headers: () => ({ range: 'bytes=0-9,5-14' }),
    differs: {
      trowel: 206,
      nginx: 206,
      why: 'trowel merges them into one part (bytes 0-14, RFC 9110 §14.2 allows it); nginx sends two overlapping parts',
    },
  },
  {
    name: 'HEAD with a range',
    path: '/big.bin',
    method: 'HEAD',
    headers: () => ({ range: 'bytes=0-9' }),
    differs: { trowel: 200, nginx: 206, why: 'RFC 9110 §14.2: Range is defined for GET only' },
  },
  {
    name: 'a dotfile',
    path: '/.env',
    differs: { trowel: 404, nginx: 403, why: 'trowel does not reveal that a refused name exists' },
  },
  {
    name: 'a symlink out of the root',
    path: '/link-out.txt',
    differs: { trowel: 404, nginx: 403, why: 'as for dotfiles: refused names look absent' },
  },
];

const mediaType = (value: string | undefined): string | undefined =>
  value?.split(';')[0]?.trim().toLowerCase();

/** The parts of a multipart/byteranges body: each part's Content-Range and bytes. */
function parts(answer: Answer): { range: string | undefined; body: string }[] {
  const boundary = /boundary=([^;\s]+)/.exec(answer.headers['content-type'] ?? '')?.[1] ?? '';
  return answer.body
    .toString('latin1')
    .split(`--${boundary}`)
    .slice(1, -1)
    .map((part) => {
      const split = part.indexOf('\r\n\r\n');
      const range = /content-range:\s*(.+)/i.exec(part.slice(0, split))?.[1]?.trim();
      return { range, body: part.slice(split + 4, -2) };
    });
}

function location(answer: Answer, origin: string): string | undefined {
  const value = answer.headers['location'];
  if (value === undefined) return undefined;
  const url = new URL(value, origin);
  return url.pathname + url.search;
}

// Made here rather than with scratch(), which empties itself after every test.
let base = '';
let nginx: Nginx | undefined;
let trowel: TrowelServer | undefined;

describe.skipIf(binary === undefined)(
  `staticFiles() and nginx serving the same root${binary === undefined ? ' (skipped: no nginx binary; apt-get install nginx)' : ''}`,
  () => {
    beforeAll(async () => {
      base = realpathSync(mkdtempSync(join(tmpdir(), 'trowel-nginx-root-')));
      fill(base, { 'outside.txt': 'outside the root\n' });
      const root = join(base, 'www');
      fill(root, {
        'index.html': '<h1>home</h1>\n',
        'hello.txt': 'hello, world\n',
        'a b.txt': 'spaced\n',
        'empty.txt': '',
        'big.bin': pattern(600_000),
        'docs/index.html': '<h1>docs</h1>\n',
        'style.css': 'p { margin: 0 }\n'.repeat(40),
        'style.css.gz': gzipSync('p { margin: 0 }\n'.repeat(40)),
        '.env': 'SECRET=1\n',
      });
      fill(root, { 'link-out.txt': { symlink: '../outside.txt' } });
      for (const name of [
        'index.html',
        'hello.txt',
        'a b.txt',
        'empty.txt',
        'big.bin',
        'docs/index.html',
        'style.css',
        'style.css.gz',
      ]) {
        utimesSync(`${root}/${name}`, MTIME, MTIME);
      }
      nginx = await startNginx(binary ?? 'nginx', root);
      trowel = await serve(staticFiles({ root }), { port: 0 });
    });

    afterAll(async () => {
      await nginx?.stop();
      await trowel?.close({ timeout: 0 });
      if (base !== '') rmSync(base, { recursive: true, force: true });
    });

    it.each(CASES)('agrees with nginx on $name', async (c) => {
      const method = c.method ?? 'GET';
      const ask = async (origin: string): Promise<Answer> => {
        const first = await send(origin, c.path, 'GET', {});
        return send(origin, c.path, method, c.headers?.(first) ?? {});
      };
      const nginxOrigin = nginx?.origin ?? '';
      const trowelOrigin = trowel?.url ?? '';
      const [ours, theirs] = await Promise.all([ask(trowelOrigin), ask(nginxOrigin)]);
      if (c.differs !== undefined) {
        expect([ours.status, theirs.status], c.differs.why).toEqual([
          c.differs.trowel,
          c.differs.nginx,
        ]);
        return;
      }
      expect([ours.status, theirs.status]).toEqual([c.status, c.status]);
      if (ours.status >= 400) {
        // Each server's own error page; the 416 range form must agree.
        expect(ours.headers['content-range']).toBe(theirs.headers['content-range']);
        return;
      }
      expect(location(ours, trowelOrigin)).toBe(location(theirs, nginxOrigin));
      if (ours.status >= 300 && ours.status !== 304) return;
      expect(ours.headers['etag'] !== undefined).toBe(theirs.headers['etag'] !== undefined);
      expect(ours.headers['last-modified']).toBe(theirs.headers['last-modified']);
      if (ours.status === 304) {
        expect([ours.body.length, theirs.body.length]).toEqual([0, 0]);
        return;
      }
      expect(mediaType(ours.headers['content-type'])).toBe(
        mediaType(theirs.headers['content-type']),
      );
      expect(ours.headers['content-encoding']).toBe(theirs.headers['content-encoding']);
      expect(ours.headers['content-range']).toBe(theirs.headers['content-range']);
      if (mediaType(ours.headers['content-type']) === 'multipart/byteranges') {
        expect(parts(ours)).toEqual(parts(theirs));
        expect(parts(ours).length).toBeGreaterThan(1);
        return;
      }
      expect(ours.headers['content-length']).toBe(theirs.headers['content-length']);
      expect(Buffer.compare(ours.body, theirs.body)).toBe(0);
    });
  },
);
