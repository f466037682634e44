/**
 * The disk cache the cache scenarios serve: a scratch directory (removed on exit) with `/1k.txt`
 * stored by `diskCache()` in front of an origin that answers with the static-file bytes, so the
 * entry on disk is exactly what a real miss leaves there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '../../src/core/context.ts';
import type { Handler } from '../../src/core/handler.ts';
import { diskCache } from '../../src/disk-cache/index.ts';
import { staticBody } from './static-fixture.ts';

/** The origin: `text/plain` bytes of the size the path names. */
export const origin: Handler = (request) => {
  const size = new URL(request.url).pathname === '/1m.txt' ? 1024 * 1024 : 1024;
  return new Response(staticBody(size), { headers: { 'content-type': 'text/plain' } });
};

/**
 * A new cache directory with `/1k.txt` stored, and the cached handler in front of {@link origin}.
 *
 * @example
 * ```ts
 * const { dir, app } = await filledCache();
 * ```
 */
export async function filledCache(): Promise<{ readonly dir: string; readonly app: Handler }> {
  const dir = mkdtempSync(join(tmpdir(), 'trowel-bench-cache-'));
  process.on('exit', () => {
    rmSync(dir, { recursive: true, force: true });
  });
  const app = diskCache({ cacheDir: dir })(origin);
  const request = new Request('http://127.0.0.1/1k.txt');
  const response = await app(request, new Context(request, { remoteAddr: '127.0.0.1' }));
  await response.arrayBuffer();
  // The store commits once the body has been read to its end.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { dir, app };
}
