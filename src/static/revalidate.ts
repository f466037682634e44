/**
 * The fast answer to a revalidation: a GET or HEAD carrying `If-None-Match` or
 * `If-Modified-Since`, which is most of what a browser with a warm cache asks. The file is looked
 * up in place (see `lookupInside`: the same containment and symlink checks as a full answer, on the
 * descriptor) or, with `metadataCache`, from what a recent lookup learned, and when the client's
 * copy is current the answer is 304 at once. Anything else — a changed file, a 404, a 403, a
 * redirect — returns `undefined`, and the request takes the full path, which checks everything
 * again on the file it opens: this path can only ever answer 304.
 */
import { sep } from 'node:path';
import { negotiateEncoding } from '../core/negotiation.ts';
import { evaluateConditions, type CurrentValidators } from '../core/etag.ts';
import { fileETag } from './file-representation.ts';
import { lookupInside, type FileFacts, type OpenFailure } from './open-file.ts';
import type { StaticConfig } from './options.ts';
import { validatorFields } from './respond.ts';

type Lookup = FileFacts | OpenFailure | undefined;

/**
 * Recent lookups by file-system path, each reused for `maxAge` ms: nginx's `open_file_cache` for
 * metadata. Bounded: past `maxEntries` the oldest entry goes.
 *
 * @example
 * ```ts
 * const cache = new MetadataCache(1000, 10_000);
 * cache.get('/srv/www/a.txt', () => lookupInside('/srv/www', '/srv/www/a.txt', false));
 * ```
 */
export class MetadataCache {
  readonly #entries = new Map<string, { readonly at: number; readonly value: Lookup }>();
  readonly #maxAge: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(maxAge: number, maxEntries: number, now: () => number = () => performance.now()) {
    this.#maxAge = maxAge;
    this.#maxEntries = maxEntries;
    this.#now = now;
  }

  /** How many names are remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /** The remembered result for `path` if younger than `maxAge`, else `lookup()`'s, remembered. */
  get(path: string, lookup: () => Lookup): Lookup {
    const now = this.#now();
    const entry = this.#entries.get(path);
    if (entry !== undefined) {
      if (now - entry.at < this.#maxAge) return entry.value;
      this.#entries.delete(path);
    }
    const value = lookup();
    // An unsupported platform says nothing worth keeping.
    if (value === undefined) return value;
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(path, { at: now, value });
    return value;
  }
}

const SUFFIX: Readonly<Record<string, string>> = { br: '.br', gzip: '.gz' };

/**
 * Whether `request` carries a condition that a 304 answers (`If-None-Match`, `If-Modified-Since`).
 *
 * @example
 * ```ts
 * isRevalidation(new Request('http://x/', { headers: { 'if-none-match': '"v1"' } })); // true
 * ```
 */
export function isRevalidation(request: Request): boolean {
  const { headers } = request;
  return headers.has('if-none-match') || headers.has('if-modified-since');
}

/** The regular file `path` names (or its directory's index), as a full answer would pick it. */
function fileAt(
  path: string,
  trailingSlash: boolean,
  config: StaticConfig,
  look: (path: string) => Lookup,
): FileFacts | undefined {
  const found = look(path);
  if (found === undefined || typeof found === 'string') return undefined;
  if (found.kind === 'file') return trailingSlash ? undefined : found;
  if (found.kind !== 'directory' || !trailingSlash) return undefined;
  for (const name of config.index) {
    const index = look(found.path.endsWith(sep) ? found.path + name : found.path + sep + name);
    if (index === undefined) return undefined;
    if (typeof index !== 'string' && index.kind === 'file') return index;
  }
  return undefined;
}

/**
 * 304 for a revalidation of `path` whose client copy is current, or `undefined` to take the full
 * path. Chooses the precompressed variant exactly as a full answer would, so the validators
 * compared are those a 200 would have sent.
 *
 * @example
 * ```ts
 * const notModified = revalidate(request, '/srv/www/a.txt', false, config, undefined);
 * if (notModified !== undefined) return notModified;
 * ```
 */
export function revalidate(
  request: Request,
  path: string,
  trailingSlash: boolean,
  config: StaticConfig,
  cache: MetadataCache | undefined,
): Response | undefined {
  const { root, followSymlinks } = config;
  const look = (p: string): Lookup =>
    cache === undefined
      ? lookupInside(root, p, followSymlinks)
      : cache.get(p, () => lookupInside(root, p, followSymlinks));
  const file = fileAt(path, trailingSlash, config, look);
  if (file === undefined) return undefined;
  let chosen = file;
  let coding: string | undefined;
  if (config.encodings.length > 0 && request.headers.has('accept-encoding')) {
    let offered: string[] = [...config.encodings, 'identity'];
    for (;;) {
      const c = negotiateEncoding(request, offered);
      if (c === undefined || c === 'identity') break;
      const sibling = look(file.path + (SUFFIX[c] ?? ''));
      if (sibling === undefined) return undefined;
      if (typeof sibling !== 'string' && sibling.kind === 'file') {
        chosen = sibling;
        coding = c;
        break;
      }
      offered = offered.filter((o) => o !== c);
    }
  }
  const rep = {
    etag: config.validators.etag ? fileETag(chosen, coding) : undefined,
    lastModified: config.validators.lastModified ? Math.floor(chosen.mtimeMs) : undefined,
  };
  const validators: CurrentValidators = {
    ...(rep.etag === undefined ? {} : { etag: rep.etag }),
    ...(rep.lastModified === undefined ? {} : { lastModified: rep.lastModified }),
  };
  if (evaluateConditions(request, validators) !== 'not-modified') return undefined;
  return new Response(null, {
    status: 304,
    headers: validatorFields(rep, { cacheControl: config.cacheControl, vary: config.vary }),
  });
}
