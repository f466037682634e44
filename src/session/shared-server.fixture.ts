/**
 * A trowel server process keeping sessions in Redis, for the test that two processes share them.
 * Usage: shared-server.fixture.ts <redis-url>. Prints its URL once listening. GET /put?v=… stores
 * `v`; GET / answers the stored `v` (or `none`) and this process's pid.
 */
import { serve } from '../server/index.ts';
import { session } from './middleware.ts';
import { RedisStore } from './redis-store.ts';
import { SESSION } from './session.ts';

const store = new RedisStore({ url: process.argv[2] ?? '', prefix: 'shared-test:' });
const server = await serve(
  session({ store })(async (request, ctx) => {
    const s = ctx.require(SESSION);
    const v = new URL(request.url).searchParams.get('v');
    if (v !== null) await s.set('v', v);
    return Response.json({ v: (await s.get('v')) ?? 'none', pid: process.pid });
  }),
  { port: 0, host: '127.0.0.1' },
);
console.log(server.url);
process.on('SIGTERM', () => {
  void server.close().then(() => store.close());
});
