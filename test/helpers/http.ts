/**
 * One HTTP/1.1 request over a fresh `node:http` connection, with the answer as received on the
 * wire: for tests that compare servers (trowel and nginx) request for request. The path is sent as
 * given, never normalised, so `%2F` or `%2e` reach the server untouched. Not for tests of one
 * trowel handler: `trowel/testing` needs no socket.
 */
import { request } from 'node:http';

/** One server's answer, as received on the wire. */
export interface Answer {
  readonly status: number;
  /** Header names in lower case; repeated fields joined with `, `. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
}

/**
 * Sends `method path` to the server at `origin` (`http://host:port`) without a keep-alive agent.
 *
 * @example
 * ```ts
 * const answer = await send('http://127.0.0.1:8080', '/docs%2F', 'HEAD');
 * answer.headers['content-length'];
 * ```
 */
export function send(
  origin: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(origin);
    const req = request(
      { host: url.hostname, port: url.port, path, method, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const flat: Record<string, string | undefined> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            flat[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}
