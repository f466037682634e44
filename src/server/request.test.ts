import { describe, expect, it } from 'vitest';
import { framingStatus, IncomingRequest, scanHead } from './request.ts';

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

describe('IncomingRequest', () => {
  const make = (
    init?: RequestInit & { duplex?: 'half' },
  ): { request: IncomingRequest; controller: AbortController; calls: () => number } => {
    const controller = new AbortController();
    let calls = 0;
    const request = new IncomingRequest('http://h/p?q', init, () => {
      calls++;
      return controller.signal;
    });
    return { request, controller, calls: () => calls };
  };

  it('is a real Request, which the platform accepts wherever it takes one', async () => {
    const { request } = make({ method: 'POST', body: 'payload' });
    expect(request).toBeInstanceOf(Request);
    expect(Object.prototype.toString.call(request)).toBe('[object Request]');
    const copy = new Request(request, { headers: { 'x-copy': '1' } });
    expect([copy.method, copy.url, copy.headers.get('x-copy')]).toEqual([
      'POST',
      'http://h/p?q',
      '1',
    ]);
    expect(await copy.text()).toBe('payload');
  });

  it('reads its body like any Request', async () => {
    const { request } = make({ method: 'PUT', body: 'abc' });
    expect(await request.text()).toBe('abc');
    expect(request.bodyUsed).toBe(true);
  });

  it('builds its signal only when the signal is read', () => {
    const { request, controller, calls } = make();
    expect(calls()).toBe(0);
    expect(request.signal).toBe(controller.signal);
    expect(calls()).toBe(1);
  });

  it('gives a signal that aborts with the client, and that fetch() follows when handed it', async () => {
    const { request, controller } = make();
    const fetching = fetch('http://127.0.0.1:9/', { signal: request.signal });
    controller.abort(new DOMException('gone', 'AbortError'));
    await expect(fetching).rejects.toThrow('gone');
    expect(request.signal.aborted).toBe(true);
  });

  it('clones into a request with its own copy of the body and the same client signal', async () => {
    const { request, controller } = make({ method: 'POST', body: 'twice' });
    const clone = request.clone();
    expect(clone).toBeInstanceOf(IncomingRequest);
    expect(clone.signal).toBe(controller.signal);
    expect(await clone.text()).toBe('twice');
    expect(await request.text()).toBe('twice');
  });
});
