/**
 * A program run under `startReloader()` for the tests: the primary prints each event as a JSON
 * line (and `{"type":"start-failed"}` with the status when the first start fails); each worker
 * serves the `app` export of the module named by `APP` with trowel/server.
 */
import cluster from 'node:cluster';
import { serve } from '../server/index.ts';
import type { Handler } from '../core/handler.ts';
import { joinReloader, ReloaderStartError, startReloader } from './index.ts';

if (cluster.isPrimary) {
  const reloader = startReloader({
    debounce: 50,
    onEvent: (event) => {
      console.log(JSON.stringify(event));
    },
  });
  reloader.started.catch((error: unknown) => {
    const status = error instanceof ReloaderStartError ? error.exitCode : 1;
    console.log(JSON.stringify({ type: 'start-failed', status }));
    process.exit(status);
  });
  process.once('SIGTERM', () => {
    void reloader.close().then(() => process.exit(0));
  });
} else {
  const worker = joinReloader();
  let app: Handler;
  try {
    ({ app } = (await import(process.env['APP'] ?? '')) as { app: Handler });
  } catch (error) {
    console.error(`cannot import the app: ${String(error)}`);
    await worker.flush();
    process.exit(2);
  }
  const server = await serve(app, { port: 0 });
  worker.onStop(() => server.close());
  worker.ready(server.url);
}
