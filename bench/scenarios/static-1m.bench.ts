/**
 * static-1m: `GET /1m.txt`, a 1 MiB file, from the same contenders as static-1k. Large files are
 * where streaming shows: reads, copies and backpressure (nginx uses sendfile).
 */
import { defineScenario, type Scenario } from '../lib/scenario.ts';
import { staticBody } from '../servers/static-fixture.ts';
import { STATIC_CONTENDERS } from './static-contenders.ts';

const SIZE = 1024 * 1024;

const scenario: Scenario = defineScenario({
  name: 'static-1m',
  description: 'GET /1m.txt → 200, 1 MiB from disk (page cache)',
  path: '/1m.txt',
  baseline: 'sirv',
  contenders: STATIC_CONTENDERS,
  expect: { status: 200, body: staticBody(SIZE), headers: { 'content-length': String(SIZE) } },
});

export default scenario;
