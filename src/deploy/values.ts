/**
 * Reading the words of a config value: Paste's boolean words, integers, byte sizes, durations and
 * lists, each returning `undefined` for a value it does not accept (the converters in
 * `converters.ts` turn that into an error naming the key), and the "did you mean" matcher.
 */

/** Paste's `asbool` words. */
const TRUE = new Set(['true', 'yes', 'on', 'y', 't', '1']);
const FALSE = new Set(['false', 'no', 'off', 'n', 'f', '0']);

/** `true`/`yes`/`on`/`y`/`t`/`1` and `false`/`no`/`off`/`n`/`f`/`0`, any case; else `undefined`. */
export function parseBool(value: string): boolean | undefined {
  const word = value.trim().toLowerCase();
  return TRUE.has(word) ? true : FALSE.has(word) ? false : undefined;
}

/** A decimal integer (optional sign, `_` between digits allowed); else `undefined`. */
export function parseInteger(value: string): number | undefined {
  const text = value.trim();
  if (!/^[+-]?\d+(?:_\d+)*$/.test(text)) return undefined;
  const number = Number(text.replace(/_/g, ''));
  return Number.isSafeInteger(number) ? number : undefined;
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/**
 * A byte count: a number with an optional unit `b`, `k`/`kb`/`kib`, `m…`, `g…`, `t…` (any case;
 * all binary, as nginx reads `10m`), e.g. `512`, `64k`, `1.5 MiB`; else `undefined`.
 */
export function parseSize(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value.trim());
  if (!match) return undefined;
  const unit = SIZE_UNITS[(match[2] ?? '').toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.round(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

const DURATION_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  sec: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * A duration in milliseconds: `250ms`, `30s`, `5m`, `2h`, `1d`, `1h30m`, `1.5s`; a bare number is
 * in `bareUnit` (seconds, as Paste's timeouts are); else `undefined`.
 */
export function parseDuration(value: string, bareUnit: 's' | 'ms' = 's'): number | undefined {
  const text = value.trim().toLowerCase();
  if (/^\d+(?:\.\d+)?$/.test(text)) {
    return Math.round(Number(text) * (bareUnit === 's' ? 1000 : 1));
  }
  const parts = /^(?:\d+(?:\.\d+)?\s*(?:ms|sec|min|s|m|h|d)\s*)+$/.test(text)
    ? text.matchAll(/(\d+(?:\.\d+)?)\s*(ms|sec|min|s|m|h|d)/g)
    : undefined;
  if (parts === undefined) return undefined;
  let total = 0;
  for (const [, amount, unit] of parts) total += Number(amount) * (DURATION_UNITS[unit ?? ''] ?? 0);
  return Math.round(total);
}

/** Splits a list on whitespace (Paste's `aslist`) or on commas, dropping empty items. */
export function parseList(
  value: string,
  separator: 'whitespace' | 'comma' = 'whitespace',
): string[] {
  const items = separator === 'comma' ? value.split(',') : value.split(/\s+/);
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

/** The entry of `candidates` within edit distance 2 of `word`, if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (row[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = row;
  }
  return previous[b.length] ?? 0;
}
