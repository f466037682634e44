import { describe, expect, it } from 'vitest';
import { checkResponse, isResponse } from './response-rules.ts';

const rulesOf = (response: Response, method = 'GET'): string[] =>
  checkResponse(response, method).map((issue) => issue.rule);

const respond = (headers: HeadersInit, status = 200, body: string | null = null): Response =>
  new Response(body, { status, headers });

describe('isResponse', () => {
  it('recognises a Response made by another copy of undici by its tag', () => {
    const foreign = { [Symbol.toStringTag]: 'Response' };
    expect(isResponse(foreign)).toBe(true);
  });

  it.each([[undefined], ['text'], [{ status: 200 }], [new Request('http://x/')]])(
    'refuses %s',
    (value) => {
      expect(isResponse(value)).toBe(false);
    },
  );
});

describe('hop-by-hop fields', () => {
  it.each([
    ['keep-alive', 'timeout=5', 200],
    ['transfer-encoding', 'chunked', 200],
    ['te', 'trailers', 200],
    ['trailer', 'x-checksum', 200],
    ['proxy-connection', 'keep-alive', 200],
    ['proxy-authorization', 'Basic eDp5', 200],
    ['proxy-authenticate', 'Basic realm="p"', 401],
    ['upgrade', 'h2c', 200],
    ['connection', 'keep-alive', 200],
    ['connection', 'close, x-private', 200],
    ['connection', 'upgrade', 200],
  ])('reports %s: %s on %i', (name, value, status) => {
    expect(rulesOf(respond({ [name]: value }, status))).toEqual(['response-hop-by-hop-header']);
  });

  it.each([
    ['connection', 'close', 200, 'the server honours a request to close'],
    ['connection', 'Close', 503, 'options are case-insensitive'],
    ['proxy-authenticate', 'Basic realm="p"', 407, 'a 407 must carry it (RFC 9110 §11.7.1)'],
    ['upgrade', 'websocket', 426, 'a 426 must carry it (RFC 9110 §15.5.22)'],
    ['connection', 'upgrade', 426, 'Upgrade needs the connection option (RFC 9110 §7.8)'],
  ])('accepts %s: %s on %i because %s', (name, value, status) => {
    expect(rulesOf(respond({ [name]: value }, status))).toEqual([]);
  });
});

describe('Content-Length', () => {
  it.each([['-1'], ['1.0'], ['0x10'], ['5, 5'], ['']])(
    'reports the malformed value %j',
    (value) => {
      expect(rulesOf(respond({ 'content-length': value }))).toEqual([
        'response-content-length-invalid',
      ]);
    },
  );

  it('reports a non-zero Content-Length on 205', () => {
    expect(rulesOf(respond({ 'content-length': '3' }, 205))).toEqual([
      'response-content-length-forbidden',
    ]);
  });

  it('accepts the length of the selected representation on 304 (RFC 9110 §8.6)', () => {
    expect(rulesOf(respond({ 'content-length': '1234', etag: '"v1"' }, 304))).toEqual([]);
  });

  it('accepts the GET length on a bodiless response to HEAD', () => {
    const response = respond({ 'content-length': '1234', 'content-type': 'text/plain' });
    expect(rulesOf(response, 'HEAD')).toEqual([]);
  });
});

describe('dates', () => {
  it.each([['date'], ['last-modified']])('reports an obsolete-form %s as an error rule', (name) => {
    expect(rulesOf(respond({ [name]: 'Sun Nov  6 08:49:37 1994' }))).toEqual([
      'response-http-date',
    ]);
  });

  it.each([['0'], ['-1'], ['never']])('reports Expires: %s as the warning rule', (value) => {
    expect(rulesOf(respond({ expires: value }))).toEqual(['response-expires']);
  });

  it('accepts an IMF-fixdate Date', () => {
    expect(rulesOf(respond({ date: 'Tue, 15 Nov 1994 08:12:31 GMT' }))).toEqual([]);
  });
});

describe('304', () => {
  it.each([['content-type'], ['content-encoding'], ['content-language'], ['content-range']])(
    'reports %s',
    (name) => {
      expect(rulesOf(respond({ [name]: 'x' }, 304))).toEqual(['response-304-headers']);
    },
  );

  it('accepts the fields that update a cache, Last-Modified and Set-Cookie', () => {
    const headers = {
      'cache-control': 'max-age=60',
      'content-location': '/a',
      date: 'Tue, 15 Nov 1994 08:12:31 GMT',
      etag: '"v1"',
      expires: 'Tue, 15 Nov 1994 09:12:31 GMT',
      'last-modified': 'Tue, 15 Nov 1994 08:12:31 GMT',
      vary: 'accept-encoding',
      'set-cookie': 'seen=1',
    };
    expect(rulesOf(respond(headers, 304))).toEqual([]);
  });
});

describe('Set-Cookie', () => {
  it('checks each field on its own', () => {
    const headers = new Headers();
    headers.append('set-cookie', 'a=1; Expires=Wed, 21 Oct 2015 07:28:00 GMT');
    headers.append('set-cookie', 'b=2, c=3');
    const issues = checkResponse(respond(headers), 'GET');
    expect(issues).toHaveLength(1);
    expect(issues[0]?.message).toContain('(c)');
  });
});
