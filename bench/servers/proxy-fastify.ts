/**
 * @fastify/http-proxy on fastify: `register(proxy, { upstream })` with its defaults (undici pool).
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import fastifyProxy from '@fastify/http-proxy';
import Fastify from 'fastify';
import { announce } from '../lib/announce.ts';
import { startUpstream } from './proxy-upstream.ts';

const upstream = await startUpstream();
const app = Fastify({ logger: false });
await app.register(fastifyProxy, { upstream: `http://127.0.0.1:${upstream.port}` });
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('no TCP address');
announce(address.port, async () => {
  await app.close();
  upstream.stop();
});
