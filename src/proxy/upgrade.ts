/**
 * Relaying an upgraded connection (a WebSocket, RFC 6455; any protocol switch, RFC 9110 §7.8):
 * once the upstream has answered `101 Switching Protocols`, the client gets the same 101 (minus
 * hop-by-hop fields other than `Connection` and `Upgrade`, which a 101 needs) and the two raw
 * connections are joined, bytes flowing both ways with backpressure until either side closes.
 *
 * Bytes either side sent early are not lost: what the client sent after its request head goes
 * upstream first, and what the upstream sent after its 101 is still in its socket (undici puts it
 * back). When one side closes or fails, the other is closed too, so neither is left half-open.
 */
import type { Duplex } from 'node:stream';
import type { Upgrade } from '../server/upgrade.ts';

/**
 * Accepts the client's upgrade with `headers` and joins its connection to `upstream`.
 *
 * @throws {Error} when the client's connection is already gone or `accept()` refuses the fields;
 * `upstream` is destroyed first.
 */
export function relay(upgrade: Upgrade, headers: Headers, upstream: Duplex): void {
  let client: { readonly socket: Duplex; readonly head: Uint8Array };
  try {
    client = upgrade.accept(headers);
  } catch (error) {
    upstream.destroy();
    throw error;
  }
  const { socket, head } = client;
  const destroy = (): void => {
    socket.destroy();
    upstream.destroy();
  };
  // An 'error' listener on each side keeps a reset from becoming an uncaught exception.
  socket.on('error', destroy).on('close', () => {
    drain(upstream);
  });
  upstream.on('error', destroy).on('close', () => {
    drain(socket);
  });
  if (head.byteLength > 0) upstream.write(head);
  socket.pipe(upstream);
  upstream.pipe(socket);
}

// The other side closed: send what is still buffered for this one (the last frames, a WebSocket
// close frame), then close it rather than leave it half-open.
function drain(side: Duplex): void {
  if (side.destroyed) return;
  if (side.writableFinished) {
    side.destroy();
    return;
  }
  side.once('finish', () => side.destroy());
  side.end();
}
