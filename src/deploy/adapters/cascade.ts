/**
 * `egg:Paste#cascade`: the composite behind `cascade()`. Its options are the applications, `app1`,
 * `app2`, … in numeric order (Paste sorted them as text, putting `app10` before `app2`), and
 * `catch`, a whitespace-separated list of statuses (default `404`); trowel adds `body_limit`, the
 * most request-body bytes kept for replay (a size: `64k`, `1m`).
 */
import { cascade } from '../../cascade/index.ts';
import type { Handler } from '../../core/handler.ts';
import {
  asList,
  asSize,
  checkKeys,
  numberedKeys,
  sectionWhere,
  settingWhere,
} from '../converters.ts';
import { DeployError, codes } from '../errors.ts';
import type { CompositeFactory } from '../registry.ts';

const NAME = 'egg:Paste#cascade';

/**
 * The `egg:Paste#cascade` composite factory.
 *
 * @example
 * ```ini
 * [composite:main]
 * use = egg:Paste#cascade
 * app1 = static
 * app2 = application
 * catch = 404 403
 * ```
 */
export const cascadeComposite: CompositeFactory = async (loader, options) => {
  const keys = numberedKeys(options, 'app');
  checkKeys(options, ['catch', 'body_limit', ...keys], NAME);
  if (keys.length === 0) {
    throw new DeployError(
      codes.option,
      sectionWhere(options),
      `${NAME} needs at least one application: app1 = NAME, app2 = NAME, …`,
    );
  }
  const statuses = asList(options, 'catch', { fallback: ['404'] }).map((word) => {
    if (!/^[2-5]\d\d$/.test(word)) {
      throw new DeployError(
        codes.value,
        settingWhere(options, 'catch'),
        `"${word}" is not a status code from 200 to 599`,
      );
    }
    return Number(word);
  });
  const bodyLimit = asSize(options, 'body_limit', { min: 0 });
  const apps: Handler[] = [];
  for (const key of keys) apps.push(await loader.getApp(options[key] ?? '', { key }));
  return cascade(
    apps,
    bodyLimit === undefined ? { catch: statuses } : { catch: statuses, bodyLimit },
  );
};
