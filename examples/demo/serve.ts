/**
 * Serves the demo site: `npm start`, then open http://127.0.0.1:8080/.
 * `PORT` and `HOST` override the address.
 */
import { serve } from 'trowel/server';
import { demo } from './app.ts';

const server = await serve(demo, {
  port: Number(process.env['PORT'] ?? 8080),
  host: process.env['HOST'] ?? '127.0.0.1',
});
console.log(`trowel demo: serving on ${server.url}`);
