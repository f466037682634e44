/**
 * The baseline a user would write without any framework: a bare `node:http` server answering every
 * request with the hello-world response, headers given to `writeHead` in one call.
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { createServer } from 'node:http';
import { announce } from '../lib/announce.ts';
import { HELLO_BODY, HELLO_CONTENT_TYPE } from '../lib/hello.ts';

const body = Buffer.from(HELLO_BODY);
const server = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': HELLO_CONTENT_TYPE, 'content-length': body.length });
  res.end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  announce(address.port, () => {
    server.close();
    server.closeAllConnections();
  });
});
