import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml } from './escape.ts';

function unescapeHtml(html: string): string {
  return html
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&amp;', '&');
}

describe('escapeHtml', () => {
  it.each([
    ['&', '&amp;'],
    ['<', '&lt;'],
    ['>', '&gt;'],
    ['"', '&quot;'],
    ["'", '&#39;'],
    ['<script>alert("x")</script>', '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'],
    ['&amp;', '&amp;amp;'],
    ['plain text, é ✓', 'plain text, é ✓'],
    ['', ''],
  ])('escapes %j as %j', (input, expected) => {
    expect(escapeHtml(input)).toBe(expected);
  });

  it('leaves no character that could end a text run or a quoted attribute', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(escapeHtml(text)).not.toMatch(/[<>"']|&(?!amp;|lt;|gt;|quot;|#39;)/);
      }),
    );
  });

  it('loses nothing: unescaping gives back the original text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(unescapeHtml(escapeHtml(text))).toBe(text);
      }),
    );
  });
});
