import { describe, expect, it } from 'vitest';
import { connectionTokens, HOP_BY_HOP, hopByHop, withoutHopByHop } from './hop-by-hop.ts';

describe('connectionTokens', () => {
  it.each([
    ['keep-alive', ['keep-alive']],
    ['Keep-Alive, X-Debug', ['keep-alive', 'x-debug']],
    [' close ,, x-a , X-A', ['close', 'x-a']],
    ['bad token, "quoted", ok', ['ok']],
    ['', []],
  ])('reads %j as %j', (value, tokens) => {
    expect(connectionTokens(new Headers({ connection: value }))).toEqual(tokens);
  });

  it('is empty without a Connection field', () => {
    expect(connectionTokens(new Headers({ accept: 'text/html' }))).toEqual([]);
  });

  it('reads every Connection field of the message', () => {
    const headers = new Headers();
    headers.append('connection', 'x-one');
    headers.append('connection', 'x-two');
    expect(connectionTokens(headers)).toEqual(['x-one', 'x-two']);
  });
});

describe('hopByHop', () => {
  it('names the fixed RFC 9110 set and the fields Connection names', () => {
    const names = hopByHop(new Headers({ connection: 'X-Secret' }));
    expect([...HOP_BY_HOP].every((name) => names.has(name))).toBe(true);
    expect(names.has('x-secret')).toBe(true);
    expect(names.has('expect')).toBe(false);
  });

  it('adds Expect for a request', () => {
    expect(hopByHop(new Headers(), { request: true }).has('expect')).toBe(true);
  });
});

describe('withoutHopByHop', () => {
  it('drops hop-by-hop fields and keeps the rest', () => {
    const headers = new Headers([
      ['connection', 'close, x-debug'],
      ['x-debug', '1'],
      ['keep-alive', 'timeout=5'],
      ['transfer-encoding', 'chunked'],
      ['proxy-authorization', 'Basic eDp5'],
      ['te', 'trailers'],
      ['trailer', 'x-sum'],
      ['upgrade', 'websocket'],
      ['proxy-connection', 'keep-alive'],
      ['proxy-authenticate', 'Basic'],
      ['content-type', 'text/plain'],
      ['expect', '100-continue'],
    ]);
    expect([...withoutHopByHop(headers)]).toEqual([
      ['content-type', 'text/plain'],
      ['expect', '100-continue'],
    ]);
    expect([...withoutHopByHop(headers, { request: true })]).toEqual([
      ['content-type', 'text/plain'],
    ]);
  });

  it('keeps Set-Cookie fields apart', () => {
    const headers = new Headers();
    headers.append('set-cookie', 'a=1');
    headers.append('set-cookie', 'b=2');
    expect(withoutHopByHop(headers).getSetCookie()).toEqual(['a=1', 'b=2']);
  });

  it('does not change the headers it was given', () => {
    const headers = new Headers({ connection: 'close', 'x-a': '1' });
    withoutHopByHop(headers);
    expect([...headers]).toEqual([
      ['connection', 'close'],
      ['x-a', '1'],
    ]);
  });
});
