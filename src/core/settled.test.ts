import { describe, expect, it } from 'vitest';
import { NOT_YET, settledSoon } from './settled.ts';

describe('settledSoon', () => {
  it('answers the value of a promise that is already settled', async () => {
    expect(await settledSoon(Promise.resolve(7))).toBe(7);
  });

  it('answers the end of a body already in memory', async () => {
    const reader = new Response('hello').body?.getReader();
    if (reader === undefined) throw new Error('no body');
    const first = await settledSoon(reader.read());
    expect(first !== NOT_YET && !first.done && first.value.byteLength).toBe(5);
    expect(await settledSoon(reader.read())).toEqual({ done: true, value: undefined });
  });

  it('answers NOT_YET for a promise that waits on a timer', async () => {
    const later = new Promise((resolve) => setTimeout(resolve, 5, 'late'));
    expect(await settledSoon(later)).toBe(NOT_YET);
    expect(await later).toBe('late');
  });

  it('answers NOT_YET for a rejection, leaving it to whoever awaits the promise', async () => {
    const failing = Promise.reject(new Error('no'));
    expect(await settledSoon(failing)).toBe(NOT_YET);
    await expect(failing).rejects.toThrow('no');
  });
});
