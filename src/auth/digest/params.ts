/**
 * Reads `Authorization: Digest …` (RFC 7616 §3.4) into its parameters without ever throwing:
 * anything malformed — the bare word `Digest` that crashed Paste, a parameter twice, a missing
 * required one, an `nc` that is not 8 hex digits — comes back as `malformed`, answered with 400.
 */
import { parseParameter, splitList } from '../../core/header-syntax.ts';

/** The parameters of a Digest `Authorization` field that trowel uses. */
export interface DigestCredentials {
  /** `username`, or `username*` decoded (RFC 8187); with `userhash`, the hash. */
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  /** As sent; `undefined` means MD5 (RFC 7616 §3.4). */
  readonly algorithm: string | undefined;
  readonly cnonce: string;
  readonly nc: string;
  readonly qop: string;
  readonly opaque: string | undefined;
  readonly userhash: boolean;
}

/** What an `Authorization` field said, as far as Digest is concerned. */
export type ParsedDigest =
  | { readonly kind: 'absent' }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'present'; readonly credentials: DigestCredentials };

function malformed(reason: string): ParsedDigest {
  return { kind: 'malformed', reason };
}

/** RFC 8187 ext-value, UTF-8 only: `UTF-8'[language]'pct-encoded`. */
function extValue(value: string): string | undefined {
  const match = /^UTF-8'[A-Za-z0-9-]*'((?:[!#$&+.^_`|~0-9A-Za-z-]|%[0-9A-Fa-f]{2})*)$/i.exec(value);
  if (match?.[1] === undefined) return undefined;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return undefined;
  }
}

const REQUIRED = ['realm', 'nonce', 'uri', 'response', 'qop', 'nc', 'cnonce'] as const;

/**
 * The parameters of a Digest `Authorization` field value; `absent` when there is no field or it
 * names another scheme. Responses without `qop` (RFC 2069's form) are refused: they carry no
 * `nc`, so they could be replayed.
 *
 * @example
 * ```ts
 * import { parseDigest } from 'trowel/auth/digest';
 *
 * parseDigest('Digest username="a", realm="r"').kind; // 'malformed' (no nonce, uri, response…)
 * ```
 */
export function parseDigest(field: string | null): ParsedDigest {
  if (field === null) return { kind: 'absent' };
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?:[ ]+(.*))?$/s.exec(field.trim());
  if (match === null) return malformed('not a credentials field');
  if (match[1]?.toLowerCase() !== 'digest') return { kind: 'absent' };
  const params = new Map<string, string>();
  for (const part of splitList(match[2] ?? '')) {
    const param = parseParameter(part);
    if (param === undefined) return malformed(`bad parameter ${JSON.stringify(part)}`);
    if (params.has(param.name)) return malformed(`parameter ${param.name} given twice`);
    params.set(param.name, param.value);
  }
  for (const name of REQUIRED) {
    if (!params.has(name)) return malformed(`parameter ${name} missing`);
  }
  const plain = params.get('username');
  const star = params.get('username*');
  if ((plain === undefined) === (star === undefined)) {
    return malformed('exactly one of username and username* is required');
  }
  const username = plain ?? extValue(star ?? '');
  if (username === undefined) return malformed('username* is not a UTF-8 ext-value');
  const nc = params.get('nc') ?? '';
  if (!/^[0-9a-fA-F]{8}$/.test(nc)) return malformed('nc is not 8 hex digits');
  const userhash = (params.get('userhash') ?? 'false').toLowerCase();
  if (userhash !== 'true' && userhash !== 'false')
    return malformed('userhash is not true or false');
  return {
    kind: 'present',
    credentials: {
      username,
      realm: params.get('realm') ?? '',
      nonce: params.get('nonce') ?? '',
      uri: params.get('uri') ?? '',
      response: (params.get('response') ?? '').toLowerCase(),
      algorithm: params.get('algorithm'),
      cnonce: params.get('cnonce') ?? '',
      nc,
      qop: params.get('qop') ?? '',
      opaque: params.get('opaque'),
      userhash: userhash === 'true',
    },
  };
}
