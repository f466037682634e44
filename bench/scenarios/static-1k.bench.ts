/**
 * static-1k: `GET /1k.txt`, a 1 KiB file, from trowel's `serve(staticFiles())`, sirv and
 * serve-static on `node:http`, and nginx as the limit. Small files are where the per-request cost
 * of the server and of the file lookup shows.
 */
import { defineScenario, type Scenario } from '../lib/scenario.ts';
import { staticBody } from '../servers/static-fixture.ts';
import { STATIC_CONTENDERS } from './static-contenders.ts';

const scenario: Scenario = defineScenario({
  name: 'static-1k',
  description: 'GET /1k.txt → 200, 1024 bytes from disk (page cache)',
  path: '/1k.txt',
  baseline: 'sirv',
  contenders: STATIC_CONTENDERS,
  expect: { status: 200, body: staticBody(1024), headers: { 'content-length': '1024' } },
});

export default scenario;
