/**
 * Loads cheerio, the HTML parser behind `res.html`, `res.forms` and `res.click()`, on first use.
 *
 * cheerio is an optional peer dependency: tests that never look inside an HTML page do not need
 * it, and do not pay for loading it. When it is missing, the first HTML access fails with a
 * {@link ConfigError} that says what to install.
 */
import { createRequire } from 'node:module';
import type { CheerioAPI } from 'cheerio';
import type * as CheerioModule from 'cheerio';
import { ConfigError } from '../core/config-error.ts';

type Require = (id: string) => unknown;

let cheerio: typeof CheerioModule | undefined;

/**
 * Requires cheerio through `load` (the module's own `require` by default).
 *
 * @throws {ConfigError} `TROWEL_ERR_TESTING_NO_CHEERIO` when it is not installed.
 */
export function requireCheerio(
  load: Require = createRequire(import.meta.url),
): typeof CheerioModule {
  try {
    return load('cheerio') as typeof CheerioModule;
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND') {
      throw new ConfigError(
        'TROWEL_ERR_TESTING_NO_CHEERIO',
        'trowel/testing needs the optional peer dependency "cheerio" to read HTML (res.html, ' +
          'res.forms, res.click()): npm install --save-dev cheerio',
        { cause: error },
      );
    }
    throw error;
  }
}

/** Parses an HTML document with cheerio (parse5, the HTML standard's parsing algorithm). */
export function parseHtml(text: string): CheerioAPI {
  cheerio ??= requireCheerio();
  return cheerio.load(text);
}

/** A node of a parsed page. */
type HtmlNode = Parameters<CheerioAPI['contains']>[0];

/** An element of a parsed page. */
export type HtmlElement = HtmlNode & {
  readonly tagName: string;
  readonly attribs: Record<string, string>;
};

/** The elements that match `selector`, in document order. */
export function select($: CheerioAPI, selector: string): HtmlElement[] {
  // A selector only matches elements; the filter tells the type checker so.
  return $(selector)
    .toArray()
    .filter((node): node is HtmlElement => 'attribs' in node && 'tagName' in node);
}
