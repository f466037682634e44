/**
 * A trowel server running `proxy(<upstream>)` whose memory the test watches, in a process of its
 * own so that the test's client and upstream do not count. GET /__rss answers the RSS baseline
 * (taken once it listens) and the peak since then; everything else is proxied.
 *
 * Run with `--expose-gc` and the upstream URL as the argument: it collects garbage before each
 * 20 ms sample, so the figure is memory the proxy holds on to, not how lazily V8 frees spent
 * buffers. Prints `{"port": n}` once it listens; exits when stdin closes.
 */
import { serve } from '../server/index.ts';
import { proxy } from './index.ts';

const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error('run with --expose-gc');
const target = process.argv[2];
if (target === undefined) throw new Error('usage: memory.fixture.ts <upstream url>');

let baseline = 0;
let peak = 0;
const forward = proxy(target);
const server = await serve(
  (request, ctx) =>
    ctx.pathInfo === '/__rss' ? Response.json({ baseline, peak }) : forward(request, ctx),
  { port: 0, host: '127.0.0.1', maxBodySize: Infinity },
);

collect();
baseline = process.memoryUsage.rss();
peak = baseline;
const sampler = setInterval(() => {
  collect();
  peak = Math.max(peak, process.memoryUsage.rss());
}, 20);
process.stdin.resume();
process.stdin.on('end', () => {
  clearInterval(sampler);
  void server.close({ timeout: 0 });
});
console.log(JSON.stringify({ port: server.port }));
