/**
 * `configFilter()`: PasteDeploy's `config` filter (`egg:PasteDeploy#config`, `egg:Paste#config`),
 * which hands the deploy configuration — the globals with the section's own options over them — to
 * the application on every request, under the typed key {@link DEPLOY_CONFIG} (Paste put it in
 * `environ['paste.config']` and a thread-local registry).
 *
 * Not for: secrets the application should not be able to print; everything in the config becomes
 * readable by the code below the filter.
 */
import { createKey, type Key } from '../core/context.ts';
import type { Middleware } from '../core/handler.ts';

/** A deploy configuration: string values by name. */
export type DeployConfig = Readonly<Record<string, string>>;

/** Where {@link configFilter} puts the configuration. */
export const DEPLOY_CONFIG: Key<DeployConfig> = createKey<DeployConfig>('trowel.deploy.config');

/**
 * Makes the filter. The configuration is copied and frozen, so nothing downstream can change it.
 *
 * @example
 * ```ts
 * import { DEPLOY_CONFIG, configFilter } from 'trowel/deploy';
 * const app = configFilter({ greeting: 'hello' })((request, ctx) =>
 *   new Response(ctx.require(DEPLOY_CONFIG)['greeting']));
 * ```
 */
export function configFilter(config: DeployConfig): Middleware {
  const frozen: DeployConfig = Object.freeze({ ...config });
  return (next) => (request, ctx) => {
    const child = ctx.derive({});
    child.set(DEPLOY_CONFIG, frozen);
    return next(request, child);
  };
}
