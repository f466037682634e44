/**
 * express's `compression` middleware (level 6, its other defaults) on a bare `node:http` server,
 * without express itself: the middleware only needs Node's `req`/`res`. The page is written with
 * `res.end(string)` as an express `res.send` would.
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import compression from 'compression';
import { announce } from '../lib/announce.ts';
import { PAGE, PAGE_CONTENT_TYPE } from './compress-page.ts';

// Its types ask for express's req/res; at run time it uses only what node:http's have.
type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;
const compressed = compression({ level: 6 }) as unknown as NodeMiddleware;
const server = createServer((req, res) => {
  compressed(req, res, () => {
    res.setHeader('content-type', PAGE_CONTENT_TYPE);
    res.end(PAGE);
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
