import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { statusFor } from './forward.ts';
import { front, send, upstream } from './harness.fixture.ts';
import { proxy } from './index.ts';

/** A loopback port nothing listens on: one that was just bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function collecting(): { errors: unknown[]; onError: (error: unknown) => void } {
  const errors: unknown[] = [];
  return { errors, onError: (error) => errors.push(error) };
}

describe('proxy() upstream failures', () => {
  it('answers 502 when the upstream refuses the connection', async () => {
    const log = collecting();
    const server = await front(proxy(`http://127.0.0.1:${String(await closedPort())}`, log));
    const res = await send(`${server.url}/`);
    expect(res.status).toBe(502);
    expect(res.body.toString()).not.toContain('127.0.0.1');
    expect(log.errors).toHaveLength(1);
    expect((log.errors[0] as { code?: string }).code).toBe('ECONNREFUSED');
  });

  it('answers 504 when the response head does not come in time', async () => {
    const up = await upstream(() => undefined);
    const log = collecting();
    const server = await front(proxy(up.url, { ...log, timeouts: { headers: 150 } }));
    const res = await send(`${server.url}/`);
    expect(res.status).toBe(504);
    expect(log.errors).toHaveLength(1);
  });

  it('answers 502 when the upstream resets before answering', async () => {
    const up = await upstream((req) => req.socket.destroy());
    const log = collecting();
    const server = await front(proxy(up.url, log));
    expect((await send(`${server.url}/`)).status).toBe(502);
    expect(log.errors).toHaveLength(1);
  });

  it('cuts the client response short when the upstream resets mid-body', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial', () => {
        setTimeout(() => res.socket?.destroy(), 20);
      });
    });
    const log = collecting();
    const server = await front(proxy(up.url, log));
    await expect(send(`${server.url}/`)).rejects.toThrow();
    expect(log.errors).toHaveLength(0);
  });

  it('cuts a chunked client response short when the upstream resets mid-body', async () => {
    const up = await upstream((_req, res) => {
      res.write('partial', () => {
        setTimeout(() => res.socket?.destroy(), 20);
      });
    });
    const server = await front(proxy(up.url, { onError: () => undefined }));
    await expect(send(`${server.url}/`)).rejects.toThrow();
  });

  it('cuts the client response short when the body stalls past the body timeout', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
    });
    const server = await front(
      proxy(up.url, { onError: () => undefined, timeouts: { body: 150 } }),
    );
    const started = Date.now();
    await expect(send(`${server.url}/`)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it.each([
    ['UND_ERR_CONNECT_TIMEOUT', 504],
    ['UND_ERR_HEADERS_TIMEOUT', 504],
    ['ETIMEDOUT', 504],
    ['ECONNREFUSED', 502],
    ['ENOTFOUND', 502],
    ['ECONNRESET', 502],
    ['UND_ERR_SOCKET', 502],
    ['HPE_INVALID_CONSTANT', 502],
    [undefined, 502],
  ])('maps error code %s to %i', (code, status) => {
    expect(statusFor(Object.assign(new Error('x'), { code }))).toBe(status);
  });
});

describe('proxy() client aborts', () => {
  it('aborts the upstream request when the client goes away before the answer', async () => {
    const up = await upstream(() => undefined);
    const log = collecting();
    const server = await front(proxy(up.url, log));
    const req = httpRequest(`${server.url}/`, { agent: false });
    req.on('error', () => undefined);
    req.end();
    await waitFor(() => up.seen.length === 1);
    req.destroy();
    expect(await up.seen[0]?.cut).toBe(true);
    expect(log.errors).toHaveLength(0);
  });

  it('aborts the upstream response when the client goes away mid-body', async () => {
    const up = await upstream((_req, res) => {
      const timer = setInterval(() => res.write('x'.repeat(1024)), 5);
      res.on('close', () => {
        clearInterval(timer);
      });
    });
    const server = await front(proxy(up.url, { onError: () => undefined }));
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${server.url}/`, { agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.end();
    });
    expect(await up.seen[0]?.cut).toBe(true);
  });

  it('aborts the upstream request when the client stops mid-upload', async () => {
    const up = await upstream(() => undefined);
    const server = await front(proxy(up.url, { onError: () => undefined }));
    const req = httpRequest(`${server.url}/`, {
      method: 'POST',
      agent: false,
      headers: { 'content-length': '1000' },
    });
    req.on('error', () => undefined);
    req.write('x'.repeat(100));
    await waitFor(() => up.seen.length === 1);
    req.destroy();
    await up.seen[0]?.closed;
    expect(up.seen[0]?.aborted()).toBe(true);
  });
});

async function waitFor(predicate: () => boolean, timeout = 5000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
