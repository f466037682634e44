/**
 * `serve()` with `workers: 2` and `handleSignals`: each worker registers a close hook on its first
 * request and answers with its pid; the hook prints `{"hook": pid}` when that worker closes. The
 * primary prints `{"port": n}` once every worker listens.
 */
import { LIFECYCLE } from '../../src/core/keys.ts';
import { serve } from '../../src/server/index.ts';

let registered = false;
await serve(
  (_request, ctx) => {
    if (!registered) {
      registered = true;
      ctx.require(LIFECYCLE).onClose(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        console.log(JSON.stringify({ hook: process.pid }));
      });
    }
    return new Response(String(process.pid));
  },
  {
    port: 0,
    workers: 2,
    handleSignals: true,
    onListen: (info) => {
      console.log(JSON.stringify({ port: info.port }));
    },
  },
);
