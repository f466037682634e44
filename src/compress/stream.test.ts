import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { createEncoder } from './encoders.ts';
import { compressedStream } from './stream.ts';

const levels = { zlib: 6, brotli: 4, zstd: 3 };
const encoder = new TextEncoder();

/** An endless body, and a promise that settles with the reason it was cancelled for. */
function endless(): { body: ReadableStream<Uint8Array>; cancelled: Promise<unknown> } {
  let onCancel: (reason: unknown) => void = () => undefined;
  const cancelled = new Promise((resolve) => (onCancel = resolve));
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      controller.enqueue(encoder.encode('data: tick\n\n'));
    },
    cancel: onCancel,
  });
  return { body, cancelled };
}

describe('compressedStream()', () => {
  it('destroys the encoder and cancels the application body when cancelled', async () => {
    const { body, cancelled } = endless();
    const reader = body.getReader();
    const gzip = createEncoder('gzip', levels);
    const first = encoder.encode('data: first\n\n');
    const stream = compressedStream(gzip, 'gzip', true, { reader, first, next: reader.read() });
    const out = stream.getReader();
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < 5; i++) {
      const read = await out.read();
      if (read.value) chunks.push(read.value);
    }
    await out.cancel(new Error('client went away'));
    expect(await cancelled).toEqual(new Error('client went away'));
    expect(gzip.destroyed).toBe(true);
    const text = gunzipSync(Buffer.concat(chunks), { finishFlush: 2 }).toString();
    expect(text.startsWith('data: first\n\ndata: tick\n\n')).toBe(true);
  });

  it('destroys the encoder when the application body fails', async () => {
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('boom'));
      },
    });
    const reader = body.getReader();
    const gzip = createEncoder('gzip', levels);
    const stream = compressedStream(gzip, 'gzip', false, {
      reader,
      first: encoder.encode('x'),
      next: reader.read(),
    });
    await expect(new Response(stream).arrayBuffer()).rejects.toThrow('boom');
    expect(gzip.destroyed).toBe(true);
  });
});
