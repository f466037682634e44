/**
 * The hello-world handler served by trowel's `serve()`, optionally behind a stack of no-op
 * middlewares: `--middleware <n>` wraps it in `compose(...n no-ops)`, where a no-op is
 * `(next) => (req, ctx) => next(req, ctx)`, so the difference from `--middleware 0` is the cost of
 * composition alone.
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { parseArgs } from 'node:util';
import { compose, type Handler, type Middleware } from '../../src/core/index.ts';
import { serve } from '../../src/server/index.ts';
import { announce } from '../lib/announce.ts';
import { hello } from '../lib/hello.ts';

const { values } = parseArgs({ options: { middleware: { type: 'string', default: '0' } } });
const count = Number(values.middleware);
if (!Number.isInteger(count) || count < 0 || count > 1000) {
  throw new Error(`--middleware must be an integer from 0 to 1000, got ${values.middleware}`);
}

const noop: Middleware = (next) => (req, ctx) => next(req, ctx);
const handler: Handler =
  count === 0 ? hello : compose(...Array.from({ length: count }, () => noop))(hello);

const server = await serve(handler, { port: 0, host: '127.0.0.1' });
announce(server.port, () => server.close());
