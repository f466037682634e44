/**
 * A process in the middle of filling the cache: the origin streams a large body slowly, and the
 * process reads it through the cache (so the body is being written to disk) until it is killed.
 * Prints `writing` once some of the body is on its way. Usage: crash-writer.fixture.ts <cacheDir>
 */
import { Context } from '../core/context.ts';
import { diskCache } from './middleware.ts';

const cacheDir = process.argv[2] ?? '';
const chunk = new Uint8Array(64 * 1024).fill(0x61);
const handler = diskCache({ cacheDir })(
  () =>
    new Response(
      new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          controller.enqueue(chunk);
        },
      }),
      { headers: { 'content-type': 'application/octet-stream' } },
    ),
);
const request = new Request('http://example.test/big/file.bin');
const response = await handler(request, new Context(request));
const reader = response.body?.getReader();
let received = 0;
for (;;) {
  const result = await reader?.read();
  if (result === undefined || result.done) break;
  received += result.value.byteLength;
  if (received === 8 * chunk.byteLength) console.log('writing');
}
