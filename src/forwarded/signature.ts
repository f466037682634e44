/**
 * HMAC-SHA256 signing of a forwarded request's private headers, so a receiver can trust a proxy
 * it cannot recognise by address (a shared host, a container network).
 *
 * The proxy adds, last of all, `X-WSGIProxy-Signature: v1 t=<unix seconds> n=<nonce>
 * h=<covered names> s=<base64url MAC>`. The MAC is keyed with the shared secret and covers the
 * method, the authority, the raw request-target, the time, the nonce, the list of covered names
 * and every private header ({@link isPrivateHeader}) — names sorted, values of one name joined
 * with `, ` — one per line:
 *
 * ```text
 * trowel-wsgiproxy-v1
 * GET
 * backend.internal:8080
 * /app/page?x=1
 * 1767225600
 * q3Vh0wZ5f3Zx2m1y0b8p4A
 * x-forwarded-for,x-wsgiproxy-str-0
 * x-forwarded-for:203.0.113.7
 * x-wsgiproxy-str-0:REMOTE_USER bob
 * ```
 *
 * The receiver ({@link verifySignature}) recomputes it, compares in constant time, refuses a time
 * outside its window and a nonce it has seen, and refuses when the set of private headers it got is
 * not exactly the set that was signed (one added, or one stripped on the way).
 *
 * The lines stay unambiguous: a covered name must be a token (no `:`, no `,`), and a covered value
 * may hold no CR, LF or NUL — `sign()` throws on such a header and `verifySignature()` refuses it,
 * so no value can pass for another line.
 *
 * What changed from WSGIProxy's `signature.py`, which never worked: the secret is the HMAC key (not
 * a public counter), SHA-256 instead of MD5, the headers and the method are covered, there is a
 * freshness window and a replay cache, the comparison is constant-time, and a secret file's
 * trailing newline is trimmed and its rotation picked up.
 *
 * When not to use it: over an untrusted network without TLS the body and the unsigned headers can
 * still be changed in transit; the signature authenticates the proxy's statements, not the
 * client's request.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync, statSync, type BigIntStats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { Buffer } from 'node:buffer';
import { ConfigError } from '../core/config-error.ts';
import { isToken } from '../core/header-syntax.ts';
import { isPrivateHeader } from './transport.ts';

/** The header that carries the signature (lowercase). */
export const SIGNATURE_HEADER = 'x-wsgiproxy-signature';

const MIN_SECRET_BYTES = 16;
const MAC_BYTES = 32;
const NONCE = /^[A-Za-z0-9_-]{8,128}$/;
const PARSE = /^v1 t=(\d{1,15}) n=([A-Za-z0-9_-]{8,128}) h=([a-z0-9!#$%&'*+.^_`|~,-]*) s=(\S+)$/;

/** Where the shared secret comes from. */
export interface SecretSource {
  /** The current secret (a secret file is re-read when its mtime changes; trailing CR/LF trimmed). */
  get(): Promise<Uint8Array>;
}

/**
 * A {@link SecretSource} from a literal secret or a file. A file is read now (so a missing file is
 * found at startup) and re-read whenever its modification time, size or inode changes, so a rotated
 * secret takes effect without a restart.
 *
 * @throws {ConfigError} `TROWEL_ERR_FORWARDED_SECRET_SOURCE` when neither or both are given,
 * `TROWEL_ERR_FORWARDED_SECRET_SHORT` when the secret has fewer than 16 bytes,
 * `TROWEL_ERR_FORWARDED_SECRET_FILE` when the file cannot be read.
 * @example
 * ```ts
 * import { secretSource } from 'trowel/forwarded';
 * const source = secretSource({ secret: 'a shared secret of some length' });
 * const key = await source.get();
 * ```
 */
export function secretSource(options: {
  readonly secret?: string | Uint8Array;
  readonly secretFile?: string;
}): SecretSource {
  const { secret, secretFile } = options;
  if ((secret === undefined) === (secretFile === undefined)) {
    throw new ConfigError(
      'TROWEL_ERR_FORWARDED_SECRET_SOURCE',
      'give exactly one of secret and secretFile',
    );
  }
  if (secret !== undefined) {
    const bytes =
      typeof secret === 'string' ? new TextEncoder().encode(secret) : Uint8Array.from(secret);
    checkLength(bytes, 'secret', (message) => {
      throw new ConfigError('TROWEL_ERR_FORWARDED_SECRET_SHORT', message);
    });
    return { get: () => Promise.resolve(bytes) };
  }
  return fileSecret(secretFile ?? '');
}

/** What {@link sign} needs. */
export interface SignInput {
  /** The request method. */
  readonly method: string;
  /** The Host header value as sent upstream. */
  readonly authority: string;
  /** The raw request-target as sent upstream: `/path?query`. */
  readonly target: string;
  /** All outgoing headers; every private one ({@link isPrivateHeader}) is covered. */
  readonly headers: Iterable<readonly [string, string]>;
  /** The shared secret. */
  readonly secret: Uint8Array;
  /** Milliseconds since the epoch. @default Date.now() */
  readonly now?: number;
  /** A fresh value per request. @default 16 random bytes, base64url */
  readonly nonce?: string;
}

/**
 * The value of the `X-WSGIProxy-Signature` header for this request. Call it after every other
 * header is final: a private header added later makes the receiver refuse the request.
 *
 * @throws {TypeError} when `nonce` is not 8–128 base64url characters, or a private header's name
 * is not a token or its value holds CR, LF or NUL.
 * @example
 * ```ts
 * import { SIGNATURE_HEADER, sign } from 'trowel/forwarded';
 * const headers = new Headers({ 'x-forwarded-for': '203.0.113.7' });
 * headers.set(SIGNATURE_HEADER, sign({
 *   method: 'GET', authority: 'backend:8080', target: '/page', headers,
 *   secret: new TextEncoder().encode('a shared secret of some length'),
 * }));
 * ```
 */
export function sign(input: SignInput): string {
  const t = Math.floor((input.now ?? Date.now()) / 1000);
  const n = input.nonce ?? randomBytes(16).toString('base64url');
  if (!NONCE.test(n)) throw new TypeError('a signature nonce must be 8-128 base64url characters');
  const covered = coveredHeaders(input.headers);
  const unsafe = unsafeHeader(covered);
  if (unsafe !== undefined) throw new TypeError(`cannot sign ${unsafe}`);
  const mac = hmac(
    input.secret,
    canonical(input.method, input.authority, input.target, t, n, covered),
  );
  return `v1 t=${String(t)} n=${n} h=${[...covered.keys()].join(',')} s=${mac.toString('base64url')}`;
}

/** What {@link verifySignature} checks a signature against. */
export interface VerifyInput {
  /** The `X-WSGIProxy-Signature` header value. */
  readonly signature: string;
  /** The request method. */
  readonly method: string;
  /** The Host header value as received. */
  readonly authority: string;
  /** The request-target as received: `/path?query`. */
  readonly target: string;
  /** All received headers. */
  readonly headers: Iterable<readonly [string, string]>;
  /** The shared secret. */
  readonly secret: Uint8Array;
  /** Milliseconds since the epoch. @default Date.now() */
  readonly now?: number;
  /** How far, in seconds, `t` may lie from now in either direction. @default 300 */
  readonly maxSkew?: number;
}

/** The outcome of {@link verifySignature}: the parsed signature, or why it was refused. */
export type VerifyResult =
  | {
      readonly ok: true;
      readonly t: number;
      readonly nonce: string;
      readonly covered: readonly string[];
    }
  | { readonly ok: false; readonly reason: string };

/**
 * Checks a signature made by {@link sign}: format, freshness, the covered set of private headers
 * (none added, none missing) and the MAC, compared in constant time. Replay is the caller's to
 * check, with the returned nonce.
 *
 * @example
 * ```ts
 * import { verifySignature } from 'trowel/forwarded';
 * const result = verifySignature({
 *   signature: 'v1 t=0 n=AAAAAAAA h= s=AAAA', method: 'GET', authority: 'backend', target: '/',
 *   headers: [], secret: new TextEncoder().encode('a shared secret of some length'),
 * });
 * result.ok; // false
 * ```
 */
export function verifySignature(input: VerifyInput): VerifyResult {
  const match = PARSE.exec(input.signature.trim());
  if (match === null) return { ok: false, reason: 'malformed signature' };
  const [, tText = '', nonce = '', names = '', macText = ''] = match;
  const t = Number(tText);
  const now = (input.now ?? Date.now()) / 1000;
  if (Math.abs(now - t) > (input.maxSkew ?? 300)) {
    return { ok: false, reason: 'signature time outside the allowed window' };
  }
  const covered = coveredHeaders(input.headers);
  const unsafe = unsafeHeader(covered);
  if (unsafe !== undefined) return { ok: false, reason: unsafe };
  const signedNames = names === '' ? [] : names.split(',');
  const actualNames = [...covered.keys()];
  if (signedNames.join(',') !== actualNames.join(',')) {
    return { ok: false, reason: 'private headers differ from the signed set' };
  }
  const expected = hmac(
    input.secret,
    canonical(input.method, input.authority, input.target, t, nonce, covered),
  );
  // Decoded length is checked after a fixed-length comparison, so a short MAC takes the same path.
  const given = /^[A-Za-z0-9_-]*$/.test(macText)
    ? Buffer.from(macText, 'base64url')
    : Buffer.alloc(0);
  const candidate = given.length === MAC_BYTES ? given : Buffer.alloc(MAC_BYTES);
  const equal = timingSafeEqual(candidate, expected);
  if (!equal || given.length !== MAC_BYTES) return { ok: false, reason: 'bad signature' };
  return { ok: true, t, nonce, covered: actualNames };
}

function coveredHeaders(headers: Iterable<readonly [string, string]>): Map<string, string> {
  const values = new Map<string, string[]>();
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === SIGNATURE_HEADER || !isPrivateHeader(lower)) continue;
    const list = values.get(lower);
    if (list === undefined) values.set(lower, [value]);
    else list.push(value);
  }
  const sorted = new Map<string, string>();
  for (const name of [...values.keys()].sort())
    sorted.set(name, (values.get(name) ?? []).join(', '));
  return sorted;
}

const LINE_BREAKING = /[\r\n\0]/;

/** Why a covered header cannot be part of the signed text, or `undefined` when it can. */
function unsafeHeader(covered: ReadonlyMap<string, string>): string | undefined {
  for (const [name, value] of covered) {
    if (!isToken(name)) return `the header name ${JSON.stringify(name)} is not a token`;
    if (LINE_BREAKING.test(value)) return `the ${name} header holds CR, LF or NUL`;
  }
  return undefined;
}

function canonical(
  method: string,
  authority: string,
  target: string,
  t: number,
  nonce: string,
  covered: ReadonlyMap<string, string>,
): string {
  const lines = [
    'trowel-wsgiproxy-v1',
    method.toUpperCase(),
    authority.toLowerCase(),
    target,
    String(t),
    nonce,
    [...covered.keys()].join(','),
  ];
  for (const [name, value] of covered) lines.push(`${name}:${value}`);
  return lines.join('\n');
}

function hmac(secret: Uint8Array, message: string): Buffer {
  return createHmac('sha256', secret).update(message, 'utf8').digest();
}

function checkLength(bytes: Uint8Array, what: string, fail: (message: string) => never): void {
  if (bytes.length < MIN_SECRET_BYTES) {
    fail(
      `${what} must have at least ${String(MIN_SECRET_BYTES)} bytes, got ${String(bytes.length)}`,
    );
  }
}

function trimNewlines(bytes: Uint8Array): Uint8Array {
  let end = bytes.length;
  while (end > 0 && (bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  return bytes.subarray(0, end);
}

function stamp(stats: BigIntStats): string {
  return `${String(stats.mtimeNs)}:${String(stats.ctimeNs)}:${String(stats.size)}:${String(stats.ino)}`;
}

function fileSecret(path: string): SecretSource {
  let current: Uint8Array;
  let version: string;
  try {
    version = stamp(statSync(path, { bigint: true }));
    current = trimNewlines(readFileSync(path));
  } catch (error) {
    throw new ConfigError(
      'TROWEL_ERR_FORWARDED_SECRET_FILE',
      `cannot read the secret file ${JSON.stringify(path)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  checkLength(current, `the secret file ${JSON.stringify(path)}`, (message) => {
    throw new ConfigError('TROWEL_ERR_FORWARDED_SECRET_SHORT', message);
  });
  let pending: Promise<Uint8Array> | undefined;
  const refresh = async (): Promise<Uint8Array> => {
    const next = stamp(await stat(path, { bigint: true }));
    if (next === version) return current;
    const bytes = trimNewlines(await readFile(path));
    // A rotation that leaves a too-short secret is refused rather than silently weakening trust.
    checkLength(bytes, `the secret file ${JSON.stringify(path)}`, (message) => {
      throw new Error(message);
    });
    current = bytes;
    version = next;
    return bytes;
  };
  return {
    get: () =>
      (pending ??= refresh().finally(() => {
        pending = undefined;
      })),
  };
}
