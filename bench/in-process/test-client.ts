/**
 * The in-process test client against the alternatives, in one run: 5000 sequential `GET /`
 * requests through
 *
 * - the handler called directly with `new Request` and a `Context`, body read (the floor);
 * - trowel's `TestApp`, with `lint()` on (its default) and off;
 * - light-my-request's `inject()` on an equivalent `node:http` handler;
 * - supertest on the same `node:http` handler, listening once on a loopback port;
 * - Hono's `app.request()`.
 *
 * Every contender reads the whole body and gets the same status, type and bytes. Contenders are
 * interleaved over rounds and the median round is reported, as a Markdown table on stdout.
 *
 * Run: `node_modules/.bin/node bench/in-process/test-client.ts [--requests 5000] [--rounds 11]`
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { Hono } from 'hono';
import { inject } from 'light-my-request';
import supertest from 'supertest';
import { Context } from '../../src/core/context.ts';
import type { Handler } from '../../src/core/handler.ts';
import { TestApp } from '../../src/testing/index.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '11' },
  },
});
const REQUESTS = Math.min(Math.max(Number(values.requests), 100), 100_000);
const ROUNDS = Math.min(Math.max(Number(values.rounds), 1), 50);

const BODY = 'Hello, world!';
const TYPE = 'text/plain; charset=utf-8';

const fetchHandler: Handler = () => new Response(BODY, { headers: { 'content-type': TYPE } });
const nodeHandler = (_req: IncomingMessage, res: ServerResponse): void => {
  res.writeHead(200, { 'content-type': TYPE, 'content-length': Buffer.byteLength(BODY) });
  res.end(BODY);
};

const hono = new Hono();
hono.get('/', (c) => c.text(BODY));

const linted = new TestApp(fetchHandler);
const bare = new TestApp(fetchHandler, { lint: false });

const server = createServer(nodeHandler);
await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
const agent = supertest(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);

interface Contender {
  readonly id: string;
  readonly label: string;
  /** One request; resolves to [status, body]. */
  readonly once: () => Promise<readonly [number, string]>;
}

const decoder = new TextDecoder();
const contenders: Contender[] = [
  {
    id: 'direct',
    label: 'handler called directly (floor)',
    once: async () => {
      const request = new Request('http://localhost/');
      const response = await fetchHandler(
        request,
        new Context(request, { remoteAddr: '127.0.0.1' }),
      );
      return [response.status, decoder.decode(await response.arrayBuffer())];
    },
  },
  {
    id: 'testapp',
    label: 'trowel TestApp, lint on (default)',
    once: async () => {
      const res = await linted.get('/');
      return [res.status, res.text];
    },
  },
  {
    id: 'testapp-nolint',
    label: 'trowel TestApp, lint off',
    once: async () => {
      const res = await bare.get('/');
      return [res.status, res.text];
    },
  },
  {
    id: 'light-my-request',
    label: 'light-my-request inject()',
    once: async () => {
      const res = await inject(nodeHandler, { method: 'GET', url: '/' });
      return [res.statusCode, res.payload];
    },
  },
  {
    id: 'supertest',
    label: 'supertest (loopback socket)',
    once: async () => {
      const res = await agent.get('/');
      return [res.status, res.text];
    },
  },
  {
    id: 'hono',
    label: 'Hono app.request()',
    once: async () => {
      const res = await hono.request('/');
      return [res.status, await res.text()];
    },
  },
];

async function run(contender: Contender, count: number): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const [status, body] = await contender.once();
    if (status !== 200 || body !== BODY) {
      throw new Error(`${contender.id} answered ${status} ${JSON.stringify(body)}`);
    }
  }
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

const times = new Map<string, number[]>(contenders.map((c) => [c.id, []]));
for (const c of contenders) await run(c, Math.min(REQUESTS, 2000)); // warm-up (JIT, lazy imports)
for (let round = 0; round < ROUNDS; round++) {
  // Rotate the order each round so no contender always runs right after another's garbage.
  const order = contenders.map((_, i) => contenders[(i + round) % contenders.length] as Contender);
  for (const c of order) times.get(c.id)?.push(await run(c, REQUESTS));
  process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
}
server.close();

const floor = median(times.get('direct') ?? []);
const lmr = median(times.get('light-my-request') ?? []);
const lines = [
  `${REQUESTS} sequential GETs, median of ${ROUNDS} rounds, Node ${process.version}`,
  '',
  '| contender | ms per run | µs per request | × the direct call | light-my-request ÷ this |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...contenders.map((c) => {
    const ms = median(times.get(c.id) ?? []);
    return `| ${c.label} | ${ms.toFixed(1)} | ${((ms * 1000) / REQUESTS).toFixed(2)} | ${(ms / floor).toFixed(2)} | ${(lmr / ms).toFixed(2)} |`;
  }),
];
process.stdout.write(`${lines.join('\n')}\n`);
