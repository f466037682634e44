import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { closeAfterTest, front, send, upstream } from './harness.fixture.ts';
import { proxy } from './index.ts';

const quiet = { onError: () => undefined };
interface EchoUpstream {
  readonly url: string;
  /** Resolves with the close code the upstream saw, once a socket closes. */
  readonly closed: Promise<number>;
  /** The request path and subprotocol header of each connection. */
  readonly seen: { url: string; protocol: string | undefined; forwardedFor: string | undefined }[];
}

async function echoUpstream(): Promise<EchoUpstream> {
  const server = closeAfterTest(
    createServer((_req, res) => {
      res.writeHead(426, { upgrade: 'websocket' });
      res.end('upgrade required');
    }),
  );
  const wss = new WebSocketServer({ server });
  const seen: EchoUpstream['seen'] = [];
  let onClosed: (code: number) => void = () => undefined;
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  wss.on('connection', (socket, req) => {
    seen.push({
      url: req.url ?? '',
      protocol: req.headers['sec-websocket-protocol'],
      forwardedFor: req.headers['x-forwarded-for'] as string | undefined,
    });
    socket.on('message', (data, binary) => {
      socket.send(binary ? data : `echo: ${(data as Buffer).toString()}`, { binary });
    });
    socket.on('close', onClosed);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${String(port)}`, closed, seen };
}

function open(url: string, protocols?: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols);
    socket.addEventListener('open', () => {
      resolve(socket);
    });
    socket.addEventListener('error', () => {
      reject(new Error(`could not open ${url}`));
    });
  });
}

function next(socket: WebSocket): Promise<unknown> {
  return new Promise((resolve) => {
    socket.addEventListener(
      'message',
      (event) => {
        resolve(event.data);
      },
      { once: true },
    );
  });
}

describe('proxy() WebSocket upgrades', () => {
  it('relays messages both ways and the close', async () => {
    const up = await echoUpstream();
    const server = await front(proxy(`${up.url}/ws`, quiet));
    const socket = await open(`${server.url.replace('http', 'ws')}/chat?room=1`, ['chat.v1']);
    expect(socket.protocol).toBe('chat.v1');
    const reply = next(socket);
    socket.send('hello');
    expect(await reply).toBe('echo: hello');
    const binary = next(socket);
    socket.binaryType = 'arraybuffer';
    socket.send(new Uint8Array([1, 2, 3]));
    expect(new Uint8Array((await binary) as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3]));
    const done = new Promise<number>((resolve) => {
      socket.addEventListener('close', (event) => {
        resolve(event.code);
      });
    });
    socket.close(4000, 'bye');
    expect(await up.closed).toBe(4000);
    expect(await done).toBe(4000);
    expect(up.seen).toEqual([
      { url: '/ws/chat?room=1', protocol: 'chat.v1', forwardedFor: '127.0.0.1' },
    ]);
  });

  it('relays a close the upstream starts', async () => {
    const server0 = closeAfterTest(createServer());
    const wss = new WebSocketServer({ server: server0 });
    wss.on('connection', (socket) => {
      socket.close(4001, 'server says bye');
    });
    await new Promise<void>((resolve) => server0.listen(0, '127.0.0.1', resolve));
    const port = (server0.address() as AddressInfo).port;
    const server = await front(proxy(`http://127.0.0.1:${String(port)}`, quiet));
    const socket = new WebSocket(`${server.url.replace('http', 'ws')}/`);
    const code = await new Promise<number>((resolve) => {
      socket.addEventListener('close', (event) => {
        resolve(event.code);
      });
    });
    expect(code).toBe(4001);
  });

  it('closes the client connection when the upstream drops its connection', async () => {
    const server0 = closeAfterTest(createServer());
    const wss = new WebSocketServer({ server: server0 });
    wss.on('connection', (socket) => {
      socket.on('message', () => {
        socket.terminate();
      });
    });
    await new Promise<void>((resolve) => server0.listen(0, '127.0.0.1', resolve));
    const port = (server0.address() as AddressInfo).port;
    const server = await front(proxy(`http://127.0.0.1:${String(port)}`, quiet));
    const socket = await open(`${server.url.replace('http', 'ws')}/`);
    const code = new Promise<number>((resolve) => {
      socket.addEventListener('close', (event) => {
        resolve(event.code);
      });
    });
    socket.send('bye');
    expect(await code).toBe(1006);
  });

  it('returns a non-101 upstream answer as an ordinary response', async () => {
    const up = await upstream((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('no sockets here');
    });
    const server = await front(proxy(up.url, quiet));
    const res = await send(`${server.url}/`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        'sec-websocket-version': '13',
      },
    });
    expect(res.status).toBe(403);
    expect(res.body.toString()).toBe('no sockets here');
    expect(up.seen[0]?.headers.upgrade).toBe('websocket');
  });

  it('forwards an upgrade request as a plain one with upgrade: false', async () => {
    const up = await upstream();
    const server = await front(proxy(up.url, { ...quiet, upgrade: false }));
    const res = await send(`${server.url}/`, {
      headers: { connection: 'Upgrade', upgrade: 'websocket' },
    });
    expect(res.status).toBe(200);
    expect(up.seen[0]?.headers.upgrade).toBeUndefined();
  });
});
