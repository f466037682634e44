/**
 * http-proxy (node-http-proxy) on `node:http`: `createProxyServer({ target, agent, xfwd: true })`
 * with a keep-alive agent (without one it opens a connection per request).
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { Agent, createServer } from 'node:http';
import httpProxy from 'http-proxy';
import { announce } from '../lib/announce.ts';
import { startUpstream } from './proxy-upstream.ts';

const upstream = await startUpstream();
const forwarder = httpProxy.createProxyServer({
  target: `http://127.0.0.1:${upstream.port}`,
  agent: new Agent({ keepAlive: true, maxSockets: 256 }),
  xfwd: true,
});
forwarder.on('error', (_error, _req, res) => {
  if ('writeHead' in res && !res.headersSent) res.writeHead(502);
  res.end();
});
const server = createServer((req, res) => {
  forwarder.web(req, res);
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
