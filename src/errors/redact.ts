/**
 * Masks secrets before they enter an error report: header fields, query parameters, the password
 * of a URL's userinfo, and properties of error objects, chosen by name. A report is logged,
 * mailed and shown; what is masked here appears in none of them.
 */
import { inspect } from 'node:util';

/** What replaces a masked value. */
export const REDACTED = '[redacted]';

/** Tells whether a header, parameter or property name holds a secret. */
export type SecretCheck = (name: string) => boolean;

function decodeName(name: string): string {
  try {
    return decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    return name;
  }
}

/**
 * The URL with the values of secret query parameters and the userinfo password masked; every
 * other byte is kept as it was.
 */
export function redactUrl(url: string, isSecret: SecretCheck): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.password !== '') parsed.password = 'redacted';
  const query = parsed.search;
  if (query.length > 1) {
    const parts = query.slice(1).split('&');
    const masked = parts.map((part) => {
      const equals = part.indexOf('=');
      const name = equals < 0 ? part : part.slice(0, equals);
      return equals >= 0 && isSecret(decodeName(name)) ? `${name}=${REDACTED}` : part;
    });
    parsed.search = `?${masked.join('&')}`;
  }
  return parsed.href;
}

/** Header fields in order, with secret ones masked; `Set-Cookie` fields stay separate. */
export function redactHeaders(headers: Headers, isSecret: SecretCheck): [string, string][] {
  const fields: [string, string][] = [];
  for (const [name, value] of headers) {
    if (name === 'set-cookie') continue;
    fields.push([name, isSecret(name) ? REDACTED : value]);
  }
  for (const value of headers.getSetCookie()) {
    fields.push(['set-cookie', isSecret('set-cookie') ? REDACTED : value]);
  }
  return fields;
}

const KEEP = [Date, RegExp, Map, Set, ArrayBuffer, Promise, WeakMap, WeakSet];

/**
 * A copy of `value` in which every property whose name is secret is masked, down to `depth`
 * levels; class instances keep their prototype so they print under their class name.
 */
export function redactValue(value: unknown, isSecret: SecretCheck, depth = 4): unknown {
  const seen = new WeakMap<object, unknown>();
  const copy = (item: unknown, level: number): unknown => {
    if (typeof item !== 'object' || item === null) return item;
    if (ArrayBuffer.isView(item) || KEEP.some((Class) => item instanceof Class)) return item;
    // A nested error prints as its header line; the report lists causes with their own stacks.
    if (item instanceof Error) return `[${safeString(item)}]`;
    const known = seen.get(item);
    if (known !== undefined) return known;
    if (level > depth) return Array.isArray(item) ? '[Array]' : '[Object]';
    if (Array.isArray(item)) {
      const list: unknown[] = [];
      seen.set(item, list);
      for (const element of item as unknown[]) list.push(copy(element, level + 1));
      return list;
    }
    const out = Object.create(Object.getPrototypeOf(item) as object | null) as Record<
      string,
      unknown
    >;
    seen.set(item, out);
    for (const key of Object.keys(item)) {
      let field: unknown;
      try {
        field = (item as Record<string, unknown>)[key];
      } catch (error) {
        field = `[getter threw ${safeString(error)}]`;
      }
      out[key] = isSecret(key) ? REDACTED : copy(field, level + 1);
    }
    return out;
  };
  return copy(value, 0);
}

/** `value` printed for a report, secrets masked, at most `limit` characters. */
export function describeValue(value: unknown, isSecret: SecretCheck, limit = 2000): string {
  let text: string;
  try {
    text =
      typeof value === 'string'
        ? JSON.stringify(value)
        : inspect(redactValue(value, isSecret), {
            depth: 3,
            maxArrayLength: 20,
            maxStringLength: limit,
            breakLength: 100,
            getters: false,
            customInspect: false,
          });
  } catch (error) {
    text = `[cannot be shown: ${safeString(error)}]`;
  }
  return truncate(text, limit);
}

/** `String(value)`, never throwing. */
export function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** `text` cut to `limit` characters, saying how much was cut. */
export function truncate(text: string, limit: number): string {
  return text.length <= limit
    ? text
    : `${text.slice(0, limit)}… (${String(text.length - limit)} more characters)`;
}
