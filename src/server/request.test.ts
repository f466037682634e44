import { describe, expect, it } from 'vitest';
import { framingStatus, scanHead } from './request.ts';

describe('scanHead', () => {
  it('finds Host, Content-Length and Transfer-Encoding whatever their case', () => {
    expect(
      scanHead([
        'HOST',
        'a',
        'Accept',
        '*/*',
        'content-LENGTH',
        '5',
        'Transfer-Encoding',
        'gzip',
        'transfer-encoding',
        'chunked',
        'host',
        'b',
      ]),
    ).toEqual({ host: 'a', hostCount: 2, contentLength: '5', transferEncoding: 'gzip,chunked' });
  });

  it('reports nothing for a head without them', () => {
    expect(scanHead(['Accept', '*/*'])).toEqual({
      host: undefined,
      hostCount: 0,
      contentLength: undefined,
      transferEncoding: undefined,
    });
  });
});

describe('framingStatus', () => {
  const head = (transferEncoding?: string, hostCount = 1): Parameters<typeof framingStatus>[0] => ({
    host: 'x',
    hostCount,
    contentLength: undefined,
    transferEncoding,
  });

  it.each([
    [undefined, '1.1', 0],
    ['chunked', '1.1', 0],
    ['Chunked', '1.1', 0],
    [' chunked ', '1.1', 0],
    ['chunked', '1.0', 400],
    ['gzip', '1.1', 400],
    ['chunked, gzip', '1.1', 400],
    ['chunked,chunked', '1.1', 501],
    ['gzip, chunked', '1.1', 501],
    ['', '1.1', 400],
  ])('answers Transfer-Encoding %j in HTTP/%s with %i', (te, version, status) => {
    expect(framingStatus(head(te), version)).toBe(status);
  });

  it('answers 400 to more than one Host', () => {
    expect(framingStatus(head(undefined, 2), '1.1')).toBe(400);
  });
});
