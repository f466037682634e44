/**
 * Serves the demo site from code, without a config file:
 * `node_modules/.bin/node --conditions=source examples/demo/serve.ts`, then open
 * http://127.0.0.1:8080/ (`PORT` and `HOST` override the address). `npm start` serves the same
 * site through `site.ini` and `trowel serve` instead.
 */
import { serve } from 'trowel/server';
import { demo } from './app.ts';

const server = await serve(demo, {
  port: Number(process.env['PORT'] ?? 8080),
  host: process.env['HOST'] ?? '127.0.0.1',
});
console.log(`trowel demo: serving on ${server.url}`);
