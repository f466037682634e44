/**
 * `diskCache()`: which requests the cache handles, and the flow of each policy.
 *
 * - Unsafe methods (anything but GET, HEAD, OPTIONS, TRACE) pass through; a 2xx or 3xx answer
 *   invalidates the entry of the request path and of a same-origin `Location` or
 *   `Content-Location` (RFC 9111 §4.4). OPTIONS and TRACE pass through. None is ever answered
 *   from the cache or stored.
 * - GET and HEAD pass through untouched (`fwd=bypass`) with a query string, `Authorization` or
 *   `Cookie` (unless allowed), an upgrade, a path the layout refuses, or a path outside
 *   `cachePaths`.
 * - Otherwise the entry is looked up. HEAD is answered from the GET entry; a HEAD miss passes
 *   through and stores nothing. A GET miss goes to the origin once (single flight) and the answer
 *   is stored when the policy allows.
 */
import type { Context } from '../core/context.ts';
import { parseCacheControl } from '../core/cache-control.ts';
import type { Handler, Middleware } from '../core/handler.ts';
import { GatewayTimeout } from '../core/http-error.ts';
import { parseHttpDate } from '../core/http-date.ts';
import { answerFromEntry, cacheStatus, isConditional, tagged, unconditional } from './answer.ts';
import { follow, forward, storeAndAnswer, type Decide, type FillSetting } from './fill.ts';
import { Flights, type Flight } from './flight.ts';
import { entryPaths, type EntryPaths } from './layout.ts';
import {
  isCachedPath,
  resolveOptions,
  type DiskCacheConfig,
  type DiskCacheOptions,
} from './options.ts';
import {
  evaluate,
  httpDecision,
  loadPolicy,
  policyRequest,
  revalidatedSidecar,
  savedPolicy,
  varyMatches,
  type PolicyRequest,
} from './policy-http.ts';
import { acceptsCoding, staticRefusal, staticUnusable } from './policy-static.ts';
import { storedFields } from './sidecar.ts';
import { DiskStore, type StoredEntry } from './store.ts';
import { Sweeper } from './sweep.ts';
import type { CommitDetails } from './writer.ts';
import type CachePolicy from 'http-cache-semantics';

const PASSIVE = new Set(['OPTIONS', 'TRACE']);

/** What either policy stores of an origin answer it keeps: its fields and Last-Modified. */
function entryDetails(response: Response): CommitDetails {
  return {
    headers: storedFields(response.headers),
    lastModified: parseHttpDate(response.headers.get('last-modified'))?.getTime(),
  };
}

/** A GET the cache does not answer from disk as it is: what filling or revalidating it needs. */
interface Miss {
  readonly request: Request;
  readonly ctx: Context;
  readonly next: Handler;
  readonly paths: EntryPaths;
  /** Whether the origin's answer is stored. */
  readonly decide: Decide;
  /** Why the cache went to the origin: the `fwd` parameter of Cache-Status. */
  readonly label: string;
  /** Whether an entry another request stored meanwhile may answer this one. */
  readonly usable: (entry: StoredEntry) => boolean;
}

/** Stores an origin answer for the flight's key (when the policy allows) and answers the client. */
type Store = (response: Response, params: readonly string[]) => Promise<Response>;

class DiskCache {
  readonly config: DiskCacheConfig;
  readonly store: DiskStore;
  readonly flights = new Flights();
  readonly sweeper: Sweeper | undefined;
  readonly setting: FillSetting;

  constructor(config: DiskCacheConfig) {
    this.config = config;
    this.store = new DiskStore(config);
    this.setting = { store: this.store, maxSize: config.maxSize };
    this.sweeper = config.sweepInterval === undefined ? undefined : new Sweeper(this.store, config);
  }

  async handle(request: Request, ctx: Context, next: Handler): Promise<Response> {
    const { method } = request;
    if (method !== 'GET' && method !== 'HEAD') {
      const response = await next(request, ctx);
      if (!PASSIVE.has(method) && response.status >= 200 && response.status < 400) {
        await this.invalidate(request, ctx, response);
      }
      return tagged(response, cacheStatus('fwd=method'));
    }
    if (request.headers.has('upgrade')) return next(request, ctx);
    const target = this.target(request, ctx);
    if (typeof target === 'string') {
      return tagged(await next(request, ctx), cacheStatus('fwd=bypass', `detail=${target}`));
    }
    this.sweeper?.start();
    return this.config.policy === 'http'
      ? this.http(request, ctx, next, target)
      : this.static(request, ctx, next, target);
  }

  /** The entry a GET or HEAD may use, or why it bypasses the cache. */
  target(request: Request, ctx: Context): EntryPaths | string {
    const { config } = this;
    if (request.url.includes('?')) return 'query';
    if (!config.shareAuthorized && request.headers.has('authorization')) return 'authorization';
    if (!config.ignoreCookies && request.headers.has('cookie')) return 'cookie';
    const paths = this.pathsOf(ctx.scriptName + ctx.pathInfo, ctx.host);
    if (paths === undefined) return 'path';
    return isCachedPath(paths.path, config.cachePaths) ? paths : 'cache-paths';
  }

  pathsOf(path: string, host: string): EntryPaths | undefined {
    const { config } = this;
    return entryPaths(config.root, path, config.directoryIndex, config.byHost ? host : undefined);
  }

  async static(
    request: Request,
    ctx: Context,
    next: Handler,
    paths: EntryPaths,
  ): Promise<Response> {
    const entry = await this.store.lookup(paths);
    if (entry !== undefined) {
      const why = staticUnusable(request, entry.meta, this.config, Date.now());
      if (why === undefined) return answerFromEntry(request, entry, cacheStatus('hit'));
      entry.file.close();
      if (why === 'encoding') {
        return tagged(await next(request, ctx), cacheStatus('fwd=miss', 'detail=encoding'));
      }
    }
    if (request.method === 'HEAD') return tagged(await next(request, ctx), cacheStatus('fwd=miss'));
    const decide: Decide = (response) =>
      staticRefusal(response, this.config) ?? entryDetails(response);
    return this.fill({
      request,
      ctx,
      next,
      paths,
      decide,
      label: 'miss',
      usable: (e) => acceptsCoding(request, e.meta),
    });
  }

  async http(request: Request, ctx: Context, next: Handler, paths: EntryPaths): Promise<Response> {
    const preq = policyRequest(request, paths, this.config);
    const onlyIfCached = parseCacheControl(request.headers.get('cache-control')).onlyIfCached;
    const usable = (e: StoredEntry): boolean => {
      const policy = loadPolicy(e.meta);
      return policy !== undefined && varyMatches(policy, preq);
    };
    const entry = await this.store.lookup(paths);
    const policy = entry === undefined ? undefined : loadPolicy(entry.meta);
    let label = 'miss';
    if (entry !== undefined && policy !== undefined) {
      const evaluation = evaluate(policy, preq);
      if (evaluation.kind === 'fresh') {
        return answerFromEntry(request, entry, cacheStatus('hit', `ttl=${evaluation.ttl}`), [
          ['age', String(Math.round(evaluation.age))],
        ]);
      }
      label = evaluation.kind;
    }
    entry?.file.close();
    // RFC 9111 §5.2.1.7: only-if-cached without a usable entry is answered 504.
    if (onlyIfCached === true)
      return tagged(new GatewayTimeout().toResponse(request), cacheStatus(`fwd=${label}`));
    if (request.method === 'HEAD')
      return tagged(await next(request, ctx), cacheStatus(`fwd=${label}`));
    const decide: Decide = (response) => {
      const decision = httpDecision(preq, response, this.config);
      if (typeof decision === 'string') return decision;
      return { ...entryDetails(response), policy: savedPolicy(decision) };
    };
    const miss: Miss = { request, ctx, next, paths, decide, label, usable };
    if (policy !== undefined && (label === 'stale' || label === 'request')) {
      return this.revalidate(miss, policy, preq);
    }
    return this.fill(miss);
  }

  /**
   * Single flight for the key: a request that finds a flight in progress follows it; otherwise
   * `run` leads a new one, given a way to store an origin answer (and settle the flight). A flight
   * whose `run` throws ends unstored.
   */
  async lead(
    miss: Miss,
    run: (flight: Flight, store: Store) => Promise<Response>,
  ): Promise<Response> {
    const { request, ctx, next, paths, decide, label, usable } = miss;
    const pending = this.flights.get(paths.body);
    if (pending !== undefined) {
      return follow(this.store, request, ctx, next, paths, pending, label, usable);
    }
    const flight = this.flights.begin(paths.body);
    const dropped = isConditional(request);
    const store: Store = (response, params) =>
      storeAndAnswer(this.setting, request, response, paths, flight, decide, params, dropped);
    try {
      return await run(flight, store);
    } catch (error) {
      flight.settle(false);
      throw error;
    }
  }

  /** A miss: one request goes to the origin, the others for the key wait for its entry. */
  fill(miss: Miss): Promise<Response> {
    const { request, ctx, next, label } = miss;
    return this.lead(miss, async (_, store) =>
      store(await next(unconditional(request), ctx), [`fwd=${label}`]),
    );
  }

  /** A stale entry: validated with the origin once; a 304 updates its sidecar and serves it. */
  revalidate(miss: Miss, policy: CachePolicy, preq: PolicyRequest): Promise<Response> {
    const { request, ctx, next, paths, label } = miss;
    return this.lead(miss, async (flight, store) => {
      const plain = unconditional(request);
      const validators = policy.revalidationHeaders(policyRequest(plain, paths, this.config));
      const headers = new Headers(plain.headers);
      for (const name of ['if-none-match', 'if-modified-since']) {
        const value = validators[name];
        if (typeof value === 'string') headers.set(name, value);
      }
      const response = await next(new Request(plain, { headers }), ctx);
      if (response.status === 304) {
        await response.body?.cancel().catch(() => undefined);
        const update = policy.revalidatedPolicy(preq, {
          status: 304,
          headers: Object.fromEntries(response.headers),
        });
        const entry =
          update.matches && !update.modified ? await this.store.lookup(paths) : undefined;
        if (entry !== undefined) {
          const sidecar = revalidatedSidecar(
            entry.meta.sidecar,
            update.policy,
            storedFields,
            Date.now(),
          );
          entry.file.close();
          await this.store.update(paths, sidecar);
          const fresh = await this.store.lookup(paths);
          flight.settle(fresh !== undefined);
          if (fresh !== undefined) {
            return await answerFromEntry(
              request,
              fresh,
              cacheStatus(`fwd=${label}`, 'fwd-status=304'),
            );
          }
        }
        // The 304 did not match the stored entry (or it vanished): ask for the whole answer.
        return await store(await next(plain, ctx), [`fwd=${label}`]);
      }
      const params = [`fwd=${label}`, `fwd-status=${response.status}`];
      if (response.status === 200) return await store(response, params);
      flight.settle(false);
      return forward(request, response, cacheStatus(...params), isConditional(request));
    });
  }

  /** RFC 9111 §4.4: after an unsafe request succeeded, the entries it may have changed go. */
  async invalidate(request: Request, ctx: Context, response: Response): Promise<void> {
    const paths = [ctx.scriptName + ctx.pathInfo];
    const origin = new URL(request.url).origin;
    for (const name of ['location', 'content-location']) {
      const value = response.headers.get(name);
      if (value === null) continue;
      try {
        const url = new URL(value, request.url);
        if (url.origin === origin) paths.push(url.pathname);
      } catch {
        // Not a URL: nothing to invalidate.
      }
    }
    for (const path of paths) {
      const entry = this.pathsOf(path === '' ? '/' : path, ctx.host);
      if (entry === undefined) continue;
      this.flights.get(entry.body)?.writer?.cancel();
      await this.store.remove(entry.body);
    }
  }
}

/**
 * Builds the disk cache middleware.
 *
 * @throws {ConfigError} `TROWEL_ERR_DISK_CACHE_*` for bad options or an unusable cache directory.
 * @example
 * ```ts
 * import { diskCache } from 'trowel/disk-cache';
 * const cache = diskCache({ cacheDir: './cache', cachePaths: ['/docs'] });
 * const app = cache(() => new Response('<h1>docs</h1>', { headers: { 'content-type': 'text/html' } }));
 * ```
 */
export function diskCache(options: DiskCacheOptions): Middleware {
  const cache = new DiskCache(resolveOptions(options));
  return (next) => (request, ctx) => cache.handle(request, ctx, next);
}
