import { describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { compileFormat, formatterFor, jsonLine, type AccessLogEntry } from './format.ts';

function entry(changes: Partial<AccessLogEntry> = {}, headers: HeadersInit = {}): AccessLogEntry {
  const request = new Request('http://example.com/a/b?x=1', { headers });
  return {
    request,
    time: new Date(Date.UTC(2000, 9, 10, 20, 55, 36)),
    remoteAddr: '203.0.113.7',
    remoteUser: 'frank',
    method: 'GET',
    url: '/a/b?x=1',
    status: 200,
    bytes: 2326,
    durationMs: 12.3456,
    referer: request.headers.get('referer') ?? undefined,
    userAgent: request.headers.get('user-agent') ?? undefined,
    requestId: undefined,
    outcome: 'complete',
    ...changes,
  };
}

const browser = { referer: 'http://example.com/start', 'user-agent': 'Mozilla/4.08' };

describe('named formats', () => {
  it.each([
    [
      'combined',
      entry({}, browser),
      '203.0.113.7 - frank [10/Oct/2000:20:55:36 +0000] "GET /a/b?x=1 HTTP/1.1" 200 2326 ' +
        '"http://example.com/start" "Mozilla/4.08"',
    ],
    [
      'combined',
      entry({ remoteAddr: '', remoteUser: undefined, bytes: 0, status: 304 }),
      '- - - [10/Oct/2000:20:55:36 +0000] "GET /a/b?x=1 HTTP/1.1" 304 - "-" "-"',
    ],
    [
      'common',
      entry({}, browser),
      '203.0.113.7 - frank [10/Oct/2000:20:55:36 +0000] "GET /a/b?x=1 HTTP/1.1" 200 2326',
    ],
    [
      'common',
      entry({ bytes: undefined, status: 500, outcome: 'error' }),
      '203.0.113.7 - frank [10/Oct/2000:20:55:36 +0000] "GET /a/b?x=1 HTTP/1.1" 500 -',
    ],
  ])('writes %s as Apache does', (format, e, expected) => {
    expect(formatterFor(format)(e, 'utc')).toBe(expected);
  });

  it('escapes a forged User-Agent and Referer so the line stays one line', () => {
    const line = formatterFor('combined')(
      entry({}, { referer: 'x" 200 1 "-" "-"', 'user-agent': 'a\\"\x01' }),
      'utc',
    );
    expect(line).toBe(
      '203.0.113.7 - frank [10/Oct/2000:20:55:36 +0000] "GET /a/b?x=1 HTTP/1.1" 200 2326 ' +
        '"x\\" 200 1 \\"-\\" \\"-\\"" "a\\\\\\"\\x01"',
    );
  });

  it('escapes a user name that could end the field', () => {
    const line = formatterFor('common')(entry({ remoteUser: 'a b" [x' }), 'utc');
    expect(line).toContain(' - a b\\" [x [');
  });
});

describe('json', () => {
  it('writes one object with every field, null where there is no value', () => {
    const line = jsonLine(
      entry({ remoteUser: undefined, requestId: 'r-1', outcome: 'aborted' }, browser),
      'utc',
    );
    expect(JSON.parse(line)).toEqual({
      time: '2000-10-10T20:55:36.000Z',
      remote: '203.0.113.7',
      user: null,
      method: 'GET',
      url: '/a/b?x=1',
      status: 200,
      bytes: 2326,
      duration_ms: 12.346,
      referer: 'http://example.com/start',
      user_agent: 'Mozilla/4.08',
      request_id: 'r-1',
      outcome: 'aborted',
    });
  });

  it('keeps a newline in a header value inside the string', () => {
    const line = jsonLine(entry({ userAgent: 'a\nb"' }), 'utc');
    expect(line).not.toContain('\n');
    expect((JSON.parse(line) as { user_agent: string }).user_agent).toBe('a\nb"');
  });

  it('writes bytes as null when the handler threw', () => {
    const line = jsonLine(entry({ bytes: undefined, status: 500, outcome: 'error' }), 'utc');
    expect(JSON.parse(line)).toMatchObject({ bytes: null, status: 500, outcome: 'error' });
  });
});

describe('Paste-style format strings', () => {
  it.each([
    ['%(REMOTE_ADDR)s %(status)s', '203.0.113.7 200'],
    ['%(duration_ms)sms %(outcome)s', '12.346ms complete'],
    ['%(HTTP_X_REAL_IP)s|%(HTTP_HOST)s', '198.51.100.1|-'],
    ['100%% %(bytes)s', '100% 2326'],
    ['%(request_id)s', '-'],
    ['[%(time)s]', '[10/Oct/2000:20:55:36 +0000]'],
    ['%(SERVER_PROTOCOL)s', 'HTTP/1.1'],
  ])('writes %s', (format, expected) => {
    expect(compileFormat(format)(entry({}, { 'x-real-ip': '198.51.100.1' }), 'utc')).toBe(expected);
  });

  it.each([
    ['an unknown name', '%(REMOTE_HOST)s', 'unknown'],
    ['another conversion', '%(status)d', 'only %(NAME)s'],
    ['a lone percent sign', '100% %(status)s', 'only %(NAME)s'],
    ['no placeholder', 'hello world', 'no %(NAME)s'],
    ['a lower-case header name', '%(http_host)s', 'unknown'],
  ])('refuses %s', (_name, format, message) => {
    let error: unknown;
    try {
      formatterFor(format);
    } catch (caught) {
      error = caught;
    }
    expect(isConfigError(error) && error.code).toBe('TROWEL_ERR_ACCESS_LOG_FORMAT');
    expect((error as Error).message).toContain(message);
  });

  it('refuses a format name it does not know, listing the ones it does', () => {
    expect(() => formatterFor('dev')).toThrow(/unknown format "dev": use combined, common, json/);
  });
});

describe('format functions', () => {
  it('writes what the function returns', () => {
    expect(formatterFor((e) => `${e.method} ${String(e.status)}`)(entry(), 'utc')).toBe('GET 200');
  });
});
