/**
 * The `Content-Disposition` header (RFC 6266, with RFC 8187 for non-ASCII file names): build one
 * that every browser reads the same way, and read one back.
 *
 * Replaces `paste.httpheaders.CONTENT_DISPOSITION`, which asserted that the file name had no `"`
 * and could not carry a non-ASCII name. Here the name is reduced to its last path segment, control
 * characters are dropped, quotes and backslashes are escaped, and a name that plain ASCII cannot
 * carry is sent twice: an ASCII approximation in `filename` for old agents, the exact name in
 * `filename*` for the rest (RFC 6266 §4.3).
 *
 * A parsed `filename` is whatever the sender chose: never use it as a path without sanitising it.
 */
import { isToken, parseParameter, splitOutsideQuotes, trimOws } from './header-syntax.ts';

/** A parsed `Content-Disposition` value. */
export interface ContentDisposition {
  /** The disposition type, lowercased: `attachment`, `inline`, `form-data`, … */
  readonly type: string;
  /**
   * The parameters by lowercased name, values unquoted; an extended parameter (`filename*`) is
   * kept under its own name, decoded. The first of a repeated parameter wins.
   */
  readonly params: ReadonlyMap<string, string>;
  /** `filename*` when it decoded, else `filename`, else absent. */
  readonly filename?: string;
}

/**
 * Builds a `Content-Disposition` value. The file name is cut to its last `/` or `\` segment and
 * stripped of control characters; an empty result, `.` or `..` leaves the name out. A name that is
 * not printable ASCII, or that holds `%XX` (which some agents would decode), also gets
 * `filename*=UTF-8''…`; its `filename` is an ASCII approximation (accents dropped, other
 * characters replaced by `_`).
 *
 * @throws {TypeError} when `type` is neither `attachment` nor `inline`.
 * @example
 * ```ts
 * import { formatContentDisposition } from 'trowel';
 * formatContentDisposition('attachment', 'résumé.pdf');
 * // `attachment; filename="resume.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf`
 * ```
 */
export function formatContentDisposition(
  type: 'attachment' | 'inline' = 'attachment',
  filename?: string,
): string {
  if (!TYPES.includes(type)) {
    throw new TypeError(
      `Content-Disposition type must be attachment or inline, got ${JSON.stringify(type)}`,
    );
  }
  if (filename === undefined) return type;
  const name = baseName(filename);
  if (name === '' || name === '.' || name === '..') return type;
  const ascii = asciiFallback(name);
  let out = `${type}; filename="${ascii.replace(/["\\]/g, '\\$&')}"`;
  if (ascii !== name || /%[0-9A-Fa-f]{2}/.test(name))
    out += `; filename*=UTF-8''${encodeExt(name)}`;
  return out;
}

// Checked at run time too: the type is interpolated into a header.
const TYPES: readonly string[] = ['attachment', 'inline'];

function baseName(filename: string): string {
  // C0, DEL and C1 controls: CR/LF would split the header, the rest only confuse file systems.
  let clean = '';
  for (const ch of filename.toWellFormed()) {
    const c = ch.charCodeAt(0);
    if (c >= 0x20 && (c < 0x7f || c > 0x9f)) clean += ch;
  }
  return clean.slice(Math.max(clean.lastIndexOf('/'), clean.lastIndexOf('\\')) + 1);
}

function asciiFallback(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^\x20-\x7e]/gu, '_');
}

// RFC 8187 §3.2.1: attr-char is ALPHA / DIGIT / "!" / "#" / "$" / "&" / "+" / "-" / "." / "^" /
// "_" / "`" / "|" / "~"; encodeURIComponent also leaves ' ( ) * alone, which must be escaped.
function encodeExt(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

const EXT_VALUE = /^([!#$%&+\-^_`{}~0-9A-Za-z]+)'([A-Za-z0-9-]*)'(.*)$/s;

/**
 * Decodes an RFC 8187 ext-value (`charset'language'pct-encoded`) in UTF-8 or ISO-8859-1, or gives
 * `undefined` for another charset or a bad escape.
 */
function decodeExt(value: string): string | undefined {
  const m = EXT_VALUE.exec(value);
  const charset = m?.[1]?.toLowerCase();
  const encoded = m?.[3];
  if (encoded === undefined || !/^(?:[^%]|%[0-9A-Fa-f]{2})*$/.test(encoded)) return undefined;
  if (charset === 'utf-8') {
    try {
      return decodeURIComponent(encoded);
    } catch {
      return undefined;
    }
  }
  if (charset === 'iso-8859-1') {
    return encoded.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
      String.fromCharCode(parseInt(hex, 16)),
    );
  }
  return undefined;
}

/**
 * Reads a `Content-Disposition` value: a type, then `;`-separated parameters whose values are
 * tokens or quoted-strings, or RFC 8187 ext-values for names ending in `*`. A malformed parameter
 * is skipped. Never throws.
 *
 * @returns the parsed value, or `undefined` when the type is missing or not a token.
 * @example
 * ```ts
 * import { parseContentDisposition } from 'trowel';
 * parseContentDisposition(`attachment; filename="a.txt"; filename*=UTF-8''%E2%82%AC.txt`)?.filename;
 * // '€.txt'
 * ```
 */
export function parseContentDisposition(
  value: string | null | undefined,
): ContentDisposition | undefined {
  if (typeof value !== 'string') return undefined;
  const [type = '', ...parts] = splitOutsideQuotes(value, ';');
  if (!isToken(type)) return undefined;
  const params = new Map<string, string>();
  for (const part of parts) {
    const eq = part.indexOf('=');
    const name = eq === -1 ? '' : trimOws(part.slice(0, eq)).toLowerCase();
    if (name.endsWith('*')) {
      const decoded = decodeExt(trimOws(part.slice(eq + 1)));
      if (decoded !== undefined && isToken(name) && !params.has(name)) params.set(name, decoded);
      continue;
    }
    const param = parseParameter(part);
    if (param && !params.has(param.name)) params.set(param.name, param.value);
  }
  const filename = params.get('filename*') ?? params.get('filename');
  const result = { type: type.toLowerCase(), params };
  return filename === undefined ? result : { ...result, filename };
}
