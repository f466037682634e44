import { describe, expect, it } from 'vitest';
import { gated, race, send, startSession } from './harness.fixture.ts';
import { MemoryStore } from './memory-store.ts';

describe('session() with concurrent requests to one session', () => {
  it('keeps both changes when two requests set different keys', async () => {
    const { h, gate } = gated(new MemoryStore());
    const cookie = await startSession(h);
    await race(h, gate, cookie, 'op=set&key=a&value=A', 'op=set&key=b&value=B');
    expect(JSON.parse((await send(h, { cookie })).body)).toEqual({ start: '1', a: 'A', b: 'B' });
  });

  it('keeps the value of the request that saved last when both set the same key', async () => {
    const { h, gate } = gated(new MemoryStore());
    const cookie = await startSession(h);
    await race(h, gate, cookie, 'op=set&key=k&value=first', 'op=set&key=k&value=second');
    expect(JSON.parse((await send(h, { cookie })).body)).toEqual({ start: '1', k: 'second' });
  });

  it('keeps a delete by one request and a set by another', async () => {
    const { h, gate } = gated(new MemoryStore());
    const cookie = await startSession(h);
    await race(h, gate, cookie, 'op=delete&key=start', 'op=set&key=b&value=B');
    expect(JSON.parse((await send(h, { cookie })).body)).toEqual({ b: 'B' });
  });

  it('does not bring back a session another request destroyed meanwhile', async () => {
    const { h, gate } = gated(new MemoryStore());
    const cookie = await startSession(h);
    await race(h, gate, cookie, 'op=destroy', 'op=set&key=b&value=B');
    expect(JSON.parse((await send(h, { cookie })).body)).toEqual({});
  });

  it('does not bring back the old id after another request regenerated it', async () => {
    const { h, gate } = gated(new MemoryStore());
    const cookie = await startSession(h);
    await race(h, gate, cookie, 'op=regenerate', 'op=set&key=b&value=B');
    expect(JSON.parse((await send(h, { cookie })).body)).toEqual({});
  });
});
