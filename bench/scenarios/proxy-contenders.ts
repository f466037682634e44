/**
 * The contenders of the proxy scenarios (proxy-1k, proxy-1m), baseline first: a minimal
 * hand-written node:http proxy (the reference trowel's goal is measured against), trowel,
 * @fastify/http-proxy, http-proxy, and nginx proxy_pass as the limit. Each forwards to its own
 * nginx upstream serving the same files.
 */
import { join } from 'node:path';
import type { Contender } from '../lib/scenario.ts';

const servers = join(import.meta.dirname, '..', 'servers');

/** The proxies, the reference first. */
export const PROXY_CONTENDERS: readonly Contender[] = [
  {
    id: 'node-http',
    label: 'hand-written node:http proxy (reference)',
    program: join(servers, 'proxy-node-http.ts'),
  },
  { id: 'trowel', label: 'trowel serve(proxy())', program: join(servers, 'proxy-trowel.ts') },
  {
    id: 'fastify',
    label: '@fastify/http-proxy on fastify',
    program: join(servers, 'proxy-fastify.ts'),
  },
  { id: 'http-proxy', label: 'http-proxy', program: join(servers, 'proxy-http-proxy.ts') },
  { id: 'nginx', label: 'nginx proxy_pass (the limit)', program: join(servers, 'proxy-nginx.ts') },
];
