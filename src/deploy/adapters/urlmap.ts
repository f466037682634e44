/**
 * `egg:Paste#urlmap`: the composite behind `urlMap()`. Every key is a mount and its value the
 * application to mount there (a section name or a `config:`/`egg:`/… reference):
 *
 * - `/blog = blog`, `http://example.com/ = site`, `https://api.example.com:8443/v1 = api` (the
 *   loader reads a key that starts with `http://` or `https://` whole);
 * - Paste's path expressions: `domain api.example.com / = api`,
 *   `domain example.com port 8080 /admin = admin`.
 *
 * The other keys are options: `not_found_app` (an application for what no key matches; also read
 * from the globals, as Paste did) and trowel's `domain_matching = exact | subdomains`.
 */
import type { Handler } from '../../core/handler.ts';
import { urlMap, type UrlMapOptions } from '../../urlmap/index.ts';
import { KeyError, parseKey } from '../../urlmap/keys.ts';
import { asChoice, settingWhere, type Settings } from '../converters.ts';
import { DeployError, codes } from '../errors.ts';
import type { CompositeFactory } from '../registry.ts';

const OPTIONS = ['not_found_app', 'domain_matching'];

/**
 * Turns Paste's `domain HOST port N /path` into a urlMap key (`http://HOST:N/path`); a key that is
 * already a path or URL comes back as it is.
 *
 * @throws {KeyError} for a malformed expression.
 * @example
 * ```ts
 * import { parsePathExpression } from './urlmap.ts';
 * parsePathExpression('domain example.com port 8080 /admin'); // 'http://example.com:8080/admin'
 * ```
 */
export function parsePathExpression(text: string): string {
  const words = text.trim().split(/\s+/);
  if (words.length === 1) return words[0] ?? '';
  let domain: string | undefined;
  let port: string | undefined;
  let path: string | undefined;
  while (words.length > 0) {
    const word = words.shift() ?? '';
    if (word === 'domain' || word === 'port') {
      const value = words.shift();
      if (value === undefined) throw new KeyError(`"${word}" must be followed by a value`);
      if ((word === 'domain' ? domain : port) !== undefined) {
        throw new KeyError(`"${word}" is given twice`);
      }
      if (word === 'domain') domain = value;
      else port = value;
    } else if (path === undefined) {
      path = word;
    } else {
      throw new KeyError(`more than one path: "${path}" and "${word}"`);
    }
  }
  if (domain === undefined) {
    throw new KeyError(
      port === undefined ? 'a mount is one path' : 'a port needs a domain: "domain HOST port N"',
    );
  }
  if (path !== undefined && !path.startsWith('/')) {
    throw new KeyError(`the path "${path}" must start with "/"`);
  }
  return `http://${domain}${port === undefined ? '' : `:${port}`}${path ?? ''}`;
}

function mountKey(options: Settings, key: string): string {
  try {
    const parsed = parsePathExpression(key);
    parseKey(parsed);
    return parsed;
  } catch (error) {
    if (!(error instanceof KeyError)) throw error;
    throw new DeployError(
      codes.option,
      settingWhere(options, key),
      `not a mount: ${error.message}; keys are paths (/blog), URLs (http://host/path), "domain HOST [port N] /path", or the options ${OPTIONS.join(', ')}`,
    );
  }
}

/**
 * The `egg:Paste#urlmap` composite factory.
 *
 * @example
 * ```ini
 * [composite:main]
 * use = egg:Paste#urlmap
 * / = site
 * /static = static
 * domain api.example.com / = api
 * ```
 */
export const urlMapComposite: CompositeFactory = async (loader, options, globalConf) => {
  const table = new Map<string, Handler>();
  for (const key of Object.keys(options)) {
    if (OPTIONS.includes(key)) continue;
    table.set(mountKey(options, key), await loader.getApp(options[key] ?? '', { key }));
  }
  const result: { -readonly [K in keyof UrlMapOptions]: UrlMapOptions[K] } = {
    domainMatching: asChoice(options, 'domain_matching', ['exact', 'subdomains'] as const, 'exact'),
  };
  const notFound = options['not_found_app'] ?? globalConf['not_found_app'];
  if (notFound !== undefined && notFound !== '') {
    result.notFound = await loader.getApp(notFound, { key: 'not_found_app' });
  }
  return urlMap(table, result);
};
