/**
 * Loads cheerio, the HTML parser behind `res.html`, `res.forms` and `res.click()`, on first use.
 *
 * cheerio is an optional peer dependency: tests that never look inside an HTML page do not need
 * it, and do not pay for loading it. When it is missing, the first HTML access fails with a
 * {@link ConfigError} that says what to install.
 */
import { createRequire } from 'node:module';
import type { CheerioAPI } from 'cheerio';
import type * as Cheerio from 'cheerio';
import { ConfigError } from '../core/config-error.ts';

type Require = (id: string) => unknown;

let cheerio: typeof Cheerio | undefined;

/**
 * Requires cheerio through `load` (the module's own `require` by default).
 *
 * @throws {ConfigError} `TROWEL_ERR_TESTING_NO_CHEERIO` when it is not installed.
 */
export function requireCheerio(load: Require = createRequire(import.meta.url)): typeof Cheerio {
  try {
    return load('cheerio') as typeof Cheerio;
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
