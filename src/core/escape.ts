/**
 * HTML escaping for text put into an HTML page, in element content or in a quoted attribute value.
 *
 * It escapes the five characters that can end a text run or an attribute (`&`, `<`, `>`, `"`, `'`),
 * which is enough for both places. It is not a sanitizer: it does not make a URL safe to put in
 * `href` (a `javascript:` URL stays one), and it is no help inside `<script>`, `<style>` or an
 * unquoted attribute — do not interpolate untrusted text there at all.
 */

const ENTITIES = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
} as const;

const SPECIAL = /[&<>"']/g;

/**
 * Escapes `&`, `<`, `>`, `"` and `'` so that the text reads literally in HTML content and in a
 * quoted attribute value.
 *
 * @example
 * ```ts
 * import { escapeHtml } from 'trowel';
 * const html = `<p title="${escapeHtml(title)}">${escapeHtml(comment)}</p>`;
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(SPECIAL, (char) => ENTITIES[char as keyof typeof ENTITIES]);
}
