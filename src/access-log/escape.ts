/**
 * Escaping for the fields of a text access-log line, the way Apache's `ap_escape_logitem` does it:
 * `"` and `\` get a backslash, newline, carriage return and tab their C escapes, and every other
 * control character or byte above 0x7E becomes `\xhh`. A field can then neither end its quotes
 * nor start a new line, so a client cannot forge a log line through its `User-Agent` or
 * `Referer` (log injection), and the line stays 7-bit ASCII.
 */

// Printable ASCII except `"` and `\`: the common case, passed through untouched.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const NAMED: Readonly<Record<number, string>> = {
  0x09: '\\t',
  0x0a: '\\n',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

const encoder = new TextEncoder();

function hex(byte: number): string {
  return `\\x${byte.toString(16).padStart(2, '0')}`;
}

/**
 * `value` escaped for a log line.
 *
 * With `bytes` true the value is a Fetch header value, whose code units are the field's bytes
 * (RFC 9110 §5.5: field values are octets, which `Headers` keeps as Latin-1 code units), so each
 * one above 0x7E is written as that byte. Otherwise the value is text (a user name, a request id)
 * and is written as its UTF-8 bytes. Either way, what the client sent as UTF-8 is logged as the
 * same `\xhh` sequence.
 *
 * @example
 * ```ts
 * escapeLogField('Mozilla "x"\n', true); // 'Mozilla \\"x\\"\\n'
 * ```
 */
export function escapeLogField(value: string, bytes: boolean): string {
  if (PLAIN.test(value)) return value;
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code >= 0x20 && code < 0x7f && code !== 0x22 && code !== 0x5c) {
      out += value.charAt(i);
    } else if (code < 0x80) {
      out += NAMED[code] ?? hex(code);
    } else if (bytes && code < 0x100) {
      out += hex(code);
    } else {
      // Take the whole code point (a surrogate pair is one character) and write its UTF-8 bytes.
      const point = value.codePointAt(i) ?? code;
      const char = String.fromCodePoint(point);
      i += char.length - 1;
      for (const byte of encoder.encode(char)) out += hex(byte);
    }
  }
  return out;
}
