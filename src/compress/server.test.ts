/**
 * compress() behind the real server: curl decodes every coding, HEAD and GET agree on the wire,
 * server-sent events arrive one by one, a client that leaves mid-stream frees everything, and a
 * 10 MiB stream arrives whole.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get, type IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Transform } from 'node:stream';
import { promisify } from 'node:util';
import {
  createBrotliDecompress,
  createGunzip,
  createInflate,
  createZstdDecompress,
} from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../../test/helpers/http.ts';
import type { Handler } from '../core/handler.ts';
import { serve, type TrowelServer } from '../server/index.ts';
import { compress, HAS_ZSTD, type Encoding } from './index.ts';

const PAGE = Array.from({ length: 400 }, (_, i) => `<p>Paragraph ${i} of the page.</p>\n`).join('');
const ENCODINGS: Encoding[] = HAS_ZSTD
  ? ['gzip', 'deflate', 'br', 'zstd']
  : ['gzip', 'deflate', 'br'];
const BIG = 10 * 1024 * 1024;
const encoder = new TextEncoder();

// curl names its decoders in `curl -V`: libz for gzip and deflate, brotli, zstd.
const curlFeatures = execFileSync('curl', ['-V'], { encoding: 'utf8' });
const CURL_DECODES: Record<Encoding, boolean> = {
  gzip: /\blibz\b/.test(curlFeatures),
  deflate: /\blibz\b/.test(curlFeatures),
  br: /\bbrotli\b/.test(curlFeatures),
  zstd: /\bzstd\b/.test(curlFeatures),
};

/** A deterministic 10 MiB text, in 64 KiB chunks made on demand. */
function* bigChunks(): Generator<Uint8Array> {
  let line = 0;
  let sent = 0;
  while (sent < BIG) {
    let text = '';
    while (text.length < 65536) text += `line ${line++}: ${(line * 7919) % 104729} lorem ipsum\n`;
    const chunk = encoder.encode(text).subarray(0, Math.min(65536, BIG - sent));
    sent += chunk.byteLength;
    yield chunk;
  }
}

const html = (body: BodyInit): Response =>
  new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8', etag: '"p1"' } });

/** The server's side of the SSE exchange: event n+1 is written only once the client acked n. */
const acks = new Map<string, () => void>();
const written = new Map<string, number>();
const cancelled: ((reason: unknown) => void)[] = [];

function events(id: string): Response {
  let n = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      n++;
      if (n > 1) await new Promise<void>((resolve) => acks.set(`${id}:${n - 1}`, resolve));
      if (n > 3) {
        controller.close();
        return;
      }
      written.set(`${id}:${n}`, performance.now());
      controller.enqueue(encoder.encode(`id: ${n}\ndata: event ${n}\n\n`));
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

function endless(): Response {
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      controller.enqueue(encoder.encode(`data: ${'tick '.repeat(100)}\n\n`));
    },
    cancel(reason) {
      for (const hear of cancelled.splice(0)) hear(reason);
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

const app: Handler = (request) => {
  const url = new URL(request.url);
  const [, what = '', id = ''] = url.pathname.split('/');
  switch (what) {
    case 'page':
      return html(PAGE);
    case 'events':
      return events(id);
    case 'ack':
      acks.get(id)?.();
      return new Response(null, { status: 204 });
    case 'endless':
      return endless();
    case 'big': {
      const chunks = bigChunks();
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = chunks.next();
          if (next.done === true) controller.close();
          else controller.enqueue(next.value);
        },
      });
      return html(body);
    }
    default:
      return new Response('not found', { status: 404 });
  }
};

/** One compress() per coding, each offering only that coding: `/<coding>/page`, … */
const perEncoding = new Map(ENCODINGS.map((e) => [e, compress({ encodings: [e] })(app)]));
const root: Handler = (request, ctx) => {
  const url = new URL(request.url);
  const [, coding = ''] = url.pathname.split('/');
  const handler = perEncoding.get(coding as Encoding);
  if (handler === undefined) return new Response('no such coding', { status: 404 });
  return handler(new Request(new URL(url.pathname.slice(coding.length + 1), url), request), ctx);
};

let server: TrowelServer;
let dir: string;

beforeAll(async () => {
  server = await serve(root, { port: 0, host: '127.0.0.1' });
  dir = await mkdtemp(join(tmpdir(), 'trowel-compress-'));
});

afterAll(async () => {
  await server.close({ timeout: 0 });
  await rm(dir, { recursive: true, force: true });
});

let curls = 0;

async function curl(args: string[]): Promise<{ head: string; body: Buffer }> {
  const headFile = join(dir, `head-${++curls}.txt`);
  const { stdout } = await promisify(execFile)(
    'curl',
    ['-sS', '--compressed', '-D', headFile, ...args],
    { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 },
  );
  return { head: (await readFile(headFile, 'latin1')).toLowerCase(), body: stdout };
}

function decoder(encoding: Encoding): Transform {
  switch (encoding) {
    case 'gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    case 'zstd':
      return createZstdDecompress();
  }
}

describe('compress() under curl --compressed', () => {
  it.for(ENCODINGS)('serves a page curl decodes from %s', async (encoding, { skip }) => {
    if (!CURL_DECODES[encoding]) skip(`this curl cannot decode ${encoding}`);
    const { head, body } = await curl([`${server.url}/${encoding}/page`]);
    expect(head).toContain(`content-encoding: ${encoding}\r\n`);
    expect(head).toContain('vary: accept-encoding\r\n');
    expect(head).toContain('etag: w/"p1"\r\n');
    expect(body.toString('utf8')).toBe(PAGE);
  });

  it('streams a 10 MiB body that curl decodes whole', { timeout: 60_000 }, async () => {
    const file = join(dir, 'big.txt');
    const { head } = await curl(['-o', file, `${server.url}/gzip/big`]);
    expect(head).toContain('content-encoding: gzip\r\n');
    expect(head).toContain('transfer-encoding: chunked\r\n');
    const expected = createHash('sha256');
    for (const chunk of bigChunks()) expected.update(chunk);
    const got = await readFile(file);
    expect(got.byteLength).toBe(BIG);
    expect(createHash('sha256').update(got).digest('hex')).toBe(expected.digest('hex'));
  });
});

describe('compress() on the wire', () => {
  it('answers HEAD with the fields GET has, without a body or Content-Length', async () => {
    const headers = { 'accept-encoding': 'gzip' };
    const getAnswer = await send(server.url, '/gzip/page', 'GET', headers);
    const headAnswer = await send(server.url, '/gzip/page', 'HEAD', headers);
    expect(headAnswer.body.byteLength).toBe(0);
    expect(headAnswer.headers['content-length']).toBeUndefined();
    expect(headAnswer.headers['transfer-encoding']).toBeUndefined();
    for (const name of ['content-encoding', 'vary', 'etag', 'content-type']) {
      expect([name, headAnswer.headers[name]]).toEqual([name, getAnswer.headers[name]]);
    }
  });

  it.each(ENCODINGS)(
    'delivers each server-sent event in %s before the next is written',
    async (encoding) => {
      const id = `sse-${encoding}`;
      const arrived: number[] = [];
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        get(
          `${server.url}/${encoding}/events/${id}`,
          { headers: { 'accept-encoding': encoding } },
          resolve,
        ).on('error', reject);
      });
      expect(res.headers['content-encoding']).toBe(encoding);
      const decoded = res.pipe(decoder(encoding));
      let text = '';
      for await (const chunk of decoded) {
        text += (chunk as Buffer).toString('utf8');
        const count = text.split('\n\n').length - 1;
        while (arrived.length < count) {
          arrived.push(performance.now());
          // Only now may the server write the next event: without a flush per event this
          // exchange could never finish.
          await send(server.url, `/${encoding}/ack/${id}:${arrived.length}`);
        }
      }
      expect(text).toBe([1, 2, 3].map((n) => `id: ${n}\ndata: event ${n}\n\n`).join(''));
      expect(arrived[1]).toBeLessThan(written.get(`${id}:3`) ?? 0);
    },
  );

  it('frees the encoder and cancels the body when the client leaves mid-stream', async () => {
    const problems: unknown[] = [];
    const onProblem = (error: unknown): void => {
      problems.push(error);
    };
    process.on('uncaughtException', onProblem);
    process.on('unhandledRejection', onProblem);
    try {
      const reason = new Promise((resolve) => cancelled.push(resolve));
      await new Promise<void>((resolve, reject) => {
        const req = get(
          `${server.url}/br/endless`,
          { headers: { 'accept-encoding': 'br' } },
          (res) => {
            expect(res.headers['content-encoding']).toBe('br');
            res.once('data', () => {
              req.destroy();
              resolve();
            });
          },
        );
        req.on('error', (error) => {
          if (!req.destroyed) reject(error);
        });
      });
      expect(await reason).toBeInstanceOf(Error);
      const after = await send(server.url, '/br/page', 'GET', { 'accept-encoding': 'br' });
      expect(after.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(problems).toEqual([]);
    } finally {
      process.off('uncaughtException', onProblem);
      process.off('unhandledRejection', onProblem);
    }
  });
});
