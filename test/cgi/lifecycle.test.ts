/**
 * The life of a CGI child through trowel's server: streaming both ways with backpressure, the
 * deadline, and the client going away — each checked against the real processes (their pids).
 */
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context } from '../../src/core/context.ts';
import type { Handler } from '../../src/core/handler.ts';
import { cgi, type CgiError, type CgiOptions } from '../../src/cgi/index.ts';
import { serve, type TrowelServer } from '../../src/server/index.ts';
import { expectGone, fixture, isAlive, pidsIn } from './helpers.ts';

const MiB = 1024 * 1024;

let server: TrowelServer;
let handler: Handler = () => new Response('unset');
/** What the server reports: a body that failed after the head went out, say. */
const serverErrors: unknown[] = [];

beforeAll(async () => {
  server = await serve((request, ctx) => handler(request, ctx), {
    port: 0,
    onError: (error) => serverErrors.push(error),
  });
});
afterAll(async () => {
  await server.close();
});

/** Serves fixture `script` with `options`, collecting its stderr lines and errors. */
function use(
  script: string,
  options: Omit<CgiOptions, 'script'> = {},
): { stderr: string[]; errors: CgiError[] } {
  const log = { stderr: [] as string[], errors: [] as CgiError[] };
  handler = cgi({
    script: fixture(script),
    onStderr: (line) => log.stderr.push(line),
    onError: (error) => log.errors.push(error),
    ...options,
  });
  return log;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Starts a GET and resolves with the request and its response head. */
function open(path: string): Promise<{ req: ClientRequest; res: IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, (res) => {
      resolve({ req, res });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A stream of `total` random bytes in 64 KiB chunks, counting what has been pulled from it. */
function counted(total: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const size = Math.min(64 * 1024, total - pulled);
      if (size === 0) {
        controller.close();
        return;
      }
      pulled += size;
      controller.enqueue(new Uint8Array(size).fill(0x61));
    },
  });
  return { stream, pulled: () => pulled };
}

describe('streaming', () => {
  it('echoes a 10 MiB body of known length, byte for byte', async () => {
    use('echo.sh');
    const body = randomBytes(10 * MiB);
    const res = await fetch(server.url, { method: 'POST', body });
    const echoed = new Uint8Array(await res.arrayBuffer());
    expect([echoed.byteLength, sha256(echoed)]).toEqual([body.byteLength, sha256(body)]);
  });

  it('echoes a 10 MiB chunked body, byte for byte', async () => {
    use('echo.sh');
    const body = randomBytes(10 * MiB);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < body.byteLength; at += MiB)
          controller.enqueue(body.subarray(at, at + MiB));
        controller.close();
      },
    });
    const res = await fetch(server.url, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const echoed = new Uint8Array(await res.arrayBuffer());
    expect([echoed.byteLength, sha256(echoed)]).toEqual([body.byteLength, sha256(body)]);
  });

  it('reads the request body only as fast as the script takes it', async () => {
    const app = cgi({ script: fixture('slow-reader.sh'), onStderr: () => undefined });
    const { stream, pulled } = counted(10 * MiB);
    const request = new Request('http://localhost/', {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    const res = await app(request, new Context(request));
    // The script sleeps before reading: only what fits in the pipe and the queues has been taken.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(pulled()).toBeLessThan(MiB);
    expect((await res.arrayBuffer()).byteLength).toBe(10 * MiB);
  });

  it('reads the script output only as fast as the client takes it', async () => {
    const stderr: string[] = [];
    const app = cgi({ script: fixture('flood.sh'), onStderr: (line) => stderr.push(line) });
    const request = new Request('http://localhost/');
    const res = await app(request, new Context(request));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Nothing read the body: the script is blocked writing, and has not finished.
    expect(stderr).toEqual([]);
    expect((await res.arrayBuffer()).byteLength).toBe(10 * MiB);
    await expect.poll(() => stderr).toEqual(['wrote everything']);
  });
});

describe('the timeout', () => {
  it('answers 504 and stops the script and its children', async () => {
    const log = use('slow.sh', { timeout: 300 });
    const res = await fetch(server.url);
    expect(res.status).toBe(504);
    await res.body?.cancel();
    const pids = await pidsIn(log.stderr);
    expect(pids).toHaveLength(2);
    await expectGone(pids);
    expect(log.errors.map((e) => [e.code, e.status])).toEqual([['TROWEL_ERR_CGI_TIMEOUT', 504]]);
  });

  it('kills a script that ignores SIGTERM once the grace period is over', async () => {
    const log = use('stubborn.sh', { timeout: 300, killGrace: 1500 });
    const res = await fetch(server.url);
    expect(res.status).toBe(504);
    await res.body?.cancel();
    const pids = await pidsIn(log.stderr);
    // SIGTERM went out with the 504 and was ignored: still running until SIGKILL.
    expect(pids.filter(isAlive)).toEqual(pids);
    await expectGone(pids);
  });

  it('cuts off a response that has started, and stops the script', async () => {
    const log = use('drip.sh', { timeout: 500 });
    serverErrors.length = 0;
    const res = await fetch(server.url);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    await expectGone(await pidsIn(log.stderr));
    expect(log.errors.map((e) => [e.code, e.status])).toEqual([['TROWEL_ERR_CGI_TIMEOUT', 0]]);
    // The server cut the connection because the body failed, rather than ending it cleanly.
    expect(serverErrors).toEqual([log.errors[0]]);
  });
});

describe('the client going away', () => {
  it('stops the script when the client leaves before the header block', async () => {
    const log = use('slow.sh');
    const req = httpRequest(server.url);
    req.on('error', () => undefined);
    req.end();
    const pids = await pidsIn(log.stderr);
    expect(pids.filter(isAlive)).toEqual(pids);
    req.destroy();
    await expectGone(pids);
    expect(log.errors).toEqual([]);
  });

  it('stops the script when the client leaves during the body', async () => {
    const log = use('drip.sh');
    const { req, res } = await open('/');
    await new Promise((resolve) => res.once('data', resolve));
    const pids = await pidsIn(log.stderr);
    expect(pids.filter(isAlive)).toEqual(pids);
    req.on('error', () => undefined);
    serverErrors.length = 0;
    req.destroy();
    await expectGone(pids);
    expect(serverErrors).toEqual([]);
  });
});

describe('the server body limit', () => {
  it('answers 413 when a chunked body passes it before the header block', async () => {
    const limited = await serve(cgi({ script: fixture('env.py') }), {
      port: 0,
      maxBodySize: 64 * 1024,
    });
    try {
      const { stream } = counted(MiB);
      const res = await fetch(limited.url, {
        method: 'POST',
        body: stream,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(413);
      await res.body?.cancel();
    } finally {
      await limited.close();
    }
  });
});
