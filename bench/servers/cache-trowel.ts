/**
 * trowel's disk cache answering hits: `serve(diskCache({ cacheDir })(origin))` with `/1k.txt`
 * already stored, so every measured request is a hit served from the file.
 *
 * Run by the bench runner; prints `PORT <n>` and exits when stdin closes.
 */
import { serve } from '../../src/server/index.ts';
import { announce } from '../lib/announce.ts';
import { filledCache } from './cache-fill.ts';

const { app } = await filledCache();
const server = await serve(app, { port: 0, host: '127.0.0.1' });
announce(server.port, () => server.close({ timeout: 0 }));
