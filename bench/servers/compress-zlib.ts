/**
 * The reference of compress-100k: what a user writes with node:zlib alone. A bare `node:http`
 * server renders the page (a string) and gzips it per request with `zlib.gzip` at level 6, on
 * zlib's thread pool as a server must (the `Sync` form would block the event loop for every
 * request), then sends it with its `Content-Length`. No negotiation: the scenario always accepts
 * gzip.
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { createServer } from 'node:http';
import { gzip } from 'node:zlib';
import { announce } from '../lib/announce.ts';
import { PAGE, PAGE_CONTENT_TYPE } from './compress-page.ts';

const server = createServer((_req, res) => {
  gzip(PAGE, { level: 6 }, (error, body) => {
    if (error) {
      res.destroy(error);
      return;
    }
    res.writeHead(200, {
      'content-type': PAGE_CONTENT_TYPE,
      'content-encoding': 'gzip',
      vary: 'Accept-Encoding',
      'content-length': body.byteLength,
    });
    res.end(body);
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
