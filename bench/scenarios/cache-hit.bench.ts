/**
 * cache-hit: `GET /1k.txt` answered from a disk cache: trowel's `diskCache()` hit, sirv serving
 * the same bytes from disk (the Node reference a user would otherwise reach for), and nginx serving
 * trowel's cache directory directly (the limit).
 */
import { join } from 'node:path';
import { defineScenario, type Scenario } from '../lib/scenario.ts';
import { staticBody } from '../servers/static-fixture.ts';

const servers = join(import.meta.dirname, '..', 'servers');

const scenario: Scenario = defineScenario({
  name: 'cache-hit',
  description: 'GET /1k.txt → 200, 1024 bytes from a disk cache (page cache)',
  path: '/1k.txt',
  baseline: 'sirv',
  contenders: [
    { id: 'sirv', label: 'sirv on node:http', program: join(servers, 'static-sirv.ts') },
    {
      id: 'trowel',
      label: 'trowel serve(diskCache()), a hit',
      program: join(servers, 'cache-trowel.ts'),
    },
    {
      id: 'nginx',
      label: 'nginx serving the cache directory (the limit)',
      program: join(servers, 'cache-nginx.ts'),
    },
  ],
  expect: { status: 200, body: staticBody(1024), headers: { 'content-length': '1024' } },
});

export default scenario;
