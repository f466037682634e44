/**
 * The static-file root served by serve-static (Express's static middleware, on `send`) on
 * `node:http`, with its defaults (weak ETag, Last-Modified, `Cache-Control: public, max-age=0`).
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { createServer } from 'node:http';
import serveStatic from 'serve-static';
import { announce } from '../lib/announce.ts';
import { makeStaticRoot } from './static-fixture.ts';

const assets = serveStatic(makeStaticRoot());
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
