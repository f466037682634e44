/**
 * Finding the link or button a test wants to click: by its visible text, its `href`, its `id`, a
 * CSS selector, or any combination (all must match), with `index` to choose among several. A
 * string matches as a substring, a RegExp as a search, a function as a predicate.
 *
 * Links whose `href` is only a fragment (`#top`) or a `javascript:` URL are skipped, since
 * following them would not reach the server; anything inside `<script>` is not markup and is
 * never matched. Buttons are clicked through the URL their `onclick` assigns to `location`.
 */
import type { CheerioAPI } from 'cheerio';
import { select } from './html.ts';

/** Matches a piece of text: substring, RegExp search or predicate. */
export type TextPattern = string | RegExp | ((text: string) => boolean);

/** Which link to click. Every pattern given must match. */
export interface LinkQuery {
  /** The link's visible text. @default any */
  readonly description?: TextPattern;
  /** The `href` attribute as written. @default any */
  readonly href?: TextPattern;
  /** The `id` attribute. @default any */
  readonly linkid?: TextPattern;
  /** A CSS selector the element must match. @default 'a' */
  readonly selector?: string;
  /** Which of several matches to click; without it, several matches are an error. @default none */
  readonly index?: number;
}

/** Which button to click. Every pattern given must match. */
export interface ButtonQuery {
  /** The button's text (or `value` attribute). @default any */
  readonly description?: TextPattern;
  /** The URL its `onclick` goes to. @default any */
  readonly href?: TextPattern;
  /** The `id` attribute. @default any */
  readonly buttonid?: TextPattern;
  /** A CSS selector the element must match. @default 'button, input[type=button], input[type=submit]' */
  readonly selector?: string;
  /** Which of several matches to click. @default none */
  readonly index?: number;
}

interface Candidate {
  readonly text: string;
  readonly href: string;
  readonly id: string;
}

/** True when `text` matches `pattern`. */
export function matches(pattern: TextPattern, text: string): boolean {
  if (typeof pattern === 'string') return text.includes(pattern);
  // `search` ignores lastIndex, so a /g pattern behaves the same on every call.
  if (pattern instanceof RegExp) return text.search(pattern) !== -1;
  return pattern(text);
}

const collapse = (text: string): string => text.replace(/\s+/g, ' ').trim();

/**
 * The `href` of the one link that matches `query`.
 *
 * @throws {Error} when none matches, several match and no `index` was given, or `index` is out
 * of range; the message lists the links on the page.
 */
export function findLink($: CheerioAPI, query: LinkQuery): string {
  const all = select($, query.selector ?? 'a').flatMap((el): Candidate[] => {
    const href = el.attribs['href']?.trim();
    if (href === undefined || href.startsWith('#') || /^javascript:/i.test(href)) return [];
    return [{ text: collapse($(el).text()), href, id: el.attribs['id'] ?? '' }];
  });
  const found = all.filter(
    (c) =>
      (query.description === undefined || matches(query.description, c.text)) &&
      (query.href === undefined || matches(query.href, c.href)) &&
      (query.linkid === undefined || matches(query.linkid, c.id)),
  );
  return choose('link', describe(query), found, all, query.index).href;
}

const BUTTON_TARGET = /(?:window\.|document\.)?location(?:\.href)?\s*=\s*(['"])(.*?)\1/;

/**
 * The URL that the one matching button's `onclick` goes to.
 *
 * @throws {Error} as {@link findLink} does.
 */
export function findButton($: CheerioAPI, query: ButtonQuery): string {
  const all = select($, query.selector ?? 'button, input[type=button], input[type=submit]').flatMap(
    (el): Candidate[] => {
      const href = BUTTON_TARGET.exec(el.attribs['onclick'] ?? '')?.[2];
      if (href === undefined) return [];
      const text = collapse($(el).text()) || (el.attribs['value'] ?? '');
      return [{ text, href, id: el.attribs['id'] ?? '' }];
    },
  );
  const found = all.filter(
    (c) =>
      (query.description === undefined || matches(query.description, c.text)) &&
      (query.href === undefined || matches(query.href, c.href)) &&
      (query.buttonid === undefined || matches(query.buttonid, c.id)),
  );
  return choose('button', describe(query), found, all, query.index).href;
}

function choose(
  kind: string,
  wanted: string,
  found: readonly Candidate[],
  all: readonly Candidate[],
  index: number | undefined,
): Candidate {
  const list = (items: readonly Candidate[]): string =>
    items
      .slice(0, 30)
      .map((c, i) => `  ${i}: ${JSON.stringify(c.text)} -> ${c.href}${c.id ? ` #${c.id}` : ''}`)
      .join('\n') || '  (none)';
  if (found.length === 0) {
    throw new Error(`no ${kind} matched ${wanted}; ${kind}s on the page:\n${list(all)}`);
  }
  if (index === undefined) {
    if (found.length > 1) {
      throw new Error(`${found.length} ${kind}s matched ${wanted}; pass an index:\n${list(found)}`);
    }
    return found[0] as Candidate;
  }
  const chosen = found[index];
  if (!chosen) {
    throw new Error(
      `only ${found.length} ${kind}s matched ${wanted}, so there is no index ${index}:\n${list(found)}`,
    );
  }
  return chosen;
}

function describe(query: LinkQuery | ButtonQuery): string {
  const parts = Object.entries(query)
    .filter(([key]) => key !== 'index')
    .map(
      ([key, value]) =>
        `${key}=${typeof value === 'function' ? '(function)' : typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
    );
  return parts.length === 0 ? '(anything)' : parts.join(' ');
}
