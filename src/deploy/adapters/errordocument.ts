/**
 * `egg:Paste#errordocument`: the filter behind `errorDocument()`. As in Paste, every key is a
 * status and its value the path of the page to show for it (`404 = /errors/404.html`), relative to
 * where the application is mounted.
 */
import { isConfigError } from '../../core/config-error.ts';
import { errorDocument } from '../../errordocument/index.ts';
import { sectionWhere, settingWhere } from '../converters.ts';
import { DeployError, codes } from '../errors.ts';
import type { FilterAppFactory } from '../registry.ts';

/**
 * The `egg:Paste#errordocument` filter-app factory.
 *
 * @example
 * ```ini
 * [filter:errors]
 * use = egg:Paste#errordocument
 * 404 = /errors/404.html
 * 500 = /errors/500.html
 * ```
 */
export const errorDocumentFilterApp: FilterAppFactory = (next, options) => {
  const pages = new Map<number, string>();
  for (const [key, page] of Object.entries(options)) {
    if (!/^\d+$/.test(key)) {
      throw new DeployError(
        codes.option,
        settingWhere(options, key),
        `egg:Paste#errordocument takes status codes as keys (404 = /errors/404.html), not "${key}"`,
      );
    }
    try {
      // Checked one by one, so that a mistake is reported with its key.
      errorDocument(new Map([[Number(key), page]]));
    } catch (error) {
      if (!isConfigError(error)) throw error;
      throw new DeployError(
        codes.value,
        settingWhere(options, key),
        error.message.replace(/^errorDocument\(\): /, ''),
      );
    }
    pages.set(Number(key), page);
  }
  if (pages.size === 0) {
    throw new DeployError(
      codes.option,
      sectionWhere(options),
      'egg:Paste#errordocument needs at least one status = page, e.g. 404 = /errors/404.html',
    );
  }
  return errorDocument(pages)(next);
};
