/**
 * The static-file root served by trowel: `serve(staticFiles({ root }))` with its defaults (ETag,
 * Last-Modified, precompressed lookup on, symlinks refused, dotfiles denied).
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { serve } from '../../src/server/index.ts';
import { staticFiles } from '../../src/static/index.ts';
import { announce } from '../lib/announce.ts';
import { makeStaticRoot } from './static-fixture.ts';

const server = await serve(staticFiles({ root: makeStaticRoot() }), {
  port: 0,
  host: '127.0.0.1',
});
announce(server.port, () => server.close());
