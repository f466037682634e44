/**
 * proxy-1k: `GET /1k.txt` through each reverse proxy to an nginx upstream serving the file.
 * Small responses show the per-request cost of the proxy: parsing, headers, the pool.
 */
import { defineScenario, type Scenario } from '../lib/scenario.ts';
import { staticBody } from '../servers/static-fixture.ts';
import { PROXY_CONTENDERS } from './proxy-contenders.ts';

const SIZE = 1024;

const scenario: Scenario = defineScenario({
  name: 'proxy-1k',
  description: 'GET /1k.txt through the proxy → 200, 1 KiB from an nginx upstream',
  path: '/1k.txt',
  baseline: 'node-http',
  contenders: PROXY_CONTENDERS,
  expect: { status: 200, body: staticBody(SIZE), headers: { 'content-length': String(SIZE) } },
});

export default scenario;
