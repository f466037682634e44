/**
 * @fastify/compress on fastify: registered globally with zlib level 6 and its other defaults, one
 * route sending the page as a string.
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import fastifyCompress from '@fastify/compress';
import Fastify from 'fastify';
import { announce } from '../lib/announce.ts';
import { PAGE, PAGE_CONTENT_TYPE } from './compress-page.ts';

const app = Fastify({ logger: false });
await app.register(fastifyCompress, { global: true, zlibOptions: { level: 6 } });
app.get('/', (_request, reply) => reply.type(PAGE_CONTENT_TYPE).send(PAGE));
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (address === null || typeof address === 'string') throw new Error('no TCP address');
announce(address.port, () => app.close());
