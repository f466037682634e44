/**
 * @module trowel/auth/digest
 *
 * HTTP Digest authentication (RFC 7616): the password never crosses the wire; the client proves
 * it knows it by hashing it with a server-issued nonce. Offers SHA-256 and MD5 (one challenge
 * each, SHA-256 first; SHA-512-256 on request) and accepts their `-sess` variants, `qop=auth`
 * (and `auth-int` when enabled), checks users against an Apache htdigest file or a callback, and
 * hands the user to the application in `REMOTE_USER`, with `AUTH_TYPE` `Digest`. Successful
 * responses carry `Authentication-Info` with `rspauth`, so the client can check the server too.
 *
 * It replaces `paste.auth.digest` (`egg:Paste#auth_digest`) and fixes what that got wrong:
 *
 * - Nonces are made by the server and signed (HMAC-SHA-256 over the time of issue, 12 random
 *   bytes, the realm and the opaque value); a nonce a client invents, or one made with another
 *   secret or realm, is refused. Nothing is stored per anonymous request, so no table grows.
 * - A nonce expires after `nonceLifetime` (300 s): a right answer with an old nonce gets 401 with
 *   `stale=true`, and clients retry with the fresh one without asking the user.
 * - Replays are refused: the `nc` of each nonce must grow (on by default; Apache's
 *   `AuthDigestNcCheck` is off by default). A replayed or reordered request gets 401
 *   `stale=true`, so an honest client recovers and an attacker learns nothing.
 * - `uri` must be exactly the request-target (its path and query, or the absolute URL), else 400
 *   as in Apache: a response computed for `/` does not open `/admin`.
 * - `opaque` is checked, comparisons are constant-time, unknown users cost as much as known ones,
 *   and a malformed field is a 400, never a crash.
 *
 * Several processes or machines: nonces are checked with `secret`, which is random per process by
 * default — with `workers` or a load balancer give every process the same `secret`, or a nonce
 * issued by one is refused by another (as `stale=true`, so clients recover at the cost of a round
 * trip). The `nc` record is per process: a replay sent to another process is caught only there.
 *
 * When not to use it: Digest with MD5 is weak by today's standards and any Digest server stores
 * password equivalents (HA1s). Over HTTPS, Basic with bcrypt hashes is simpler and stores less; for
 * a login page or single sign-on use trowel's form, ticket or CAS authentication.
 */
import type { Handler, Middleware } from '../../core/handler.ts';
import { readBytes } from '../../core/body.ts';
import type { Context } from '../../core/context.ts';
import { BadRequest, isHttpError, Unauthorized } from '../../core/http-error.ts';
import { AUTH_TYPE, REMOTE_USER } from '../../core/keys.ts';
import { quoteRealm } from '../basic/challenge.ts';
import { safeEqual } from '../basic/hashes.ts';
import {
  baseHash,
  digestAlgorithm,
  digestHex,
  digestResponse,
  type DigestAlgorithm,
  type ResponseInput,
} from './compute.ts';
import { createNonces, NonceCounts } from './nonce.ts';
import { resolveDigestOptions, type DigestAuthOptions } from './options.ts';
import { parseDigest, type DigestCredentials } from './params.ts';

export { htdigestKey, parseHtdigest } from '../files.ts';
export {
  DIGEST_ALGORITHMS,
  digestHa1,
  digestResponse,
  digestUserhash,
  type DigestAlgorithm,
  type DigestHash,
  type ResponseInput,
} from './compute.ts';
export type { DigestAuthOptions } from './options.ts';
export { parseDigest, type DigestCredentials, type ParsedDigest } from './params.ts';

/** The request-target forms `uri` may take: origin-form, or absolute-form (RFC 9112 §3.2). */
function targetMatches(uri: string, request: Request): boolean {
  const url = new URL(request.url);
  return uri === url.pathname + url.search || uri === url.href;
}

type Outcome =
  | { readonly kind: 'challenge'; readonly stale: boolean }
  | { readonly kind: 'bad'; readonly reason: string }
  | {
      readonly kind: 'user';
      readonly user: string;
      readonly request: Request;
      readonly rspauth: string;
    };

/**
 * Digest authentication as middleware. A request already carrying `REMOTE_USER` (set by an outer
 * authentication middleware) passes through untouched.
 *
 * Answers 401 with one challenge per algorithm when credentials are missing or wrong (with
 * `stale=true` for an expired or reused nonce), and 400 when the `Authorization` field is
 * malformed, names an algorithm or qop not offered, or its `uri` is not the request-target.
 *
 * @throws {ConfigError} `TROWEL_ERR_AUTH_DIGEST_REALM`, `_OPTIONS`, `_ALGORITHM`, `_SECRET` or
 *   `_HTDIGEST` (the file cannot be read) when built.
 *
 * @example
 * ```ts
 * import { compose, REMOTE_USER, type Handler } from 'trowel';
 * import { digestAuth } from 'trowel/auth/digest';
 *
 * const app: Handler = (_request, ctx) => new Response(`hello ${ctx.require(REMOTE_USER)}`);
 * export const handler: Handler = compose(
 *   digestAuth({ realm: 'admin', passwordFor: (user) => (user === 'alice' ? 'wonderland' : undefined) }),
 * )(app);
 * ```
 */
export function digestAuth(options: DigestAuthOptions): Middleware {
  const resolved = resolveDigestOptions(options);
  const { realm, accepted, qop } = resolved;
  const nonces = createNonces(resolved.secret, realm, resolved.lifetimeMs);
  const counts = new NonceCounts(resolved.maxTrackedNonces, resolved.lifetimeMs);
  const qopValue = qop.join(',');
  const challenges = (stale: boolean): string[] => {
    const nonce = nonces.issue(Date.now());
    return resolved.algorithms.map(
      (algorithm) =>
        `Digest realm=${quoteRealm(realm)}, qop="${qopValue}", algorithm=${algorithm}, ` +
        `nonce="${nonce}", opaque="${nonces.opaque}", charset=UTF-8` +
        (resolved.userFromHash === undefined ? '' : ', userhash=true') +
        (stale ? ', stale=true' : ''),
    );
  };
  // Spent on unknown users so they cost one hash computation like known ones.
  const dummyHa1 = digestHex('SHA-256', String(Math.random()));

  async function check(request: Request, c: DigestCredentials): Promise<Outcome> {
    const algorithm: DigestAlgorithm | undefined = digestAlgorithm(c.algorithm ?? 'MD5');
    if (algorithm === undefined || !accepted.has(algorithm)) {
      return { kind: 'bad', reason: `algorithm ${c.algorithm ?? 'MD5'} is not offered` };
    }
    const q = c.qop === 'auth' || c.qop === 'auth-int' ? c.qop : undefined;
    if (q === undefined || !qop.includes(q))
      return { kind: 'bad', reason: `qop ${c.qop} is not offered` };
    // RFC 7616 §3.4.6: the uri must name the requested resource; Apache answers 400 when not.
    if (!targetMatches(c.uri, request))
      return { kind: 'bad', reason: 'uri is not the request-target' };
    if (c.realm !== realm || c.opaque !== nonces.opaque) return { kind: 'challenge', stale: false };
    const now = Date.now();
    const nonce = nonces.check(c.nonce, now);
    if (nonce.kind === 'invalid') return { kind: 'challenge', stale: false };
    const hash = baseHash(algorithm);
    let user: string | undefined = c.username;
    if (c.userhash) {
      if (resolved.userFromHash === undefined)
        return { kind: 'bad', reason: 'userhash is not offered' };
      user = await resolved.userFromHash(c.username, hash);
    }
    const ha1 = user === undefined ? undefined : await resolved.ha1(user, hash);
    let forward = request;
    let bodyHash: string | undefined;
    if (q === 'auth-int') {
      const body = await readBytes(request, { limit: resolved.maxBodySize });
      bodyHash = digestHex(hash, body);
      forward = new Request(request, { body: body.byteLength === 0 ? null : body });
    }
    const input: Omit<ResponseInput, 'method'> = {
      algorithm,
      ha1: ha1 ?? dummyHa1,
      nonce: c.nonce,
      nc: c.nc,
      cnonce: c.cnonce,
      qop: q,
      uri: c.uri,
      ...(bodyHash === undefined ? {} : { bodyHash }),
    };
    const right = safeEqual(digestResponse({ ...input, method: request.method }), c.response);
    if (!right || user === undefined || ha1 === undefined)
      return { kind: 'challenge', stale: false };
    // RFC 7616 §3.3: stale=true only when the credentials were right, so the client retries silently.
    if (nonce.expired) return { kind: 'challenge', stale: true };
    if (resolved.ncCheck && !counts.accept(c.nonce, nonce.issued, Number.parseInt(c.nc, 16), now)) {
      return { kind: 'challenge', stale: true };
    }
    return {
      kind: 'user',
      user,
      request: forward,
      rspauth: digestResponse({ ...input, method: '' }),
    };
  }

  return (next: Handler): Handler =>
    async (request: Request, ctx: Context) => {
      if (ctx.get(REMOTE_USER) !== undefined) return next(request, ctx);
      const parsed = parseDigest(request.headers.get('authorization'));
      if (parsed.kind === 'absent') return new Unauthorized(challenges(false)).toResponse(request);
      if (parsed.kind === 'malformed') {
        return new BadRequest(`malformed Authorization: ${parsed.reason}`).toResponse(request);
      }
      let outcome: Outcome;
      try {
        outcome = await check(request, parsed.credentials);
      } catch (error) {
        // readBytes' 413 (or 400 for a broken body) under auth-int.
        if (isHttpError(error)) return error.toResponse(request);
        throw error;
      }
      if (outcome.kind === 'bad') {
        return new BadRequest(`Authorization: ${outcome.reason}`).toResponse(request);
      }
      if (outcome.kind === 'challenge') {
        return new Unauthorized(challenges(outcome.stale)).toResponse(request);
      }
      ctx.set(REMOTE_USER, outcome.user);
      ctx.set(AUTH_TYPE, 'Digest');
      if (resolved.onUser !== undefined) await resolved.onUser(outcome.user, request, ctx);
      let inner = outcome.request;
      if (!resolved.forwardAuthorization) {
        const headers = new Headers(inner.headers);
        headers.delete('authorization');
        inner = new Request(inner, { headers });
      }
      const response = await next(inner, ctx);
      if (response.status < 200) return response;
      const { credentials } = parsed;
      const headers = new Headers(response.headers);
      headers.set(
        'authentication-info',
        `qop=${credentials.qop}, rspauth="${outcome.rspauth}", cnonce="${credentials.cnonce.replace(/["\\]/g, '\\$&')}", nc=${credentials.nc}`,
      );
      return new Response(response.body, {
        status: response.status,
        statusText: response.statusText,
        headers,
      });
    };
}
