/**
 * Proactive content negotiation (RFC 9110 §12): read `Accept`, `Accept-Encoding` and
 * `Accept-Language`, and pick the best of the representations the server can offer.
 *
 * Replaces `paste.util.mimeparse` and the Accept-Language parsing of `paste.request` /
 * `paste.httpheaders`. Paste's gzipper ignored q-values, so `gzip;q=0` still got gzip; here `q=0`
 * always means "not acceptable", a member with an unreadable q is dropped, and a malformed header
 * never throws.
 *
 * Ties are broken as the Node ecosystem (Negotiator, and so Express and Koa) does: higher q
 * first, then the more specific matching range, then the client's order, then the order of
 * `offered` (the server's preference). Content codings skip the client's order: browsers list
 * them by age, not preference, so the server's order decides between equal weights.
 *
 * Not for `Accept-Charset`, which agents no longer send.
 */
import { fieldValue, parseParameter, splitList, splitOutsideQuotes } from './header-syntax.ts';

/** One member of an `Accept`-style list. */
export interface AcceptEntry {
  /** The media range, coding or language range as sent (`text/html`, `gzip`, `en-US`, `*`). */
  readonly value: string;
  /** Parameters before the weight, names lowercased (`level`, `charset`); `q` is not among them. */
  readonly params: ReadonlyMap<string, string>;
  /** The weight, 0–1; 1 when absent. 0 means "not acceptable". */
  readonly q: number;
}

const VALUE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:\/[!#$%&'*+.^_`|~0-9A-Za-z-]+)?$/;
const QVALUE = /^(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * Reads an `Accept`, `Accept-Encoding` or `Accept-Language` value into its members, in header
 * order. A member is a token or `type/subtype`, then `;name=value` parameters, then an optional
 * weight `;q=…` (RFC 9110 §12.4.2); parameters after the weight are ignored. A q above 1 is
 * clamped to 1; a member whose q is not a number, or that is otherwise malformed, is dropped.
 * Never throws.
 *
 * @example
 * ```ts
 * import { parseAccept } from 'trowel';
 * parseAccept('text/html;level=1, text/*;q=0.5').map((e) => [e.value, e.q]);
 * // [['text/html', 1], ['text/*', 0.5]]
 * ```
 */
export function parseAccept(header: string | null | undefined): AcceptEntry[] {
  if (typeof header !== 'string') return [];
  const entries: AcceptEntry[] = [];
  for (const member of splitList(header)) {
    const entry = parseMember(member);
    if (entry) entries.push(entry);
  }
  return entries;
}

function parseMember(member: string): AcceptEntry | undefined {
  const [value = '', ...rest] = splitOutsideQuotes(member, ';');
  if (!VALUE.test(value)) return undefined;
  const params = new Map<string, string>();
  for (const part of rest) {
    if (part === '') continue;
    const param = parseParameter(part);
    if (!param) return undefined;
    if (param.name === 'q') {
      if (!QVALUE.test(param.value)) return undefined;
      return { value, params, q: Math.min(1, Number(param.value)) };
    }
    if (!params.has(param.name)) params.set(param.name, param.value);
  }
  return { value, params, q: 1 };
}

interface Candidate {
  readonly q: number;
  readonly specificity: number;
  readonly order: number;
  readonly index: number;
}

/** The index of the offer with the best candidate, or undefined when none is acceptable. */
function best<T>(
  offered: readonly T[],
  rank: (item: T) => Omit<Candidate, 'index'> | undefined,
): number | undefined {
  let winner: Candidate | undefined;
  offered.forEach((item, index) => {
    const found = rank(item);
    if (!found || found.q <= 0) return;
    const c = { ...found, index };
    if (!winner || compare(c, winner) < 0) winner = c;
  });
  return winner?.index;
}

function compare(a: Candidate, b: Candidate): number {
  return b.q - a.q || b.specificity - a.specificity || a.order - b.order || a.index - b.index;
}

/** The matching entry with the highest specificity (the first on ties), with its position. */
function mostSpecific<E extends { readonly q: number }>(
  entries: readonly E[],
  specificity: (entry: E) => number,
): Omit<Candidate, 'index'> | undefined {
  let found: Omit<Candidate, 'index'> | undefined;
  entries.forEach((entry, order) => {
    const s = specificity(entry);
    if (s >= 0 && (!found || s > found.specificity)) found = { q: entry.q, specificity: s, order };
  });
  return found;
}

interface MediaType {
  readonly type: string;
  readonly subtype: string;
  readonly params: ReadonlyMap<string, string>;
  readonly q: number;
}

function mediaType(entry: AcceptEntry): MediaType | undefined {
  const slash = entry.value.indexOf('/');
  if (slash === -1) return undefined;
  const type = entry.value.slice(0, slash).toLowerCase();
  const subtype = entry.value.slice(slash + 1).toLowerCase();
  // `*/html` is not a media range (RFC 9110 §12.5.1).
  if (type === '*' && subtype !== '*') return undefined;
  return { type, subtype, params: entry.params, q: entry.q };
}

function mediaSpecificity(range: MediaType, offer: MediaType): number {
  if (range.type !== '*' && range.type !== offer.type) return -1;
  if (range.subtype !== '*' && range.subtype !== offer.subtype) return -1;
  for (const [name, value] of range.params) {
    const offered = offer.params.get(name);
    // charset values are case-insensitive (RFC 9110 §8.3.2); others are compared exactly.
    const same =
      name === 'charset' ? offered?.toLowerCase() === value.toLowerCase() : offered === value;
    if (!same) return -1;
  }
  // text/html;level=1 > text/html > text/* > */* (RFC 9110 §12.5.1).
  return (range.type === '*' ? 0 : 1000) + (range.subtype === '*' ? 0 : 1000) + range.params.size;
}

/**
 * Picks the best of `offered` media types for a request's `Accept` header (RFC 9110 §12.5.1). Each
 * offer takes the q of the most specific range that matches it, so with
 * `text/*;q=0.3, text/html;q=0.7` an offer of `text/html` gets 0.7 and `text/plain` 0.3.
 *
 * Without an `Accept` header, or when it has no readable member, everything is acceptable and
 * the first offer wins.
 *
 * @returns the chosen string from `offered` as given, or `undefined` when none is acceptable (the
 * caller answers 406 or ignores the header).
 * @throws {TypeError} when an offer is not a `type/subtype` media type.
 * @example
 * ```ts
 * import { negotiateMediaType } from 'trowel';
 * negotiateMediaType('application/json, text/*;q=0.5', ['text/html', 'application/json']);
 * // 'application/json'
 * ```
 */
export function negotiateMediaType(
  input: Request | string | null | undefined,
  offered: readonly string[],
): string | undefined {
  const offers = offered.map((offer) => {
    const parsed = parseMember(offer);
    const type = parsed && mediaType(parsed);
    if (!type || type.type === '*' || type.subtype === '*') {
      throw new TypeError(`negotiateMediaType: ${JSON.stringify(offer)} is not a media type`);
    }
    return type;
  });
  const ranges = parseAccept(fieldValue(input, 'accept')).flatMap((entry) => {
    const range = mediaType(entry);
    return range ? [range] : [];
  });
  if (ranges.length === 0) return offered[0];
  const chosen = best(offers, (offer) => mostSpecific(ranges, (r) => mediaSpecificity(r, offer)));
  return chosen === undefined ? undefined : offered[chosen];
}

// RFC 9110 §8.4.1.3: x-gzip and x-compress are the same codings as gzip and compress.
function coding(value: string): string {
  const lower = value.toLowerCase();
  return lower === 'x-gzip' ? 'gzip' : lower === 'x-compress' ? 'compress' : lower;
}

/**
 * Picks the best of `offered` content codings for a request's `Accept-Encoding` header
 * (RFC 9110 §12.5.3). On equal q the earlier offer wins. `*` matches every coding not listed; `identity` is acceptable unless the
 * header says `identity;q=0`, or `*;q=0` without naming identity. An identity that is acceptable
 * only for that reason is chosen only when no other offer is. An empty header means identity only.
 *
 * Put `identity` in `offered` to allow an unencoded response. Without an `Accept-Encoding` header,
 * any coding is acceptable, but identity is chosen when offered: a client that says nothing may not
 * decode anything.
 *
 * @returns the chosen string from `offered`, or `undefined` when none is acceptable.
 * @example
 * ```ts
 * import { negotiateEncoding } from 'trowel';
 * negotiateEncoding('gzip, br;q=0.9', ['br', 'gzip', 'identity']); // 'gzip'
 * negotiateEncoding('gzip;q=0', ['gzip', 'identity']); // 'identity'
 * ```
 */
export function negotiateEncoding(
  input: Request | string | null | undefined,
  offered: readonly string[],
): string | undefined {
  const header = fieldValue(input, 'accept-encoding');
  const identity = offered.find((offer) => coding(offer) === 'identity');
  if (header === null) return identity ?? offered[0];
  const entries = parseAccept(header).filter((entry) => !entry.value.includes('/'));
  const names = entries.map((entry) => coding(entry.value));
  const chosen = best(offered, (offer) => {
    const name = coding(offer);
    // Browsers list codings in the order they were implemented (`gzip, deflate, br, zstd`), not
    // by preference, so on equal q the server's order decides: the client order is not used.
    const entry = entries[names.indexOf(name)];
    if (entry) return { q: entry.q, specificity: 1, order: 0 };
    const any = entries[names.indexOf('*')];
    if (any) return { q: any.q, specificity: 0, order: 0 };
    return undefined;
  });
  if (chosen !== undefined) return offered[chosen];
  // Identity stays acceptable when the header neither names it nor has `*`.
  return names.includes('identity') || names.includes('*') ? undefined : identity;
}

const LANGUAGE_RANGE = /^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$/;

function languageRanges(header: string | null): AcceptEntry[] {
  return parseAccept(header).filter((entry) => LANGUAGE_RANGE.test(entry.value));
}

/**
 * Picks the best of `offered` language tags for a request's `Accept-Language` header, using the
 * basic filtering of RFC 4647 §3.3.1: a range matches a tag equal to it or starting with it
 * followed by `-` (so `en` matches `en-US`, but `en-US` does not match `en`), case-insensitively;
 * `*` matches every tag. Each offer takes the q of its longest matching range.
 *
 * Without an `Accept-Language` header, or when it has no readable member, the first offer wins.
 *
 * @returns the chosen string from `offered`, or `undefined` when none is acceptable (most
 * applications then fall back to their default language).
 * @example
 * ```ts
 * import { negotiateLanguage } from 'trowel';
 * negotiateLanguage('fr-CH, fr;q=0.9, en;q=0.8', ['en', 'fr']); // 'fr'
 * ```
 */
export function negotiateLanguage(
  input: Request | string | null | undefined,
  offered: readonly string[],
): string | undefined {
  const ranges = languageRanges(fieldValue(input, 'accept-language'));
  if (ranges.length === 0) return offered[0];
  const chosen = best(offered, (offer) => {
    const tag = offer.toLowerCase();
    return mostSpecific(ranges, (entry) => {
      const range = entry.value.toLowerCase();
      if (range === '*') return 0;
      return tag === range || tag.startsWith(`${range}-`) ? range.length : -1;
    });
  });
  return chosen === undefined ? undefined : offered[chosen];
}

/**
 * The language ranges of an `Accept-Language` header, most preferred first (a stable sort on q,
 * so equal weights keep the client's order), without `*` and without those at `q=0`.
 *
 * @example
 * ```ts
 * import { acceptedLanguages } from 'trowel';
 * acceptedLanguages('da, en-GB;q=0.8, en;q=0.7, *;q=0.1'); // ['da', 'en-GB', 'en']
 * ```
 */
export function acceptedLanguages(input: Request | string | null | undefined): string[] {
  return languageRanges(fieldValue(input, 'accept-language'))
    .filter((entry) => entry.q > 0 && entry.value !== '*')
    .sort((a, b) => b.q - a.q)
    .map((entry) => entry.value);
}
