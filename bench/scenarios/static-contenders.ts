/**
 * The contenders of the static-file scenarios (static-1k, static-1m, static-304), baseline first:
 * sirv, which trowel's goal is measured against, then trowel, serve-static and nginx.
 */
import { join } from 'node:path';
import type { Contender } from '../lib/scenario.ts';

const servers = join(import.meta.dirname, '..', 'servers');

/** sirv (baseline), trowel (plain and with its metadata cache), serve-static, nginx. */
export const STATIC_CONTENDERS: readonly Contender[] = [
  { id: 'sirv', label: 'sirv on node:http', program: join(servers, 'static-sirv.ts') },
  {
    id: 'trowel',
    label: 'trowel serve(staticFiles())',
    program: join(servers, 'static-trowel.ts'),
  },
  {
    id: 'trowel-cache',
    label: 'trowel serve(staticFiles({ metadataCache: true }))',
    program: join(servers, 'static-trowel.ts'),
    args: ['--metadata-cache'],
  },
  {
    id: 'serve-static',
    label: 'serve-static on node:http',
    program: join(servers, 'static-serve-static.ts'),
  },
  { id: 'nginx', label: 'nginx (the limit)', program: join(servers, 'static-nginx.ts') },
];
