/**
 * `egg:Paste#recursive`: the filter behind `recursive()`. Paste's filter took no options; trowel
 * adds `max_depth`, the most internal requests one client request may lead to (default 10).
 */
import { recursive } from '../../recursive/index.ts';
import { asInt, checkKeys } from '../converters.ts';
import type { FilterAppFactory } from '../registry.ts';

/**
 * The `egg:Paste#recursive` filter-app factory.
 *
 * @example
 * ```ini
 * [filter:recursive]
 * use = egg:Paste#recursive
 * max_depth = 5
 * ```
 */
export const recursiveFilterApp: FilterAppFactory = (next, options) => {
  checkKeys(options, ['max_depth'], 'egg:Paste#recursive');
  const maxDepth = asInt(options, 'max_depth', { fallback: 10, min: 1, max: 1000 });
  return recursive({ maxDepth })(next);
};
