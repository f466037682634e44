/**
 * compress-100k: `GET /` with `Accept-Encoding: gzip`, answered with a 100 KiB HTML page gzipped
 * at level 6 per request: trowel's `compress()` against node:zlib used directly (the reference),
 * express's `compression` on node:http and @fastify/compress on fastify. Compression dominates
 * the cost, so this measures what each adds around the same zlib work.
 */
import { join } from 'node:path';
import { defineScenario, type Scenario } from '../lib/scenario.ts';
import { PAGE, PAGE_CONTENT_TYPE } from '../servers/compress-page.ts';

const servers = join(import.meta.dirname, '..', 'servers');

const scenario: Scenario = defineScenario({
  name: 'compress-100k',
  description: 'GET / with Accept-Encoding: gzip → 200, a 100 KiB HTML page gzipped at level 6',
  path: '/',
  baseline: 'zlib',
  contenders: [
    {
      id: 'zlib',
      label: 'node:http + zlib.gzip (reference)',
      program: join(servers, 'compress-zlib.ts'),
    },
    {
      id: 'trowel',
      label: 'trowel serve(compress())',
      program: join(servers, 'compress-trowel.ts'),
    },
    {
      id: 'compression',
      label: 'compression on node:http',
      program: join(servers, 'compress-compression.ts'),
    },
    {
      id: 'fastify',
      label: '@fastify/compress on fastify',
      program: join(servers, 'compress-fastify.ts'),
    },
  ],
  headers: () => ({ 'accept-encoding': 'gzip' }),
  expect: {
    status: 200,
    body: PAGE,
    headers: { 'content-type': PAGE_CONTENT_TYPE, 'content-encoding': 'gzip' },
  },
});

export default scenario;
