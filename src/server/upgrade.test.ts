import type { IncomingMessage } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isBodilessUpgrade, upgradeProtocols } from './upgrade.ts';

describe('upgradeProtocols()', () => {
  it.each([
    [undefined, []],
    ['', []],
    ['websocket', ['websocket']],
    ['WebSocket', ['websocket']],
    ['websocket, h2c', ['websocket', 'h2c']],
    [' HTTP/2.0 ,,SHTTP/1.3, ', ['http/2.0', 'shttp/1.3']],
    [',', []],
  ])('reads %p as %p', (value, expected) => {
    expect(upgradeProtocols(value)).toEqual(expected);
  });

  it('gives only lowercased, trimmed, non-empty tokens without commas', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        for (const token of upgradeProtocols(value)) {
          expect(token).toBe(token.trim().toLowerCase());
          expect(token).not.toBe('');
          expect(token).not.toContain(',');
        }
      }),
    );
  });
});

describe('isBodilessUpgrade()', () => {
  const request = (headers: Record<string, string>): IncomingMessage =>
    ({ headers }) as unknown as IncomingMessage;

  it.each([
    [{}, true],
    [{ 'content-length': '0' }, true],
    [{ 'content-length': '5' }, false],
    [{ 'transfer-encoding': 'chunked' }, false],
    [{ 'transfer-encoding': 'chunked', 'content-length': '0' }, false],
  ])('is %p → %p', (headers, expected) => {
    expect(isBodilessUpgrade(request(headers))).toBe(expected);
  });
});
