/**
 * The upstream every proxy scenario forwards to: nginx serving the static-file root (`1k.txt`,
 * `1m.txt`), started as a child of the proxy program so that it runs on the same pinned core and
 * its CPU is counted with the proxy's. nginx is the cheapest upstream there is, so what differs
 * between contenders is the proxy.
 */
import { startNginx, type Nginx } from './nginx.ts';
import { makeStaticRoot } from './static-fixture.ts';

/**
 * Starts the upstream and returns it.
 *
 * @example
 * ```ts
 * const upstream = await startUpstream();
 * const target = `http://127.0.0.1:${upstream.port}`;
 * ```
 */
export function startUpstream(): Promise<Nginx> {
  return startNginx(`root ${makeStaticRoot()};`);
}
