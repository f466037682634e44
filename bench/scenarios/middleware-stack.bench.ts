/**
 * middleware-stack: the hello-world handler served by trowel's `serve()`, bare (the baseline) and
 * behind `compose()` of 10 no-op middlewares. The difference is the price of composition itself,
 * reported as 1 − ratio: the share of throughput ten layers cost when they do nothing.
 */
import { join } from 'node:path';
import { HELLO_BODY, HELLO_CONTENT_TYPE } from '../lib/hello.ts';
import { defineScenario, type ContenderOutcome, type Scenario } from '../lib/scenario.ts';

const LAYERS = 10;
const program = join(import.meta.dirname, '..', 'servers', 'trowel.ts');

function cost(outcomes: readonly ContenderOutcome[]): string | null {
  const bare = outcomes.find((o) => o.id === 'bare');
  const stacked = outcomes.find((o) => o.id === 'stack');
  if (!bare || !stacked) return null;
  // The server saturates its one core, so 1 / (req/s) is the server CPU time per request.
  const nsPerLayer = ((1 / stacked.medianRps - 1 / bare.medianRps) * 1e9) / LAYERS;
  const cost = 1 - stacked.ratio;
  // A difference smaller than the rounds' own scatter is not a measurement of the stack.
  const noise = Math.max(bare.spread, stacked.spread);
  return (
    `${LAYERS} no-op middlewares cost ${(cost * 100).toFixed(1)}% of throughput ` +
    `(1 − ratio), about ${Math.round(nsPerLayer)} ns per middleware per request` +
    (Math.abs(cost) <= noise
      ? `; within the rounds' scatter of ±${(noise * 100).toFixed(1)}%, so not distinguishable from 0`
      : '')
  );
}

const scenario: Scenario = defineScenario({
  name: 'middleware-stack',
  description: `trowel serve() of the hello handler, bare vs behind compose() of ${LAYERS} no-op middlewares`,
  path: '/',
  baseline: 'bare',
  contenders: [
    { id: 'bare', label: 'trowel, bare handler', program, args: ['--middleware', '0'] },
    {
      id: 'stack',
      label: `trowel, ${LAYERS} no-op middlewares`,
      program,
      args: ['--middleware', String(LAYERS)],
    },
  ],
  expect: {
    status: 200,
    body: HELLO_BODY,
    headers: { 'content-type': HELLO_CONTENT_TYPE },
  },
  summarize: cost,
});

export default scenario;
