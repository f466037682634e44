/**
 * Test harness for trowel/proxy: node:http upstreams that record what reached them, a trowel
 * server in front, and a raw node:http client (fetch() would add and rewrite fields). Everything
 * listens on 127.0.0.1, port 0, and is closed after each test.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** One request as the upstream received it. */
export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly rawHeaders: readonly string[];
  readonly headers: IncomingHttpHeaders;
  /** Resolves with the request body once it has ended. */
  readonly body: Promise<Buffer>;
  /** Resolves when the upstream's request object closes (ended or aborted). */
  readonly closed: Promise<void>;
  /** True once the request was aborted before it completed. */
  readonly aborted: () => boolean;
  /** Resolves with `true` when the connection closed before the response was finished. */
  readonly cut: Promise<boolean>;
}

export interface Upstream {
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly seen: Seen[];
}

type UpstreamHandler = (req: IncomingMessage, res: ServerResponse) => void;

const servers = new Set<Server>();

afterEach(() => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  servers.clear();
});

/** Closes `server` (and drops its connections) after the test; returns it. */
export function closeAfterTest<T extends Server>(server: T): T {
  servers.add(server);
  return server;
}

/** The default upstream: answers JSON describing the request once its body has been read. */
export const echo: UpstreamHandler = (req, res) => {
  let bytes = 0;
  req.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ method: req.method, url: req.url, bytes }));
  });
};

/** Starts a node:http upstream that records every request and hands it to `handler`. */
export async function upstream(
  handler: UpstreamHandler = echo,
  host = '127.0.0.1',
): Promise<Upstream> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let aborted = false;
    const body = new Promise<Buffer>((resolve) => {
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        resolve(Buffer.concat(chunks));
      });
    });
    const closed = new Promise<void>((resolve) => {
      req.on('close', () => {
        aborted = !req.complete;
        resolve();
      });
    });
    const cut = new Promise<boolean>((resolve) => {
      res.on('close', () => {
        resolve(!res.writableFinished);
      });
    });
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      rawHeaders: req.rawHeaders,
      headers: req.headers,
      body,
      closed,
      aborted: () => aborted,
      cut,
    });
    handler(req, res);
  });
  servers.add(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const authority = host.includes(':') ? `[${host}]` : host;
  return { url: `http://${authority}:${String(port)}`, port, server, seen };
}

/**
 * Serves `handler` with trowel/server on 127.0.0.1, port 0; errors are collected, not logged, and
 * it is closed after the test.
 */
export { start as front } from '../../test/server/helpers.ts';

/** What {@link send} resolves with. */
export interface Sent {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

/** Options for {@link send}. */
export interface SendInit {
  readonly method?: string;
  /** Sent as given, in order: `[name, value, …]` or an object. */
  readonly headers?: readonly string[] | Record<string, string>;
  readonly body?: string | Buffer | AsyncIterable<Uint8Array>;
}

function isList(value: SendInit['headers']): value is readonly string[] {
  return Array.isArray(value);
}

/**
 * Sends one request with node:http (no connection reuse) and reads the whole response. Rejects
 * when the response body is cut short.
 */
export function send(url: string, init: SendInit = {}): Promise<Sent> {
  let headers: readonly string[] | Record<string, string> | undefined = init.headers;
  // Node sends no Host of its own for a raw header list.
  if (isList(headers) && !headers.some((name, i) => i % 2 === 0 && /^host$/i.test(name))) {
    headers = ['Host', new URL(url).host, ...headers];
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          rawHeaders: res.rawHeaders,
          body: Buffer.concat(chunks),
        });
      });
      res.on('error', reject);
      res.on('aborted', () => {
        reject(new Error('response aborted'));
      });
    });
    req.on('error', reject);
    const body = init.body;
    if (body === undefined) req.end();
    else if (typeof body === 'string' || Buffer.isBuffer(body)) req.end(body);
    else {
      void (async () => {
        for await (const chunk of body) {
          if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
        }
        req.end();
      })().catch(reject);
    }
  });
}

/** The upstream's raw header list as `[name, value]` pairs, minus `host` (its port varies). */
export function fields(seen: Seen): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < seen.rawHeaders.length; i += 2) {
    const name = seen.rawHeaders[i] ?? '';
    if (name !== 'host') out.push([name, seen.rawHeaders[i + 1] ?? '']);
  }
  return out;
}
