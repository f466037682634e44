/**
 * A trowel server with diskCache() on a shared cache directory, for the shared-storage tests.
 * Usage: shared-server.fixture.ts <cacheDir> <name>. Prints `{"port": n}` once listening; the
 * application answers `from <name>` as `text/x-<name>` and counts nothing itself.
 */
import { diskCache } from '../../src/disk-cache/index.ts';
import { serve } from '../../src/server/index.ts';

const [cacheDir = '', name = 'x'] = process.argv.slice(2);
const server = await serve(
  diskCache({ cacheDir })(
    (request) =>
      new Response(request.method === 'GET' ? `from ${name}` : null, {
        status: request.method === 'GET' ? 200 : 204,
        headers: { 'content-type': `text/x-${name}` },
      }),
  ),
  { port: 0, host: '127.0.0.1' },
);
console.log(JSON.stringify({ port: server.port }));
process.on('SIGTERM', () => {
  void server.close().then(() => process.exit(0));
});
