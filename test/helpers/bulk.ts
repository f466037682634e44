/**
 * Large bodies over a real socket, for the memory tests: an upload streamed from a generator in
 * 256 KiB chunks and a download counted as it arrives, neither ever held whole in the test's
 * memory; and the memory growth a `--expose-gc` fixture reports as `{ baseline, peak }`. Not for
 * checking what a body contains: only its first kilobyte or so is kept.
 */
import { request } from 'node:http';
import { Readable } from 'node:stream';

const CHUNK = 256 * 1024;

/** What {@link exchange} resolves with. */
export interface Exchanged {
  readonly status: number;
  /** How many body bytes arrived. */
  readonly bytes: number;
  /** The start of the body (at least its first 1000 characters), as latin1. */
  readonly text: string;
}

function* chunks(total: number): Generator<Buffer> {
  const chunk = Buffer.alloc(CHUNK, 'u');
  for (let sent = 0; sent < total; sent += chunk.byteLength) {
    yield total - sent >= chunk.byteLength ? chunk : chunk.subarray(0, total - sent);
  }
}

/**
 * Sends GET `path` to 127.0.0.1:`port`, or POST with an `upload`-byte body when `upload` is
 * given, and counts the answer's bytes as they arrive.
 *
 * @example
 * ```ts
 * const res = await exchange(port, '/upload', 100 * 1024 * 1024);
 * res.text; // what the server said about it
 * ```
 */
export function exchange(port: number, path: string, upload?: number): Promise<Exchanged> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: upload === undefined ? 'GET' : 'POST',
        headers: upload === undefined ? {} : { 'content-length': upload },
      },
      (res) => {
        let bytes = 0;
        let text = '';
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.byteLength;
          if (text.length < 1000) text += chunk.toString('latin1');
        });
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, bytes, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (upload === undefined) req.end();
    else Readable.from(chunks(upload)).pipe(req);
  });
}

/**
 * How far the fixture's resident memory grew: the peak minus the baseline it reports at `path`.
 *
 * @example
 * ```ts
 * expect(await memoryGrowth(port, '/rss')).toBeLessThan(64 * 1024 * 1024);
 * ```
 */
export async function memoryGrowth(port: number, path: string): Promise<number> {
  const rss = JSON.parse((await exchange(port, path)).text) as { baseline: number; peak: number };
  return rss.peak - rss.baseline;
}
