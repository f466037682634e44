/**
 * The `Content-Type` of a file, from its name: the `mime` package's database (built from the
 * IANA registry and mime-db, kept up to date by its maintainers), the caller's additions first,
 * and `charset=utf-8` on textual types.
 *
 * Not a content sniffer: the name decides, and `X-Content-Type-Options: nosniff` tells browsers
 * not to second-guess it.
 */
import mime from 'mime';
import { ConfigError } from '../core/config-error.ts';

/** The type of a file whose name says nothing (RFC 9110 §8.3: the recipient may then sniff). */
export const DEFAULT_TYPE = 'application/octet-stream';

// Types that are text without saying so in their top-level type, and read as UTF-8 by browsers
// (the WHATWG encoding standard's default for scripts and JSON).
const TEXTUAL = new Set([
  'application/javascript',
  'application/json',
  'application/ld+json',
  'application/manifest+json',
  'application/xml',
  'image/svg+xml',
]);

const MEDIA_TYPE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+\/[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\s*;.*)?$/;

/** Adds `; charset=utf-8` to a bare textual type; leaves a type that has parameters alone. */
export function withCharset(type: string): string {
  if (type.includes(';')) return type;
  return type.startsWith('text/') || TEXTUAL.has(type) ? `${type}; charset=utf-8` : type;
}

/** The lowercased extension of `name` without its dot, or `''`. */
function extensionOf(name: string): string {
  const slash = name.lastIndexOf('/');
  const dot = name.lastIndexOf('.');
  return dot > slash + 1 ? name.slice(dot + 1).toLowerCase() : '';
}

/** Finds the `Content-Type` of file names; one per configuration, caching per extension. */
export type ContentTypeLookup = (name: string) => string;

/**
 * Makes a lookup with `extra` (extension → media type, with or without the dot) consulted before
 * the database.
 *
 * @throws {ConfigError} `TROWEL_ERR_STATIC_INVALID_OPTION` for an extension or a type that cannot
 * be one.
 * @example
 * ```ts
 * const typeOf = contentTypes({ gmi: 'text/gemini' });
 * typeOf('index.gmi'); // 'text/gemini; charset=utf-8'
 * ```
 */
export function contentTypes(extra: Readonly<Record<string, string>> = {}): ContentTypeLookup {
  if (typeof extra !== 'object' || (extra as unknown) === null) {
    throw new ConfigError(
      'TROWEL_ERR_STATIC_INVALID_OPTION',
      'extraMimeTypes must be an object of extension → media type',
    );
  }
  const own = new Map<string, string>();
  for (const [key, type] of Object.entries(extra)) {
    const ext = (key.startsWith('.') ? key.slice(1) : key).toLowerCase();
    if (ext === '' || /[/\\\0.]/.test(ext)) {
      throw new ConfigError(
        'TROWEL_ERR_STATIC_INVALID_OPTION',
        `extraMimeTypes: ${JSON.stringify(key)} is not a file extension`,
      );
    }
    if (typeof type !== 'string' || !MEDIA_TYPE.test(type) || /[\r\n]/.test(type)) {
      throw new ConfigError(
        'TROWEL_ERR_STATIC_INVALID_OPTION',
        `extraMimeTypes: ${JSON.stringify(type)} for "${ext}" is not a media type such as text/plain`,
      );
    }
    own.set(ext, withCharset(type));
  }
  // The set of extensions is bounded by the files in the tree, so this cache cannot grow without
  // bound under hostile requests: names that do not exist never reach it.
  const cache = new Map<string, string>(own);
  return (name) => {
    const ext = extensionOf(name);
    const hit = cache.get(ext);
    if (hit !== undefined) return hit;
    const found = ext === '' ? null : mime.getType(ext);
    const type = found === null ? DEFAULT_TYPE : withCharset(found);
    cache.set(ext, type);
    return type;
  };
}
