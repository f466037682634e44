/**
 * proxy-1m: `GET /1m.txt` through each reverse proxy to an nginx upstream serving the file.
 * Large responses show how the body is moved: streaming, backpressure, copies.
 */
import { defineScenario, type Scenario } from '../lib/scenario.ts';
import { staticBody } from '../servers/static-fixture.ts';
import { PROXY_CONTENDERS } from './proxy-contenders.ts';

const SIZE = 1024 * 1024;

const scenario: Scenario = defineScenario({
  name: 'proxy-1m',
  description: 'GET /1m.txt through the proxy → 200, 1 MiB from an nginx upstream',
  path: '/1m.txt',
  baseline: 'node-http',
  contenders: PROXY_CONTENDERS,
  expect: { status: 200, body: staticBody(SIZE), headers: { 'content-length': String(SIZE) } },
});

export default scenario;
