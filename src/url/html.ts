/**
 * The HTML side of `Url`: attributes and the `<a>`, `<img>` and `<form><button>` elements its
 * helpers write. Every attribute value and every text is escaped; attribute names are checked; the
 * helpers refuse event-handler attributes (`onclick`, …), whose values are JavaScript that no
 * escaping makes safe, and attributes that carry a URL other than the one being rendered.
 */
import { escapeHtml } from '../core/escape.ts';

/** An attribute value: text or a number, `true` for a bare attribute, or nothing. */
export type AttributeValue = string | number | boolean | null | undefined;

/** Attributes of an element; `false`, `null` and `undefined` leave the attribute out. */
export type Attributes = Readonly<Record<string, AttributeValue>>;

// https://html.spec.whatwg.org/#attributes-2 allows more, but nothing a page needs.
const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*$/;

/** Attributes whose value is a URL: only the helper's own URL, which is checked, goes there. */
const URL_ATTRIBUTES = new Set([
  'href',
  'src',
  'srcset',
  'action',
  'formaction',
  'xlink:href',
  'ping',
  'poster',
  'background',
  'data',
  'codebase',
  'cite',
  'longdesc',
  'manifest',
]);

/**
 * Renders attributes as ` name="value"` pairs, in the order given.
 *
 * @throws {TypeError} for a malformed name, an event handler (`on…`), a URL attribute, one of
 * `reserved`, or a value of another type.
 */
export function renderAttributes(attributes: Attributes, reserved: readonly string[]): string {
  let html = '';
  for (const [name, value] of Object.entries(attributes)) {
    const lower = name.toLowerCase();
    if (!NAME.test(name)) throw new TypeError(`not an attribute name: ${JSON.stringify(name)}`);
    if (lower.startsWith('on')) {
      throw new TypeError(`event handler attributes are refused: ${name}`);
    }
    if (URL_ATTRIBUTES.has(lower) || reserved.includes(lower)) {
      throw new TypeError(`the ${name} attribute is set by the helper, not by attributes`);
    }
    if (value === false || value === null || value === undefined) continue;
    if (value === true) {
      html += ` ${name}`;
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number') {
      throw new TypeError(`the value of ${name} must be text, a number or a boolean`);
    }
    html += ` ${name}="${escapeHtml(String(value))}"`;
  }
  return html;
}

/** `<a href>` with escaped text. */
export function anchor(href: string, text: string, attributes: Attributes): string {
  return `<a href="${escapeHtml(href)}"${renderAttributes(attributes, [])}>${escapeHtml(text)}</a>`;
}

/** `<img src alt>`. */
export function img(src: string, alt: string, attributes: Attributes): string {
  return `<img src="${escapeHtml(src)}" alt="${escapeHtml(alt)}"${renderAttributes(attributes, ['alt'])}>`;
}

/**
 * A form with one button: what a link button is without JavaScript. For GET the query travels as
 * hidden fields, since submitting a GET form replaces the action's query (HTML standard,
 * "mutate action URL").
 */
export function buttonForm(
  action: string,
  query: URLSearchParams,
  method: 'get' | 'post',
  text: string,
  attributes: Attributes,
): string {
  let fields = '';
  for (const [name, value] of query) {
    fields += `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`;
  }
  const button = `<button type="submit"${renderAttributes(attributes, ['type', 'form', 'formmethod', 'formenctype', 'formtarget'])}>${escapeHtml(text)}</button>`;
  return `<form action="${escapeHtml(action)}" method="${method}">${fields}${button}</form>`;
}
