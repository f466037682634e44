/**
 * The `http` policy: a shared cache per RFC 9111, with the rules taken from
 * `http-cache-semantics` (the library the field uses) rather than re-derived. What may be stored
 * (§3: method, status, `no-store`, `private`, `Authorization` per §3.5), for how long (§4.2:
 * `s-maxage`, `max-age`, `Expires`; heuristic freshness only when enabled), whether a stored
 * entry answers a request (§4: `Vary`, request `no-cache`, `max-age`, `min-fresh`, `max-stale`,
 * `must-revalidate`), how to validate it (§4.3: `If-None-Match` / `If-Modified-Since`) and how a
 * 304 updates it (§4.3.4). `Age` is sent on every hit (§5.1).
 *
 * On top of the library, the layout's rules: only 200 is stored (a file server serves any file as
 * 200), never a response with `Set-Cookie` or `Vary: *`, an encoded body only with
 * `storeEncoded`, and nothing that could never be reused (no freshness and no validator). One
 * variant is kept per path: a request that does not match the stored variant's `Vary` goes to
 * the origin, and the new answer replaces it. `Cookie` and `Authorization` values are never
 * written to a sidecar.
 */
import CachePolicy from 'http-cache-semantics';
import { parseCacheControl } from '../core/cache-control.ts';
import type { EntryPaths } from './layout.ts';
import type { DiskCacheConfig } from './options.ts';
import { contentCoding } from './policy-static.ts';
import type { EntryMeta, Sidecar } from './sidecar.ts';

/** A request as the library reads it. */
export type PolicyRequest = CachePolicy.Request;

/** Header fields that are never written to a sidecar, even when `Vary` names them. */
const SECRET = ['authorization', 'cookie', 'proxy-authorization'];

function headerObject(headers: Headers): CachePolicy.Headers {
  const out: CachePolicy.Headers = {};
  for (const [name, value] of headers) if (name !== 'set-cookie') out[name] = value;
  return out;
}

/**
 * The request as the policy sees it: the entry's path as its URL (queries are never cached) and
 * the host it is kept under (`''` when entries are not kept by host, so any host matches).
 */
export function policyRequest(
  request: Request,
  paths: EntryPaths,
  config: Pick<DiskCacheConfig, 'byHost'>,
): PolicyRequest {
  const headers = headerObject(request.headers);
  headers['host'] = config.byHost ? paths.key.slice(0, paths.key.length - paths.path.length) : '';
  return { url: paths.path, method: 'GET', headers };
}

/** The library's state for a stored entry, without any secret request field. */
export function savedPolicy(policy: CachePolicy): CachePolicy.CachePolicyObject {
  const saved = policy.toObject();
  if (saved.reqh === null) return saved;
  const reqh = Object.fromEntries(
    Object.entries(saved.reqh).filter(([name]) => !SECRET.includes(name)),
  );
  return { ...saved, reqh };
}

/** The policy of a stored entry, or `undefined` when the sidecar has none (or a broken one). */
export function loadPolicy(meta: EntryMeta): CachePolicy | undefined {
  if (meta.policy !== undefined) return meta.policy;
  const saved = meta.sidecar.policy;
  if (saved === undefined) return undefined;
  try {
    meta.policy = CachePolicy.fromObject(saved);
  } catch {
    return undefined;
  }
  return meta.policy;
}

/**
 * A policy for `response` when the `http` policy stores it, or why it does not.
 *
 * @example
 * ```ts
 * const decision = httpDecision(preq, response, config);
 * if (typeof decision !== 'string') decision.timeToLive();
 * ```
 */
export function httpDecision(
  preq: PolicyRequest,
  response: Response,
  config: Pick<DiskCacheConfig, 'heuristic' | 'storeEncoded'>,
): CachePolicy | string {
  const { headers } = response;
  if (response.status !== 200) return 'status';
  if (headers.has('set-cookie')) return 'set-cookie';
  // Vary: * matches no request; a Vary on a credential field would need the credential kept in the
  // sidecar to be matched, and it is never kept: neither can be served from the cache.
  const vary = (headers.get('vary') ?? '')
    .toLowerCase()
    .split(',')
    .map((name) => name.trim());
  if (vary.some((name) => name === '*' || SECRET.includes(name))) return 'vary';
  if (contentCoding(headers) !== undefined && !config.storeEncoded) return 'encoded';
  const policy = new CachePolicy(
    preq,
    { status: 200, headers: headerObject(headers) },
    {
      shared: true,
      ignoreCargoCult: false,
      // RFC 9111 §4.2.2: heuristic freshness only when asked for; `immutable` alone is not
      // freshness either (RFC 8246 §2).
      cacheHeuristic: config.heuristic ? 0.1 : 0,
      ...(config.heuristic ? {} : { immutableMinTimeToLive: 0 }),
    },
  );
  if (!policy.storable()) {
    const cc = parseCacheControl(headers.get('cache-control'));
    if (cc.noStore === true) return 'no-store';
    if (cc.private !== undefined && cc.private !== false) return 'private';
    if (preq.headers['authorization'] !== undefined) return 'authorization';
    return 'not-storable';
  }
  if (policy.timeToLive() <= 0 && !headers.has('etag') && !headers.has('last-modified')) {
    return 'not-reusable';
  }
  return policy;
}

/** How a stored entry relates to a request. */
export type Evaluation =
  | { readonly kind: 'fresh'; readonly ttl: number; readonly age: number }
  | { readonly kind: 'stale' | 'request' | 'vary-miss' };

/** Whether the request fields the stored entry's `Vary` names match the request's. */
export function varyMatches(policy: CachePolicy, preq: PolicyRequest): boolean {
  const saved = policy.toObject();
  const vary = saved.resh['vary'];
  if (vary === undefined) return true;
  const stored = saved.reqh ?? {};
  for (const raw of String(vary).split(',')) {
    const name = raw.trim().toLowerCase();
    if (name === '') continue;
    if (name === '*' || SECRET.includes(name)) return false;
    if (stored[name] !== preq.headers[name]) return false;
  }
  return true;
}

/**
 * Whether a stored entry answers `preq` as is (`fresh`, with its remaining freshness and age in
 * seconds) or why not: `stale` (validate it), `request` (the request's own directives ask for
 * the origin) or `vary-miss` (another variant was asked for).
 */
export function evaluate(policy: CachePolicy, preq: PolicyRequest): Evaluation {
  // First, and by trowel's rules: the library would take a credential the sidecar never keeps,
  // and the request does not send, for a match.
  if (!varyMatches(policy, preq)) return { kind: 'vary-miss' };
  const result = policy.evaluateRequest(preq);
  if (result.response !== undefined && result.revalidation === undefined) {
    const age = policy.age();
    return { kind: 'fresh', ttl: Math.max(0, Math.floor(policy.maxAge() - age)), age };
  }
  const cc = parseCacheControl(String(preq.headers['cache-control'] ?? ''));
  const pragma = String(preq.headers['pragma'] ?? '');
  const asks =
    (cc.noCache !== undefined && cc.noCache !== false) ||
    cc.maxAge !== undefined ||
    cc.minFresh !== undefined ||
    (preq.headers['cache-control'] === undefined && /no-cache/i.test(pragma));
  return { kind: asks && !policy.stale() ? 'request' : 'stale' };
}

/** The stored fields and policy state after a 304 updated `policy`. */
export function revalidatedSidecar(
  sidecar: Sidecar,
  policy: CachePolicy,
  fields: (headers: Headers) => [string, string][],
  now: number,
): Sidecar {
  const saved = savedPolicy(policy);
  const headers = new Headers();
  for (const [name, value] of Object.entries(saved.resh)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) headers.append(name, one);
  }
  return { ...sidecar, headers: fields(headers), storedAt: now, policy: saved };
}
