/**
 * hello-world: `GET /` answered with `200 Hello, world!` (text/plain, 13 bytes), the smallest
 * request a server can serve. It measures the fixed cost per request of each way to serve a
 * handler on Node: raw `node:http` (the floor), trowel's `serve()` (node:http → `Request` →
 * handler → `Response` → node:http), and Hono on `@hono/node-server`, the Fetch-style adapter a
 * user would otherwise pick.
 */
import { join } from 'node:path';
import { HELLO_BODY, HELLO_CONTENT_TYPE } from '../lib/hello.ts';
import { defineScenario, type Scenario } from '../lib/scenario.ts';

const servers = join(import.meta.dirname, '..', 'servers');

const scenario: Scenario = defineScenario({
  name: 'hello-world',
  description: 'GET / → 200 "Hello, world!" text/plain: the fixed cost of serving one request',
  path: '/',
  baseline: 'node-http',
  contenders: [
    { id: 'node-http', label: 'node:http', program: join(servers, 'node-http.ts') },
    { id: 'trowel', label: 'trowel serve()', program: join(servers, 'trowel.ts') },
    { id: 'hono', label: 'hono + @hono/node-server', program: join(servers, 'hono.ts') },
  ],
  expect: {
    status: 200,
    body: HELLO_BODY,
    headers: {
      'content-type': HELLO_CONTENT_TYPE,
      'content-length': String(Buffer.byteLength(HELLO_BODY)),
    },
  },
});

export default scenario;
