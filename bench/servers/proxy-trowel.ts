/**
 * trowel's reverse proxy: `serve(proxy(upstream))` with its defaults (forwarding headers, Via,
 * hop-by-hop filtering, Location rewriting, timeouts, a pooled undici Agent).
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { proxy } from '../../src/proxy/index.ts';
import { serve } from '../../src/server/index.ts';
import { announce } from '../lib/announce.ts';
import { startUpstream } from './proxy-upstream.ts';

const upstream = await startUpstream();
const server = await serve(proxy(`http://127.0.0.1:${upstream.port}`), {
  port: 0,
  host: '127.0.0.1',
});
announce(server.port, async () => {
  await server.close({ timeout: 0 });
  upstream.stop();
});
