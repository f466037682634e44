/**
 * The reference proxy: a minimal hand-written `node:http` reverse proxy — `http.request` on a
 * keep-alive agent, the client's headers passed on with `Host` replaced, the upstream's status and
 * headers written back, both bodies piped. No hop-by-hop filtering, no forwarding headers, no
 * error mapping beyond a 502: the least a proxy can do on node:http.
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { Agent, createServer, request } from 'node:http';
import { announce } from '../lib/announce.ts';
import { startUpstream } from './proxy-upstream.ts';

const upstream = await startUpstream();
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const server = createServer((req, res) => {
  const outgoing = request(
    {
      host: '127.0.0.1',
      port: upstream.port,
      method: req.method,
      path: req.url,
      headers: { ...req.headers, host: `127.0.0.1:${upstream.port}` },
      agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  outgoing.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(outgoing);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  announce(address.port, () => {
    server.close();
    server.closeAllConnections();
    upstream.stop();
  });
});
