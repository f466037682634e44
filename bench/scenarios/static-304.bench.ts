/**
 * static-304: `GET /1k.txt` with `If-None-Match` carrying each contender's own ETag (taken from a
 * plain GET before the load), answered 304 without a body: the cost of revalidation, which is
 * most of what a browser with a warm cache asks a static server.
 */
import { defineScenario, type Scenario } from '../lib/scenario.ts';
import { STATIC_CONTENDERS } from './static-contenders.ts';

const scenario: Scenario = defineScenario({
  name: 'static-304',
  description: 'GET /1k.txt with If-None-Match: <its ETag> → 304, no body',
  path: '/1k.txt',
  baseline: 'sirv',
  contenders: STATIC_CONTENDERS,
  headers: (first) => ({ 'if-none-match': first.headers.get('etag') ?? '' }),
  expect: { status: 304, body: '', headers: {} },
});

export default scenario;
