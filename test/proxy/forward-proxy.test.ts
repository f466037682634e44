/**
 * `transparentProxy({ allowHosts })` as a forward proxy for a real client: curl sends absolute-form
 * requests (`GET http://host:port/path HTTP/1.1`) through `-x`, and trowel/server takes the host
 * from the request line (RFC 9112 §3.2.2), which the proxy checks against its allow-list.
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transparentProxy } from '../../src/proxy/index.ts';
import { serve, type TrowelServer } from '../../src/server/index.ts';

const run = promisify(execFile);

let upstream: Server;
let upstreamPort: number;
let front: TrowelServer;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    res.end(`${req.method ?? ''} ${req.url ?? ''} host=${req.headers.host ?? ''}`);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamPort = (upstream.address() as AddressInfo).port;
  front = await serve(
    transparentProxy({
      allowHosts: [`127.0.0.1:${String(upstreamPort)}`],
      onError: () => undefined,
    }),
    { port: 0, host: '127.0.0.1' },
  );
});

afterAll(async () => {
  await front.close();
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

async function curl(url: string, extra: readonly string[] = []): Promise<string> {
  const { stdout } = await run('curl', [
    '-s',
    '-x',
    front.url,
    '-w',
    '\n%{http_code}',
    ...extra,
    url,
  ]);
  return stdout;
}

describe('a forward proxy for curl -x', () => {
  it('forwards an absolute-form request to an allowed host, Host kept', async () => {
    const url = `http://127.0.0.1:${String(upstreamPort)}/a/b?c=1`;
    expect(await curl(url)).toBe(`GET /a/b?c=1 host=127.0.0.1:${String(upstreamPort)}\n200`);
  });

  it.each([
    ['a metadata address', 'http://169.254.169.254/latest/meta-data/'],
    ['another port of an allowed address', 'http://127.0.0.1:22/'],
    ['a name that is not listed', 'http://localhost/'],
    ['an IPv6 loopback', 'http://[::1]/'],
  ])('refuses %s with 403', async (_label, url) => {
    expect((await curl(url)).endsWith('\n403')).toBe(true);
  });

  it('refuses an absolute-form target to another host even when Host names an allowed one', async () => {
    const out = await curl('http://169.254.169.254/', [
      '-H',
      `Host: 127.0.0.1:${String(upstreamPort)}`,
    ]);
    expect(out.endsWith('\n403')).toBe(true);
  });
});
