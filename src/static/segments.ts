/**
 * From a URL path to file-name segments, refusing every form of path traversal before the file
 * system is touched.
 *
 * `ctx.pathInfo` is URL-encoded. Each segment is percent-decoded on its own (so `%2F` stays inside
 * its segment and is then refused, never turned into a separator: RFC 3986 §2.2 and the
 * CVE-2024-43800 class of bugs), and the decoded name is refused when it is `.` or `..`, contains a
 * slash, a backslash or NUL (CWE-22, CWE-158), or is not valid UTF-8 (an overlong `%c0%ae` fails to
 * decode, CWE-176). Empty segments (`//`) are skipped, as nginx's `merge_slashes` does.
 *
 * Containment in the root is checked again on the real path once the file is open (see
 * `open-file.ts`): this is the first of two independent defences.
 */

/** How dotfiles are treated: refused (as if absent), or served like any other file. */
export type DotfilePolicy = 'allow' | 'deny';

/** A URL path read as file-name segments. */
export interface PathSegments {
  /** The decoded names, in order; empty for the root. */
  readonly names: readonly string[];
  /** Whether the path ended with `/` (a directory was asked for). */
  readonly trailingSlash: boolean;
}

/**
 * The one dot-directory served even when dotfiles are denied: RFC 8615 puts well-known URIs
 * (ACME challenges, security.txt) there.
 */
const WELL_KNOWN = '.well-known';

/**
 * Whether `name` may be a file name: not empty, not `.`/`..`, and without `/`, `\` or NUL. A
 * backslash is a separator on Windows, and no legitimate web file name holds one.
 */
export function isPlainName(name: string): boolean {
  return (
    name !== '' &&
    name !== '.' &&
    name !== '..' &&
    !name.includes('/') &&
    !name.includes('\\') &&
    !name.includes('\0')
  );
}

/** Whether `name` is a dotfile the policy hides. */
export function isHiddenDotfile(name: string, dotfiles: DotfilePolicy): boolean {
  return dotfiles === 'deny' && name.startsWith('.') && name !== WELL_KNOWN;
}

/**
 * Reads `pathInfo` (URL-encoded, `''` or starting with `/`) into decoded segments, or `undefined`
 * when any segment is refused: the caller answers 404, exactly as for a missing file, so that a
 * refused name does not reveal whether it exists.
 *
 * @example
 * ```ts
 * splitPath('/docs/a%20b.txt', 'deny'); // { names: ['docs', 'a b.txt'], trailingSlash: false }
 * splitPath('/%2e%2e/etc/passwd', 'deny'); // undefined
 * ```
 */
export function splitPath(pathInfo: string, dotfiles: DotfilePolicy): PathSegments | undefined {
  const names: string[] = [];
  for (const raw of pathInfo.split('/')) {
    if (raw === '') continue;
    let name: string;
    try {
      name = raw.includes('%') ? decodeURIComponent(raw) : raw;
    } catch {
      return undefined; // malformed or overlong UTF-8
    }
    if (!isPlainName(name) || isHiddenDotfile(name, dotfiles)) return undefined;
    names.push(name);
  }
  return { names, trailingSlash: pathInfo.endsWith('/') };
}
