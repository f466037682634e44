/**
 * The static-file root served by sirv on `node:http`, with `etag: true` (off by default in sirv;
 * on here because every other contender sends validators and the 304 scenario needs one) and its
 * production mode, which reads the file list once at start and never calls `stat` per request.
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { createServer } from 'node:http';
import sirv from 'sirv';
import { announce } from '../lib/announce.ts';
import { makeStaticRoot } from './static-fixture.ts';

const assets = sirv(makeStaticRoot(), { etag: true, dev: false });
const server = createServer((req, res) => {
  assets(req, res, () => {
    res.statusCode = 404;
    res.end();
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  announce(address.port, () => {
    server.close();
    server.closeAllConnections();
  });
});
