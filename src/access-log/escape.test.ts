import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeLogField } from './escape.ts';

/** Reads an escaped field back into its bytes. */
function unescape(field: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < field.length; i++) {
    const char = field.charAt(i);
    if (char !== '\\') {
      bytes.push(field.charCodeAt(i));
      continue;
    }
    const next = field.charAt(++i);
    if (next === 'x') {
      bytes.push(parseInt(field.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push({ n: 0x0a, r: 0x0d, t: 0x09, '"': 0x22, '\\': 0x5c }[next] ?? -1);
    }
  }
  return bytes;
}

describe('escapeLogField()', () => {
  it.each([
    ['plain text', 'Mozilla/5.0 (X11; Linux)', 'Mozilla/5.0 (X11; Linux)'],
    ['a double quote', 'a"b', 'a\\"b'],
    ['a backslash', 'a\\b', 'a\\\\b'],
    ['a forged line', 'x" 200 1\n1.2.3.4 - -', 'x\\" 200 1\\n1.2.3.4 - -'],
    ['CR and tab', '\r\t', '\\r\\t'],
    ['NUL and ESC', '\0\x1b[31m', '\\x00\\x1b[31m'],
    ['DEL', '\x7f', '\\x7f'],
  ])('escapes %s', (_name, input, expected) => {
    expect(escapeLogField(input, true)).toBe(expected);
  });

  it('writes a header value above 0x7E byte for byte', () => {
    // 'é' sent as UTF-8 arrives in Headers as the two Latin-1 code units C3 A9.
    expect(escapeLogField('caf\u00c3\u00a9', true)).toBe('caf\\xc3\\xa9');
  });

  it('writes text as its UTF-8 bytes, so it matches the header form', () => {
    expect(escapeLogField('café', false)).toBe('caf\\xc3\\xa9');
    expect(escapeLogField('😀', false)).toBe('\\xf0\\x9f\\x98\\x80');
  });

  it('always gives printable ASCII with no bare quote', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.boolean(), (value, bytes) => {
        const out = escapeLogField(value, bytes);
        expect(out).toMatch(/^[\x20-\x7e]*$/);
        expect(out.replace(/\\\\/g, '').replace(/\\"/g, '')).not.toContain('"');
      }),
    );
  });

  it('loses nothing: a header value reads back to its bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 255 })), (bytes) => {
        expect(unescape(escapeLogField(String.fromCharCode(...bytes), true))).toEqual(bytes);
      }),
    );
  });
});
