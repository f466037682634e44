import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeadParser, interpret, isLocalPath, OutputError, parseHead } from './output.ts';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);

function parseAll(text: string, limit = 1024): ReturnType<HeadParser['push']> {
  return new HeadParser(limit).push(encode(text));
}

function problem(run: () => unknown): OutputError {
  try {
    run();
  } catch (error) {
    if (error instanceof OutputError) return error;
    throw error;
  }
  throw new Error('expected an OutputError');
}

describe('HeadParser', () => {
  it.each([
    ['LF', 'Content-Type: text/plain\nX-A: 1\n\nbody'],
    ['CRLF', 'Content-Type: text/plain\r\nX-A: 1\r\n\r\nbody'],
    ['mixed', 'Content-Type: text/plain\r\nX-A: 1\n\r\nbody'],
  ])('finds the end of a block with %s line ends', (_name, text) => {
    const found = parseAll(text);
    expect(found?.head.fields).toEqual([
      ['Content-Type', 'text/plain'],
      ['X-A', '1'],
    ]);
    expect(decode(found?.rest ?? new Uint8Array())).toBe('body');
  });

  it.each([
    ['LF', '\nbody'],
    ['CRLF', '\r\nbody'],
  ])('takes an empty block ended by %s', (_name, text) => {
    const found = parseAll(text);
    expect(found?.head).toEqual({ status: undefined, location: undefined, fields: [] });
    expect(decode(found?.rest ?? new Uint8Array())).toBe('body');
  });

  it('waits for the empty line', () => {
    const parser = new HeadParser(1024);
    expect(parser.push(encode('Content-Type: text/plain\n'))).toBeUndefined();
    expect(parser.buffered).toBe(25);
    expect(parser.push(encode('\nrest'))?.head.fields).toEqual([['Content-Type', 'text/plain']]);
  });

  it('finds the same block however the output is cut into chunks', () => {
    const text = 'Status: 201 Made\r\nContent-Type: a/b\nX-Y: z\r\n\r\nthe body\n\nmore';
    const whole = parseAll(text);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: text.length }), { maxLength: 6 }), (cuts) => {
        const bytes = encode(text);
        const points = [...new Set([0, ...cuts, bytes.length])].sort((a, b) => a - b);
        const parser = new HeadParser(1024);
        let found: ReturnType<HeadParser['push']>;
        const after: Uint8Array[] = [];
        for (let i = 0; i + 1 < points.length; i++) {
          const chunk = bytes.subarray(points[i], points[i + 1]);
          if (found === undefined) found = parser.push(chunk);
          else after.push(chunk);
        }
        expect(found?.head).toEqual(whole?.head);
        expect(decode(found?.rest ?? new Uint8Array()) + after.map(decode).join('')).toBe(
          'the body\n\nmore',
        );
      }),
    );
  });

  it('refuses a block that grows past the limit without ending', () => {
    const parser = new HeadParser(32);
    expect(parser.push(encode('X-A: 0123456789\n'))).toBeUndefined();
    expect(problem(() => parser.push(encode('X-B: 01234567890\n'))).kind).toBe('too-large');
  });

  it('takes a block of exactly the limit, ending line included', () => {
    expect(parseAll('X-A: 0123456789012345678901234\n\nbody', 32)?.head.fields).toHaveLength(1);
  });

  it('refuses a block that ends past the limit', () => {
    expect(problem(() => parseAll('X-A: 01234567890123456789012345\n\nbody', 32)).kind).toBe(
      'too-large',
    );
  });

  it('keeps bytes above 0x7F as Latin-1 characters', () => {
    const found = new HeadParser(64).push(
      new Uint8Array([...encode('X-A: '), 0xc3, 0xa9, 0x80, ...encode('\n\n')]),
    );
    expect(found?.head.fields).toEqual([['X-A', '\u00c3\u00a9\u0080']]);
  });
});

describe('parseHead', () => {
  it('splits out Status and Location, case-insensitively, and trims values', () => {
    expect(parseHead('status:  404 Gone  \nLOCATION: /x\nX-A:\t1')).toEqual({
      status: '404 Gone',
      location: '/x',
      fields: [['X-A', '1']],
    });
  });

  it.each([
    ['a line without a colon', 'not a header'],
    ['a folded line', 'X-A: 1\n continued'],
    ['a space in the name', 'X A: 1'],
    ['an empty name', ': value'],
    ['a NUL in a value', 'X-A: a\0b'],
    ['a bare CR in a value', 'X-A: a\rb'],
    ['a control character', 'X-A: a\x01b'],
    ['DEL', 'X-A: a\x7fb'],
    ['two Status fields', 'Status: 200 OK\nStatus: 404 Not Found'],
    ['two Location fields', 'Location: /a\nLocation: /b'],
    ['two Content-Type fields', 'Content-Type: a/b\ncontent-type: c/d'],
  ])('refuses %s', (_name, text) => {
    expect(problem(() => parseHead(text)).kind).toBe('malformed');
  });

  it('keeps repeated ordinary fields', () => {
    expect(parseHead('Set-Cookie: a=1\nSet-Cookie: b=2').fields).toEqual([
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
    ]);
  });
});

describe('interpret', () => {
  const head = (status?: string, location?: string, fields: [string, string][] = []) =>
    interpret({ status, location, fields });

  it.each([
    [undefined, 200, ''],
    ['404 Not Found', 404, 'Not Found'],
    ['503', 503, ''],
    ['299 Odd\tbut fine', 299, 'Odd\tbut fine'],
  ])('reads Status %j as %i %j', (status, code, text) => {
    expect(head(status)).toMatchObject({ kind: 'document', status: code, statusText: text });
  });

  it.each([
    '99 Low',
    '600 High',
    '100 Continue',
    '101 Switching',
    'abc',
    '20 0',
    '2000 OK',
    '404Gone',
  ])('refuses Status %j', (status) => {
    expect(problem(() => head(status)).kind).toBe('malformed');
  });

  it('makes a path Location without Status a local redirect', () => {
    expect(head(undefined, '/other?x=1')).toEqual({
      kind: 'local-redirect',
      location: '/other?x=1',
    });
  });

  it.each([
    ['an absolute URL', 'https://example.org/x', undefined, 302],
    ['a network-path reference', '//example.org/x', undefined, 302],
    ['a relative reference', 'next', undefined, 302],
    ['a path with a Status', '/other', '301 Moved Permanently', 301],
  ])('sends %s to the client', (_name, location, status, code) => {
    const outcome = head(status, location);
    expect(outcome).toMatchObject({ kind: 'document', status: code });
    if (outcome.kind === 'document') expect(outcome.headers.get('location')).toBe(location);
  });

  it('drops hop-by-hop fields, keeping the rest in order', () => {
    const outcome = head(undefined, undefined, [
      ['Connection', 'close'],
      ['Transfer-Encoding', 'chunked'],
      ['Keep-Alive', 'timeout=5'],
      ['Upgrade', 'h2c'],
      ['Content-Type', 'text/plain'],
      ['Set-Cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
    ]);
    if (outcome.kind !== 'document') throw new Error('expected a document');
    expect([...outcome.headers]).toEqual([
      ['content-type', 'text/plain'],
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
    ]);
  });

  it('keeps one Content-Length, and a repeat of the same value', () => {
    const outcome = head(undefined, undefined, [
      ['Content-Length', '5'],
      ['Content-Length', '5'],
    ]);
    if (outcome.kind !== 'document') throw new Error('expected a document');
    expect(outcome.headers.get('content-length')).toBe('5');
  });

  it.each([[['-1']], [['5, 5']], [['abc']], [['5', '6']]])(
    'refuses Content-Length %j',
    (values) => {
      const fields = values.map((v): [string, string] => ['Content-Length', v]);
      expect(problem(() => head(undefined, undefined, fields)).kind).toBe('malformed');
    },
  );
});

describe('isLocalPath', () => {
  it.each([
    ['/a', true],
    ['/', true],
    ['//a', false],
    ['a', false],
    ['http://a/', false],
  ])('%j → %s', (location, expected) => {
    expect(isLocalPath(location)).toBe(expected);
  });
});
