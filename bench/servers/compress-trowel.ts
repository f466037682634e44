/**
 * trowel's contender in compress-100k: `serve(compress({ level: 6 })(handler))`, the handler
 * returning the page as a string in a `Response`. Everything else is compress()'s default (br,
 * zstd, gzip and deflate offered, the client's `Accept-Encoding: gzip` picks gzip).
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { compress } from '../../src/compress/index.ts';
import { serve } from '../../src/server/index.ts';
import { announce } from '../lib/announce.ts';
import { PAGE, PAGE_CONTENT_TYPE } from './compress-page.ts';

const handler = compress({ level: 6 })(
  () => new Response(PAGE, { headers: { 'content-type': PAGE_CONTENT_TYPE } }),
);
const server = await serve(handler, { port: 0, host: '127.0.0.1' });
announce(server.port, () => server.close());
