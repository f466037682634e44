/**
 * Every entry point name of Paste, PasteDeploy, PasteScript, WSGIProxy and wsgi_cache, with the
 * trowel capability that provides it. A capability that lands turns its `planned` rows into
 * `available` ones with a `load` that imports its factory (lazily, so that `trowel/deploy` does
 * not load every capability).
 */
import { Registry, type EntryPoint, type Factory, type Protocol } from './registry.ts';

type Row = readonly [name: string, protocol: Protocol, capability: string];

/** Names that work today. */
const AVAILABLE: readonly (readonly [...Row, load: () => Promise<Factory>])[] = [
  [
    'egg:Paste#http',
    'server',
    'trowel/server',
    async () => ({ protocol: 'server', create: (await import('./http-server.ts')).httpServer }),
  ],
  [
    'egg:Paste#lint',
    'filter',
    'trowel/lint',
    async () => ({ protocol: 'filter', create: (await import('./builtin-filters.ts')).lintFilter }),
  ],
  [
    'egg:Paste#httpexceptions',
    'filter',
    'trowel',
    async () => ({
      protocol: 'filter',
      create: (await import('./builtin-filters.ts')).httpExceptionsFilter,
    }),
  ],
  [
    'egg:Paste#config',
    'filter',
    'trowel/deploy',
    async () => ({
      protocol: 'filter',
      create: (await import('./builtin-filters.ts')).configFilterFactory,
    }),
  ],
  [
    'egg:PasteDeploy#config',
    'filter',
    'trowel/deploy',
    async () => ({
      protocol: 'filter',
      create: (await import('./builtin-filters.ts')).configFilterFactory,
    }),
  ],
  [
    'egg:PasteDeploy#prefix',
    'filter',
    'trowel/deploy',
    async () => ({
      protocol: 'filter',
      create: (await import('./builtin-filters.ts')).prefixFilter,
    }),
  ],
  [
    'egg:Paste#cascade',
    'composite',
    'trowel/cascade',
    async () => ({
      protocol: 'composite',
      create: (await import('./adapters/cascade.ts')).cascadeComposite,
    }),
  ],
  [
    'egg:Paste#urlmap',
    'composite',
    'trowel/urlmap',
    async () => ({
      protocol: 'composite',
      create: (await import('./adapters/urlmap.ts')).urlMapComposite,
    }),
  ],
  [
    'egg:Paste#recursive',
    'filter-app',
    'trowel/recursive',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/recursive.ts')).recursiveFilterApp,
    }),
  ],
  [
    'egg:Paste#errordocument',
    'filter-app',
    'trowel/errordocument',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/errordocument.ts')).errorDocumentFilterApp,
    }),
  ],
  [
    'egg:Paste#cgi',
    'app',
    'trowel/cgi',
    async () => ({ protocol: 'app', create: (await import('./adapters/cgi.ts')).cgiApp }),
  ],
  [
    'egg:Paste#static',
    'app',
    'trowel/static',
    async () => ({ protocol: 'app', create: (await import('./adapters/static.ts')).staticApp }),
  ],
  [
    'egg:Paste#pkg_resources',
    'app',
    'trowel/static',
    async () => ({
      protocol: 'app',
      create: (await import('./adapters/static.ts')).pkgResourcesApp,
    }),
  ],
  [
    'egg:Paste#urlparser',
    'app',
    'trowel/urlparser',
    async () => ({
      protocol: 'app',
      create: (await import('./adapters/urlparser.ts')).urlParserApp,
    }),
  ],
  [
    'egg:Paste#proxy',
    'app',
    'trowel/proxy',
    async () => ({ protocol: 'app', create: (await import('./adapters/proxy.ts')).proxyApp }),
  ],
  [
    'egg:Paste#transparent_proxy',
    'app',
    'trowel/proxy',
    async () => ({
      protocol: 'app',
      create: (await import('./adapters/proxy.ts')).transparentProxyApp,
    }),
  ],
  [
    'egg:WSGIProxy#main',
    'app',
    'trowel/proxy',
    async () => ({ protocol: 'app', create: (await import('./adapters/proxy.ts')).wsgiProxyApp }),
  ],
  [
    'egg:WSGIProxy#real_proxy',
    'app',
    'trowel/proxy',
    async () => ({ protocol: 'app', create: (await import('./adapters/proxy.ts')).realProxyApp }),
  ],
  [
    'egg:WSGIProxy#main',
    'filter-app',
    'trowel/forwarded',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/forwarded.ts')).forwardedFilterApp,
    }),
  ],
  [
    'egg:WSGIProxy#spawn',
    'app',
    'trowel/spawn',
    async () => ({ protocol: 'app', create: (await import('./adapters/spawn.ts')).spawnApp }),
  ],
  [
    'egg:wsgi_cache#middleware',
    'filter-app',
    'trowel/disk-cache',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/disk-cache.ts')).diskCacheFilterApp,
    }),
  ],
  [
    'egg:Paste#gzip',
    'filter-app',
    'trowel/compress',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/compress.ts')).compressFilterApp,
    }),
  ],
  [
    'egg:Paste#printdebug',
    'filter-app',
    'trowel/debug/prints',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/debug.ts')).printsFilterApp,
    }),
  ],
  [
    'egg:Paste#profile',
    'filter-app',
    'trowel/debug/profile',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/debug.ts')).profileFilterApp,
    }),
  ],
  [
    'egg:Paste#translogger',
    'filter-app',
    'trowel/access-log',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/operations.ts')).accessLogFilterApp,
    }),
  ],
  [
    'egg:Paste#wdg_validate',
    'filter-app',
    'trowel/debug/validate',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/operations.ts')).validateFilterApp,
    }),
  ],
  [
    'egg:Paste#test',
    'app',
    'trowel/debug',
    async () => ({
      protocol: 'app',
      create: (await import('./adapters/operations.ts')).debugAppFactory,
    }),
  ],
  [
    'egg:Paste#test_slow',
    'app',
    'trowel/debug',
    async () => ({
      protocol: 'app',
      create: (await import('./adapters/operations.ts')).slowAppFactory,
    }),
  ],
  [
    'egg:PasteScript#test',
    'app',
    'trowel/debug',
    async () => ({
      protocol: 'app',
      create: (await import('./adapters/operations.ts')).echoAppFactory,
    }),
  ],
  [
    'egg:Paste#cgitb',
    'filter-app',
    'trowel/errors',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/errors.ts')).cgitbFilterApp,
    }),
  ],
  [
    'egg:Paste#error_catcher',
    'filter-app',
    'trowel/errors',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/errors.ts')).errorCatcherFilterApp,
    }),
  ],
  [
    'egg:Paste#evalerror',
    'filter-app',
    'trowel/errors',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/errors.ts')).evalErrorFilterApp,
    }),
  ],
  [
    'egg:Paste#auth_tkt',
    'filter-app',
    'trowel/auth/tkt',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/auth.ts')).authTktFilterApp,
    }),
  ],
  [
    'egg:Paste#auth_cookie',
    'filter-app',
    'trowel/auth/cookie',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/auth.ts')).authCookieFilterApp,
    }),
  ],
  [
    'egg:Paste#auth_form',
    'filter-app',
    'trowel/auth/form',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/auth.ts')).authFormFilterApp,
    }),
  ],
  [
    'egg:Paste#grantip',
    'filter-app',
    'trowel/auth/grantip',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/auth.ts')).grantIpFilterApp,
    }),
  ],
  [
    'egg:Paste#paste_session',
    'filter-app',
    'trowel/session',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/auth.ts')).pasteSessionFilterApp,
    }),
  ],
  [
    'egg:Paste#flup_session',
    'filter-app',
    'trowel/session',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/auth.ts')).flupSessionFilterApp,
    }),
  ],
  [
    'egg:Paste#auth_basic',
    'filter-app',
    'trowel/auth/basic',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/auth.ts')).authBasicFilterApp,
    }),
  ],
  [
    'egg:Paste#auth_digest',
    'filter-app',
    'trowel/auth/digest',
    async () => ({
      protocol: 'filter-app',
      create: (await import('./adapters/auth.ts')).authDigestFilterApp,
    }),
  ],
];

/** Names whose capability does not exist yet. */
const PLANNED: readonly Row[] = [];

const USE_HTTP =
  'use egg:Paste#http (trowel/server), behind your front-end server if you need another protocol';

/** Names trowel will not provide, and why. */
const UNSUPPORTED: readonly (readonly [name: string, protocol: Protocol, reason: string])[] = [
  ['egg:Paste#watch_threads', 'app', 'there are no request threads to watch in Node'],
  ['egg:Paste#cowbell', 'filter-app', 'it is a joke filter'],
  ['egg:Paste#pony', 'filter-app', 'it is a joke filter'],
  [
    'egg:Paste#openid',
    'filter-app',
    'OpenID 2 is retired; put an OpenID Connect proxy or library in front',
  ],
  [
    'egg:Paste#registry',
    'filter-app',
    'there are no thread-local registries: capabilities hand values to the app through typed context keys',
  ],
  ['egg:PasteScript#cgi', 'server-runner', `trowel does not run as a CGI script; ${USE_HTTP}`],
  ['egg:PasteScript#cherrypy', 'server-runner', USE_HTTP],
  ['egg:PasteScript#twisted', 'server-runner', USE_HTTP],
  ['egg:PasteScript#wsgiutils', 'server-runner', USE_HTTP],
  ...['ajp', 'fcgi', 'scgi'].flatMap((protocol) =>
    ['fork', 'thread'].map(
      (model) =>
        [
          `egg:PasteScript#flup_${protocol}_${model}`,
          'server-runner',
          `${protocol.toUpperCase()} is not spoken; ${USE_HTTP}`,
        ] as const,
    ),
  ),
];

/**
 * A new registry with every known name: the available ones, the planned ones (which fail with
 * "capability not available yet") and the unsupported ones (which fail saying why).
 *
 * @example
 * ```ts
 * import { defaultRegistry } from 'trowel/deploy';
 * for (const { name, type, entry } of defaultRegistry().entries()) console.log(name, type, entry.status);
 * ```
 */
export function defaultRegistry(): Registry {
  const registry = new Registry();
  for (const [name, protocol, capability, load] of AVAILABLE) {
    const entry: EntryPoint = { status: 'available', protocol, capability, load };
    registry.register(name, entry);
  }
  for (const [name, protocol, capability] of PLANNED) {
    registry.register(name, { status: 'planned', protocol, capability });
  }
  for (const [name, protocol, reason] of UNSUPPORTED) {
    registry.register(name, { status: 'unsupported', protocol, reason });
  }
  return registry;
}
