/**
 * The static-file root served by trowel: `serve(staticFiles({ root }))` with its defaults (ETag,
 * Last-Modified, precompressed lookup on, symlinks refused, dotfiles denied, no metadata cache).
 * With `--metadata-cache` (or `TROWEL_BENCH_METADATA_CACHE=1` in the environment) it turns on
 * `metadataCache: true`, the 1-second cache of what a revalidation learned about a file.
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { serve } from '../../src/server/index.ts';
import { staticFiles } from '../../src/static/index.ts';
import { announce } from '../lib/announce.ts';
import { makeStaticRoot } from './static-fixture.ts';

const metadataCache =
  process.argv.includes('--metadata-cache') || process.env['TROWEL_BENCH_METADATA_CACHE'] === '1';

const server = await serve(staticFiles({ root: makeStaticRoot(), metadataCache }), {
  port: 0,
  host: '127.0.0.1',
});
announce(server.port, () => server.close());
