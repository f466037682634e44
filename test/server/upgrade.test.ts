import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import type { Handler } from '../../src/core/handler.ts';
import { LIFECYCLE } from '../../src/core/keys.ts';
import { UPGRADE, type Upgrade } from '../../src/server/index.ts';
import { createListener } from '../../src/server/listener.ts';
import { removeCertificate, selfSignedCertificate } from '../helpers/tls.ts';
import { rawConnect, rawExchange, start, statusOf } from './helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** An upgrade request for the made-up `echo` protocol, with `extra` header lines. */
const upgradeRequest = (extra = ''): string =>
  `GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n${extra}\r\n`;

const HEAD_END = '\r\n\r\n';

/** The payload of a chunked body (RFC 9112 §7.1), without extensions or trailers. */
function dechunk(body: string): string {
  let payload = '';
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (lineEnd === -1 || Number.isNaN(size))
      throw new Error(`bad chunk in ${JSON.stringify(body)}`);
    if (size === 0) return payload;
    payload += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

/** Accepts `echo` and sends every byte back, starting with the ones in `head`. */
const echo: Handler = (_request, ctx) => {
  const upgrade = ctx.get(UPGRADE);
  if (upgrade === undefined) return new Response('not an upgrade');
  const { socket, head } = upgrade.accept({ upgrade: 'echo' });
  if (head.byteLength > 0) socket.write(head);
  socket.pipe(socket);
  return new Response(null);
};

describe('serve() upgrading a connection', () => {
  it('sends 101 Switching Protocols with Upgrade and Connection, then carries bytes both ways', async () => {
    const server = await start(echo);
    const connection = await rawConnect(server.port);
    connection.write(upgradeRequest());
    const head = await connection.until((text) => text.includes(HEAD_END));
    expect(head.startsWith('HTTP/1.1 101 Switching Protocols\r\n')).toBe(true);
    expect(head).toMatch(/\r\nupgrade: echo\r\n/i);
    expect(head).toMatch(/\r\nconnection: upgrade\r\n/i);
    const bytes = Uint8Array.from({ length: 256 }, (_, i) => i);
    connection.write(bytes);
    const text = await connection.until((t) => t.length === head.length + 256);
    expect(Buffer.from(text.slice(head.length), 'latin1')).toEqual(Buffer.from(bytes));
    connection.write('ping');
    await connection.until((t) => t.endsWith('ping'));
  });

  it('hands the handler the bytes the client sent right after the request head', async () => {
    const heads: string[] = [];
    const server = await start(async (_request, ctx) => {
      // Give the early bytes time to arrive, whether with the head or in a later packet.
      await sleep(50);
      const { socket, head } = ctx.require(UPGRADE).accept();
      heads.push(Buffer.from(head).toString('latin1'));
      socket.end();
      return new Response(null);
    });
    const connection = await rawConnect(server.port);
    connection.write(`${upgradeRequest()}early bytes`);
    await connection.closed();
    expect(heads).toEqual(['early bytes']);
  });

  it('builds the Request and Context as for any request, with the offered protocols lowercased', async () => {
    const seen: unknown[] = [];
    const server = await start((request, ctx) => {
      const upgrade = ctx.get(UPGRADE);
      seen.push({
        method: request.method,
        url: request.url,
        body: request.body,
        key: request.headers.get('sec-websocket-key'),
        pathInfo: ctx.pathInfo,
        protocols: upgrade?.protocols,
        accepted: upgrade?.accepted,
        lifecycle: typeof ctx.get(LIFECYCLE)?.onClose,
      });
      return new Response('no', { status: 426 });
    });
    await rawExchange(
      server.port,
      'GET /a/../chat?x=1 HTTP/1.1\r\nHost: Example.TEST\r\nConnection: keep-alive, Upgrade\r\n' +
        'Upgrade: WebSocket, h2c\r\nSec-WebSocket-Key: k\r\n\r\n',
    );
    expect(seen).toEqual([
      {
        method: 'GET',
        url: 'http://example.test/chat?x=1',
        body: null,
        key: 'k',
        pathInfo: '/chat',
        protocols: ['websocket', 'h2c'],
        accepted: false,
        lifecycle: 'function',
      },
    ]);
  });

  it('leaves UPGRADE unset for an ordinary request', async () => {
    const server = await start((_request, ctx) => new Response(String(ctx.has(UPGRADE))));
    expect(await (await fetch(server.url)).text()).toBe('false');
  });

  it('sends the Response of a handler that does not accept as plain HTTP/1.1, then closes', async () => {
    const server = await start(() => {
      const headers = new Headers({ 'content-type': 'text/plain' });
      headers.append('set-cookie', 'a=1');
      headers.append('set-cookie', 'b=2');
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new TextEncoder().encode('first,'));
          await sleep(10);
          controller.enqueue(new TextEncoder().encode('last'));
          controller.close();
        },
      });
      return new Response(body, { status: 404, headers });
    });
    const text = await rawExchange(server.port, upgradeRequest());
    const end = text.indexOf(HEAD_END);
    const head = text.slice(0, end + 2);
    const body = text.slice(end + HEAD_END.length);
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 404 Not Found');
    expect(head).toMatch(/\r\nset-cookie: a=1\r\nset-cookie: b=2\r\n/i);
    expect(head).toMatch(/\r\nconnection: close\r\n/i);
    expect(head).not.toMatch(/\r\nupgrade:/i);
    expect(head).toMatch(/\r\ntransfer-encoding: chunked\r\n/i);
    expect(dechunk(body)).toBe('first,last');
  });

  it('answers 500 and closes when the handler throws', async () => {
    const server = await start(() => {
      throw new Error('boom');
    });
    const text = await rawExchange(server.port, upgradeRequest());
    expect(statusOf(text)).toBe(500);
    expect(text).toMatch(/\r\nconnection: close\r\n/i);
    expect(server.errors).toEqual([new Error('boom')]);
  });

  it.each([
    ['a CR LF in a value', { 'x-a': 'v\r\nx-injected: 1' }],
    ['a bare LF in a value', { 'x-a': 'v\nx-injected: 1' }],
    ['a bare CR in a value', { 'x-a': 'v\rx-injected: 1' }],
    ['a NUL in a value', { 'x-a': 'v\0w' }],
    ['a CR LF in a name', [['x-a\r\nx-injected', '1']]],
    ['a space in a name', { 'x a': '1' }],
  ] satisfies [string, HeadersInit][])(
    'throws a TypeError from accept() for %s, before writing anything',
    async (_name, fields) => {
      const errors: unknown[] = [];
      const server = await start((_request, ctx) => {
        try {
          ctx.require(UPGRADE).accept(fields);
        } catch (error) {
          errors.push(error);
        }
        return new Response('refused', { status: 400 });
      });
      const text = await rawExchange(server.port, upgradeRequest());
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(TypeError);
      expect(statusOf(text)).toBe(400);
      expect(text).not.toMatch(/injected/);
    },
  );

  it('throws from a second accept() and from accept() after the handler answered', async () => {
    const errors: string[] = [];
    let upgrade: Upgrade | undefined;
    const server = await start((_request, ctx) => {
      upgrade = ctx.require(UPGRADE);
      return new Response('no', { status: 426 });
    });
    await rawExchange(server.port, upgradeRequest());
    try {
      upgrade?.accept();
    } catch (error) {
      errors.push((error as Error).message);
    }
    const twice = await start((_request, ctx) => {
      const pending = ctx.require(UPGRADE);
      pending.accept().socket.end();
      try {
        pending.accept();
      } catch (error) {
        errors.push((error as Error).message);
      }
      return new Response(null);
    });
    const text = await rawExchange(twice.port, upgradeRequest());
    expect(text.match(/HTTP\/1\.1 101/g)).toHaveLength(1);
    expect(errors).toEqual([
      'Upgrade.accept(): the handler already answered with a Response',
      'Upgrade.accept(): already accepted',
    ]);
  });

  it('aborts ctx.signal when the client goes away before the handler answers', async () => {
    let entered: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    let onAbort: (reason: unknown) => void = () => undefined;
    const aborted = new Promise<unknown>((resolve) => (onAbort = resolve));
    const server = await start(
      (_request, ctx) =>
        new Promise<Response>((respond) => {
          ctx.signal.addEventListener('abort', () => {
            onAbort(ctx.signal.reason);
            respond(new Response('late'));
          });
          entered();
        }),
    );
    const connection = await rawConnect(server.port);
    connection.write(upgradeRequest());
    await inHandler;
    connection.socket.destroy();
    const reason = await aborted;
    expect(reason).toBeInstanceOf(DOMException);
    expect((reason as DOMException).name).toBe('AbortError');
  });

  it('serves an upgrade request with a body as an ordinary request, ignoring Upgrade', async () => {
    const server = await start(
      async (request, ctx) => new Response(`${String(ctx.has(UPGRADE))} ${await request.text()}`),
    );
    const connection = await rawConnect(server.port);
    connection.write(
      'POST / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n' +
        'HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nContent-Length: 5\r\n\r\nhello',
    );
    const text = await connection.until((t) => t.endsWith('false hello'));
    expect(statusOf(text)).toBe(200);
    expect(text).not.toMatch(/\r\nconnection: close\r\n/i);
    connection.socket.destroy();
  });

  it.each([
    ['two Host fields', 'Host: y\r\n', 400],
    ['TRACE', '', 501],
  ])(
    'refuses an upgrade request with %s as any request, without the handler',
    async (_name, extra, status) => {
      let called = false;
      const server = await start(() => {
        called = true;
        return new Response('ok');
      });
      const request = upgradeRequest(extra);
      const text = await rawExchange(
        server.port,
        status === 501 ? request.replace(/^GET/, 'TRACE') : request,
      );
      expect(statusOf(text)).toBe(status);
      expect(text).toMatch(/\r\nconnection: close\r\n/i);
      expect(called).toBe(false);
    },
  );

  it('upgrades a connection over HTTPS', async () => {
    const tls = await selfSignedCertificate();
    try {
      const server = await start(echo, { tls: { cert: tls.cert, key: tls.key } });
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: server.port,
        rejectUnauthorized: false,
      });
      let text = '';
      socket.setEncoding('latin1');
      const received = (predicate: (t: string) => boolean): Promise<string> =>
        new Promise((resolve) => {
          const check = (chunk = ''): void => {
            text += chunk;
            if (!predicate(text)) return;
            socket.off('data', check);
            resolve(text);
          };
          socket.on('data', check);
          check();
        });
      socket.write(upgradeRequest());
      expect(statusOf(await received((t) => t.includes(HEAD_END)))).toBe(101);
      socket.write('over tls');
      await received((t) => t.endsWith('over tls'));
      socket.destroy();
    } finally {
      await removeCertificate(tls);
    }
  });

  it('answers 501 to an upgrade with a body that a Node without shouldUpgradeCallback hands over', async () => {
    let called = false;
    const listeners = createListener(
      () => {
        called = true;
        return new Response('ok');
      },
      { maxBodySize: 1024, onError: () => undefined },
      'http',
      { closing: false },
    );
    // Node's default: every upgrade goes to the 'upgrade' listener, body or not.
    const node = createServer();
    node.on('upgrade', listeners.upgrade);
    await new Promise<void>((resolve) => node.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = node.address() as AddressInfo;
      const text = await rawExchange(
        port,
        'POST / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: h2c\r\nContent-Length: 5\r\n\r\nhello',
      );
      expect(statusOf(text)).toBe(501);
      expect(called).toBe(false);
    } finally {
      node.closeAllConnections();
      node.close();
    }
  });

  it('answers 431 to an upgrade request whose head is over maxHeaderSize', async () => {
    const server = await start(echo, { maxHeaderSize: 1024 });
    const text = await rawExchange(server.port, upgradeRequest(`X-Big: ${'a'.repeat(2000)}\r\n`));
    expect(statusOf(text)).toBe(431);
  });

  it('reports a handler that fails after accept() and destroys the connection', async () => {
    const server = await start(async (_request, ctx) => {
      ctx.require(UPGRADE).accept();
      await sleep(1);
      throw new Error('after the switch');
    });
    const text = await rawExchange(server.port, upgradeRequest());
    expect(statusOf(text)).toBe(101);
    expect(text.endsWith(HEAD_END)).toBe(true);
    expect(server.errors).toEqual([new Error('after the switch')]);
  });
});

describe('serve() closing with upgraded connections', () => {
  it('keeps an accepted connection through the grace period, then destroys it', async () => {
    const server = await start(echo);
    const connection = await rawConnect(server.port);
    connection.write(upgradeRequest());
    await connection.until((text) => text.includes(HEAD_END));
    let closed = false;
    const closing = server.close({ timeout: 600 }).then(() => (closed = true));
    await sleep(50);
    connection.write('still here');
    await connection.until((text) => text.endsWith('still here'));
    expect(closed).toBe(false);
    await closing;
    await connection.closed(1000);
  });

  it('resolves close() as soon as an upgraded connection ends by itself', async () => {
    const server = await start(echo);
    const connection = await rawConnect(server.port);
    connection.write(upgradeRequest());
    await connection.until((text) => text.includes(HEAD_END));
    const closing = server.close({ timeout: 60_000 });
    connection.socket.end();
    await closing;
    await connection.closed(1000);
  });

  it('waits for an upgrade request still in the handler, like any in-flight request', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => undefined;
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const server = await start(async (request, ctx) => {
      entered();
      await gate;
      return echo(request, ctx);
    });
    const connection = await rawConnect(server.port);
    connection.write(upgradeRequest());
    await inHandler;
    const closing = server.close({ timeout: 5000 });
    release();
    await connection.until((text) => text.includes(HEAD_END));
    connection.write('bye');
    await connection.until((text) => text.endsWith('bye'));
    connection.socket.end();
    await closing;
  });
});

/** RFC 6455 §4.2.2: the Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key. */
function acceptKey(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

/**
 * Just enough of RFC 6455 for short messages: reads masked client frames (payloads under 126
 * bytes) and sends each text frame back unmasked; answers a close frame with one and ends.
 */
function echoFrames(socket: Duplex, head: Uint8Array): void {
  let buffered = Buffer.from(head);
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    while (buffered.length >= 6) {
      const opcode = (buffered[0] ?? 0) & 0x0f;
      const length = (buffered[1] ?? 0) & 0x7f;
      if (buffered.length < 6 + length) return;
      const mask = buffered.subarray(2, 6);
      const payload = Buffer.from(
        buffered.subarray(6, 6 + length).map((byte, i) => byte ^ (mask[i % 4] ?? 0)),
      );
      buffered = buffered.subarray(6 + length);
      socket.write(Buffer.concat([Buffer.from([0x80 | opcode, payload.length]), payload]));
      if (opcode === 0x8) socket.end();
    }
  };
  socket.on('data', onData);
  onData(Buffer.alloc(0));
}

describe('serve() with a WebSocket client', () => {
  it('completes a handshake with the platform WebSocket and echoes a message', async () => {
    const server = await start((request, ctx) => {
      const upgrade = ctx.get(UPGRADE);
      const key = request.headers.get('sec-websocket-key');
      if (upgrade?.protocols.includes('websocket') !== true || key === null) {
        return new Response('WebSocket only', { status: 426, headers: { upgrade: 'websocket' } });
      }
      const { socket, head } = upgrade.accept({
        upgrade: 'websocket',
        'sec-websocket-accept': acceptKey(key),
      });
      echoFrames(socket, head);
      return new Response(null);
    });
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/socket`);
    const reply = await new Promise<unknown>((resolve, reject) => {
      ws.addEventListener('open', () => {
        ws.send('hello over trowel');
      });
      ws.addEventListener('message', (event) => {
        resolve(event.data);
      });
      ws.addEventListener('error', () => {
        reject(new Error('WebSocket error'));
      });
    });
    expect(reply).toBe('hello over trowel');
    const closed = new Promise<number>((resolve) => {
      ws.addEventListener('close', (event) => {
        resolve(event.code);
      });
    });
    ws.close(1000);
    expect(await closed).toBe(1000);
  });
});
