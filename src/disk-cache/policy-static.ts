/**
 * The `static` policy: wsgi_cache's "keep it until it is purged", made safe. An entry is stored
 * from a 200 answer to a GET only when nothing in the response says it must not be shared or
 * reused, and it is then served as is — with no freshness check — until it is purged, invalidated
 * by an unsafe request, evicted, or older than `maxAge`. That is the contract a file server
 * serving the directory directly keeps too, which is why the policy is the default.
 *
 * Refused (the response passes through, nothing stored), each with the reason reported in
 * `Cache-Status`: a status other than 200 (a file server would serve any file as 200); a
 * `Set-Cookie` (one user's session must not be served to the next); `Cache-Control: no-store`,
 * `private` or `no-cache` (RFC 9111 §5.2.2: the origin asked for no sharing or for a check on
 * every use, which a plain file cannot do); `Vary` on anything but `Accept-Encoding` (a file has one
 * variant); a `Content-Encoding` other than `identity` unless `storeEncoded` (a file server would
 * send the bytes without the header).
 */
import { parseCacheControl } from '../core/cache-control.ts';
import { negotiateEncoding } from '../core/negotiation.ts';
import type { DiskCacheConfig } from './options.ts';
import type { EntryMeta } from './sidecar.ts';

/** The content coding of a response, or `undefined` for none or `identity`. */
export function contentCoding(headers: Headers): string | undefined {
  const coding = headers.get('content-encoding')?.trim().toLowerCase();
  return coding === undefined || coding === '' || coding === 'identity' ? undefined : coding;
}

/** The members of a response's `Vary`, lower case. */
export function varyFields(headers: Headers): string[] {
  return (headers.get('vary') ?? '')
    .split(',')
    .map((field) => field.trim().toLowerCase())
    .filter((field) => field !== '');
}

/**
 * Why the `static` policy does not store `response`, or `undefined` when it does.
 *
 * @example
 * ```ts
 * staticRefusal(new Response('x', { headers: { 'cache-control': 'private' } }), config); // 'private'
 * ```
 */
export function staticRefusal(
  response: Response,
  config: Pick<DiskCacheConfig, 'storeEncoded'>,
): string | undefined {
  const { headers } = response;
  if (response.status !== 200) return 'status';
  if (headers.has('set-cookie')) return 'set-cookie';
  const cc = parseCacheControl(headers.get('cache-control'));
  if (cc.noStore === true) return 'no-store';
  if (cc.private !== undefined && cc.private !== false) return 'private';
  if (cc.noCache !== undefined && cc.noCache !== false) return 'no-cache';
  const coding = contentCoding(headers);
  if (coding !== undefined && !config.storeEncoded) return 'encoded';
  const vary = varyFields(headers);
  // With storeEncoded, an encoded entry is only served to clients that accept its coding, which
  // is all `Vary: Accept-Encoding` asks of a cache holding that one variant.
  if (vary.some((field) => field !== 'accept-encoding')) return 'vary';
  return undefined;
}

/**
 * Why a stored entry may not answer `request` under the `static` policy (`expired`: older than
 * `maxAge`; `encoding`: the client does not accept its content coding), or `undefined` when it
 * may.
 */
export function staticUnusable(
  request: Request,
  meta: EntryMeta,
  config: Pick<DiskCacheConfig, 'maxAge'>,
  now: number,
): 'expired' | 'encoding' | undefined {
  if (config.maxAge !== undefined && now - meta.sidecar.storedAt > config.maxAge) return 'expired';
  return acceptsCoding(request, meta) ? undefined : 'encoding';
}

/** Whether the client accepts the content coding of a stored entry. */
export function acceptsCoding(request: Request, meta: EntryMeta): boolean {
  const coding = meta.contentEncoding;
  return coding === undefined || negotiateEncoding(request, [coding]) !== undefined;
}
