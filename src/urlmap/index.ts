/**
 * @module trowel/urlmap
 *
 * Dispatches by path prefix, and optionally by host and port, to the application mounted there:
 * `urlMap({ '/': site, '/blog': blog, 'http://api.example.com/': api })`. It replaces
 * `paste.urlmap` (`URLMap`, and `egg:Paste#urlmap` through `trowel/deploy`).
 *
 * - The longest matching prefix wins, matched on segment boundaries (`/app` takes `/app` and
 *   `/app/x`, never `/apple`), with `%7E`/`~`-style equivalences normalised and `%2F` never taken
 *   for a separator (see `keys.ts`).
 * - Entries with a host come before those without; a host is matched case-insensitively, and a
 *   key's port (if it names one) against the request's, which defaults to the scheme's.
 * - The matched prefix moves from `pathInfo` to `scriptName`, so the application sees where it is
 *   mounted; a plain Fetch handler that expects the prefix gone gets `{ app, stripPrefix: true }`.
 * - Nothing matches: the `notFound` handler answers, by default a 404 that names the path, escaped,
 *   and nothing of the mapping table.
 *
 * When not to use it: for routing inside an application (methods, parameters in the path), which a
 * router does; to try applications in turn until one answers, which is `cascade()`.
 */
import { ConfigError } from '../core/config-error.ts';
import type { Handler } from '../core/handler.ts';
import { NotFound } from '../core/http-error.ts';
import { prefixStripped } from '../core/mount.ts';
import { KeyError, matchPath, parseKey, requestHost, type MountKey } from './keys.ts';

/** An application mounted with options. */
export interface UrlMapMount {
  /** The application. */
  readonly app: Handler;
  /**
   * Hand the application a request whose URL path has the mount prefix removed (as Hono's
   * `mount()` does), for a handler that knows nothing of `scriptName`.
   * @default false
   */
  readonly stripPrefix?: boolean;
}

/** What a key maps to: a handler, or a handler with options. */
export type UrlMapTarget = Handler | UrlMapMount;

/** The table: an object or any iterable of `[key, target]` pairs (a `Map`, an array). */
export type UrlMapTable =
  Readonly<Record<string, UrlMapTarget>> | Iterable<readonly [string, UrlMapTarget]>;

/** Options of {@link urlMap}. */
export interface UrlMapOptions {
  /** Answers requests no key matches. @default a 404 naming the path (escaped in HTML) */
  readonly notFound?: Handler;
  /**
   * How a key's host matches the request's: `exact`, or `subdomains`, where `example.com` also
   * takes `www.example.com` and `a.b.example.com` (the longest host wins).
   * @default 'exact'
   */
  readonly domainMatching?: 'exact' | 'subdomains';
}

interface Entry extends MountKey {
  readonly app: Handler;
}

/**
 * Builds the dispatching handler; see the module comment.
 *
 * @throws {ConfigError} `TROWEL_ERR_URLMAP_KEY` for a malformed key, `TROWEL_ERR_URLMAP_DUPLICATE`
 * for two keys that mean the same mount, `TROWEL_ERR_URLMAP_APP` for a target that is not a
 * handler, `TROWEL_ERR_URLMAP_OPTIONS` for a bad option.
 * @example
 * ```ts
 * import { urlMap } from 'trowel/urlmap';
 * const site = urlMap({
 *   '/': () => new Response('home'),
 *   '/blog': (_request, ctx) => new Response(`post ${ctx.pathInfo}`),
 *   'http://api.example.com/': () => Response.json({ ok: true }),
 * });
 * ```
 */
export function urlMap(table: UrlMapTable, options: UrlMapOptions = {}): Handler {
  const notFound = options.notFound ?? defaultNotFound;
  if (typeof notFound !== 'function') {
    throw new ConfigError('TROWEL_ERR_URLMAP_OPTIONS', 'urlMap(): notFound must be a Handler');
  }
  const matching: unknown = options.domainMatching ?? 'exact';
  if (matching !== 'exact' && matching !== 'subdomains') {
    throw new ConfigError(
      'TROWEL_ERR_URLMAP_OPTIONS',
      `urlMap(): domainMatching must be "exact" or "subdomains", got ${String(matching)}`,
    );
  }
  const entries = sortEntries(buildEntries(table));
  const subdomains = matching === 'subdomains';
  const anyHost = entries.some((entry) => entry.host !== undefined);

  return (request, ctx) => {
    const here = anyHost ? requestHost(ctx.host, ctx.scheme) : undefined;
    for (const entry of entries) {
      if (entry.host !== undefined && here !== undefined) {
        const hostOk =
          here.host === entry.host || (subdomains && here.host.endsWith(`.${entry.host}`));
        if (!hostOk || (entry.port !== undefined && entry.port !== here.port)) continue;
      }
      const end = matchPath(ctx.pathInfo, entry.segments);
      if (end === -1) continue;
      if (end === 0) return entry.app(request, ctx);
      const child = ctx.derive({
        scriptName: ctx.scriptName + ctx.pathInfo.slice(0, end),
        pathInfo: ctx.pathInfo.slice(end),
      });
      return entry.app(request, child);
    }
    return notFound(request, ctx);
  };
}

const defaultNotFound: Handler = (request, ctx) =>
  new NotFound(`nothing is mounted at ${ctx.scriptName}${ctx.pathInfo}`).toResponse(request);

function pairsOf(table: unknown): (readonly [unknown, unknown])[] {
  if (typeof table !== 'object' || table === null) {
    throw new ConfigError('TROWEL_ERR_URLMAP_OPTIONS', 'urlMap() needs an object or a Map');
  }
  if (Symbol.iterator in table) return [...(table as Iterable<readonly [unknown, unknown]>)];
  return Object.entries(table);
}

function buildEntries(table: UrlMapTable): Entry[] {
  const seen = new Map<string, string>();
  return pairsOf(table).map(([key, target]) => {
    let mount: MountKey;
    try {
      if (typeof key !== 'string') throw new KeyError(`a key is a string, not ${typeof key}`);
      mount = parseKey(key);
    } catch (error) {
      if (!(error instanceof KeyError)) throw error;
      throw new ConfigError(
        'TROWEL_ERR_URLMAP_KEY',
        `urlMap(): ${typeof key === 'string' ? JSON.stringify(key) : String(key)}: ${error.message}`,
      );
    }
    const identity = `${mount.host ?? ''}:${mount.port ?? ''}/${mount.segments.join('/')}`;
    const other = seen.get(identity);
    if (other !== undefined) {
      throw new ConfigError(
        'TROWEL_ERR_URLMAP_DUPLICATE',
        `urlMap(): ${JSON.stringify(key)} and ${JSON.stringify(other)} are the same mount`,
      );
    }
    seen.set(identity, mount.key);
    return { ...mount, app: appOf(mount.key, target) };
  });
}

function appOf(key: string, target: unknown): Handler {
  if (typeof target === 'function') return target as Handler;
  if (typeof target === 'object' && target !== null) {
    const { app, stripPrefix } = target as { app?: unknown; stripPrefix?: unknown };
    if (typeof app === 'function') {
      return stripPrefix === true ? prefixStripped(app as Handler) : (app as Handler);
    }
  }
  throw new ConfigError(
    'TROWEL_ERR_URLMAP_APP',
    `urlMap(): ${JSON.stringify(key)} maps to ${target === null ? 'null' : typeof target}, not a Handler or { app }`,
  );
}

/** Host entries first (longest host, then with a port, first), then the longest path. */
function sortEntries(entries: Entry[]): Entry[] {
  const hostRank = (entry: Entry): number =>
    entry.host === undefined ? -1 : entry.host.length * 2 + (entry.port === undefined ? 0 : 1);
  return entries.sort((a, b) => hostRank(b) - hostRank(a) || b.segments.length - a.segments.length);
}
