/**
 * The server side of the runner's protocol: a benchmark server prints `PORT <n>` as its first line
 * of stdout once it listens, and exits when its stdin closes. Closing stdin, rather than a signal,
 * also covers a runner that died without cleaning up: the pipe closes with it.
 */

/**
 * Announces the port to the runner and arranges for `close` then exit when stdin ends.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * const server = createServer((req, res) => res.end('hi')).listen(0, '127.0.0.1', () => {
 *   const address = server.address();
 *   if (typeof address === 'object' && address) announce(address.port, () => server.close());
 * });
 * ```
 */
export function announce(port: number, close: () => unknown): void {
  process.stdin.on('end', () => {
    void Promise.resolve(close()).finally(() => process.exit(0));
    // A server with keep-alive connections still open may take its time to close; do not wait.
    setTimeout(() => process.exit(0), 1000).unref();
  });
  process.stdin.resume();
  process.stdout.write(`PORT ${port}\n`);
}
