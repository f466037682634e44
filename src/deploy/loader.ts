/**
 * The loader's public functions — PasteDeploy's `loadapp`, `loadfilter`, `loadserver` and
 * `appconfig` — and `loadDeployment`, which loads the server and the application of one config the
 * way `trowel serve` needs them.
 *
 * Loading is all-or-nothing and happens before anything serves: every section, reference and entry
 * point is checked, then the factories run. A mistake is a {@link DeployError} naming the file,
 * line, section and key.
 */
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Handler } from '../core/handler.ts';
import { Builder, toSettings } from './build.ts';
import type { Settings } from './converters.ts';
import { DeployError, codes, type DeployWarning, type Where } from './errors.ts';
import { defaultRegistry } from './entry-points.ts';
import { parseIni, type IniFile } from './parser.ts';
import type { DeployFilter, ObjectType, Registry, ServerRunner } from './registry.ts';
import { Resolver, type From, type Node, type Session } from './resolve.ts';
import { FileScope, sectionKind, type Value, type Values } from './scope.ts';

/** Options of {@link loadApp} and the other loaders. */
export interface LoadOptions {
  /** The section name, when the URI has no `#name`. @default 'main' */
  readonly name?: string;
  /** The directory a relative config path is resolved against. @default process.cwd() */
  readonly relativeTo?: string;
  /**
   * Global variables, as `trowel serve site.ini name=value` gives them: they override `[DEFAULT]`,
   * for `%(name)s` and in the globals factories receive. `here` and `__file__` cannot be set.
   * @default {}
   */
  readonly globalConf?: Readonly<Record<string, string>>;
  /** The entry points. @default defaultRegistry() */
  readonly registry?: Registry;
  /** Receives what loads but looks wrong (an ignored Paste option, …). @default console.warn */
  readonly onWarning?: (warning: DeployWarning) => void;
}

const COMMAND_LINE = 'the command line';

function splitUri(uri: string, options: LoadOptions): { path: string; name: string } {
  let text = uri.trim();
  if (text.startsWith('config:')) text = text.slice('config:'.length);
  else if (/^[a-zA-Z][a-zA-Z0-9+.-]+:/.test(text)) {
    throw new DeployError(
      codes.uri,
      { file: COMMAND_LINE },
      `"${uri}": only config files can be loaded here (config:FILE#NAME or a path)`,
    );
  }
  const hash = text.indexOf('#');
  let path = decodeURIComponent(hash === -1 ? text : text.slice(0, hash));
  if (path.startsWith('//')) path = path.slice(2);
  const name = hash === -1 ? (options.name ?? 'main') : text.slice(hash + 1).trim();
  if (path === '' || name === '') {
    throw new DeployError(
      codes.uri,
      { file: COMMAND_LINE },
      `"${uri}" needs a file: config:FILE or config:FILE#NAME`,
    );
  }
  return {
    path: isAbsolute(path) ? path : resolve(options.relativeTo ?? process.cwd(), path),
    name,
  };
}

function variables(globalConf: Readonly<Record<string, string>> = {}): Map<string, Value> {
  const vars = new Map<string, Value>();
  for (const [name, value] of Object.entries(globalConf)) {
    const where = { file: COMMAND_LINE, key: name };
    if (name === 'here' || name === '__file__') {
      throw new DeployError(
        codes.variable,
        where,
        `"${name}" is set by trowel to the config file's ${name === 'here' ? 'directory' : 'path'} and cannot be given`,
      );
    }
    if (!/^[^\s=%()]+$/.test(name)) {
      throw new DeployError(
        codes.variable,
        where,
        `"${name}" is not a variable name (no spaces, =, %, or parentheses)`,
      );
    }
    vars.set(name, { value, where });
  }
  return vars;
}

/** One load: the files read (parsed once), the scopes entered, the files to watch. */
class LoadSession implements Session {
  readonly registry: Registry;
  readonly files = new Set<string>();
  readonly #parsed = new Map<string, Promise<IniFile>>();
  readonly #scopes = new Map<string, Promise<FileScope>>();
  readonly #onWarning: (warning: DeployWarning) => void;

  constructor(options: LoadOptions) {
    this.registry = options.registry ?? defaultRegistry();
    this.#onWarning =
      options.onWarning ??
      ((warning) => {
        console.warn(`trowel: warning: ${warning.message}`);
      });
  }

  warn(warning: DeployWarning): void {
    this.#onWarning(warning);
  }

  watch(path: string): void {
    this.files.add(path);
  }

  scope(path: string, vars: Values, where: Where): Promise<FileScope> {
    const key = JSON.stringify([path, [...vars].map(([name, value]) => [name, value.value])]);
    let scope = this.#scopes.get(key);
    if (scope === undefined) {
      scope = this.#parse(path, where).then((file) => new FileScope(file, vars));
      this.#scopes.set(key, scope);
    }
    return scope;
  }

  #parse(path: string, where: Where): Promise<IniFile> {
    let parsed = this.#parsed.get(path);
    if (parsed === undefined) {
      this.watch(path);
      parsed = readFile(path, 'utf8').then(
        (text) => parseIni(text, path),
        (error: unknown) => {
          const code = (error as { code?: unknown }).code;
          const why =
            code === 'ENOENT'
              ? 'there is no such file'
              : code === 'EISDIR'
                ? 'it is a directory'
                : code === 'EACCES'
                  ? 'it cannot be read (permission denied)'
                  : String(error);
          throw new DeployError(codes.file, where, `cannot read the config file ${path}: ${why}`, {
            cause: error,
          });
        },
      );
      this.#parsed.set(path, parsed);
    }
    return parsed;
  }
}

async function resolveTop(
  session: LoadSession,
  uri: string,
  type: ObjectType,
  options: LoadOptions,
): Promise<{ node: Node; resolver: Resolver; path: string }> {
  const { path, name } = splitUri(uri, options);
  const vars = variables(options.globalConf);
  const where = { file: path };
  const scope = await session.scope(path, vars, { file: COMMAND_LINE });
  const resolver = new Resolver(session);
  const from: From = { scope, where, global: vars, stack: [] };
  return { node: await resolver.section(scope, name, type, from), resolver, path };
}

/**
 * Loads the application `uri` names: `config:site.ini#main`, `site.ini` (section `main`), or
 * `site.ini#name`.
 *
 * @throws {DeployError} for any mistake in the config, before any factory runs when it can be seen
 * without running one.
 * @example
 * ```ts run
 * import { mkdtempSync, writeFileSync } from 'node:fs';
 * import { tmpdir } from 'node:os';
 * import { join } from 'node:path';
 * import { Context } from 'trowel';
 * import { loadApp } from 'trowel/deploy';
 *
 * const dir = mkdtempSync(join(tmpdir(), 'deploy-'));
 * writeFileSync(join(dir, 'app.js'), 'export const hello = () => new Response("hello\\n");\n');
 * writeFileSync(join(dir, 'site.ini'), '[app:main]\nuse = file:./app.js#hello\n');
 * const app = await loadApp(`config:${join(dir, 'site.ini')}`);
 * const response = await app(new Request('http://localhost/'), new Context('http://localhost/'));
 * console.log(await response.text()); // hello
 * ```
 */
export async function loadApp(uri: string, options: LoadOptions = {}): Promise<Handler> {
  const session = new LoadSession(options);
  const { node, resolver } = await resolveTop(session, uri, 'app', options);
  return new Builder(resolver, (warning) => {
    session.warn(warning);
  }).app(node);
}

/**
 * Loads the filter `uri` names (a `[filter:]` section). The result wraps a handler; it returns a
 * promise because a filter's factory may need to wait.
 *
 * @example
 * ```ts
 * import { loadFilter } from 'trowel/deploy';
 * const filter = await loadFilter('config:site.ini#lint');
 * const wrapped = await filter(() => new Response('ok'));
 * ```
 */
export async function loadFilter(uri: string, options: LoadOptions = {}): Promise<DeployFilter> {
  const session = new LoadSession(options);
  const { node, resolver } = await resolveTop(session, uri, 'filter', options);
  return new Builder(resolver, (warning) => {
    session.warn(warning);
  }).filter(node);
}

/**
 * Loads the server `uri` names (a `[server:]` section).
 *
 * @example
 * ```ts
 * import { loadServer } from 'trowel/deploy';
 * const run = await loadServer('config:site.ini');
 * const server = await run(() => new Response('ok'));
 * await server.close();
 * ```
 */
export async function loadServer(uri: string, options: LoadOptions = {}): Promise<ServerRunner> {
  const session = new LoadSession(options);
  const { node, resolver } = await resolveTop(session, uri, 'server', options);
  return new Builder(resolver, (warning) => {
    session.warn(warning);
  }).server(node);
}

/** What {@link appConfig} returns: the options and globals an application's factory would get. */
export interface AppConfig {
  /** The section's options (after `use` and `get`). */
  readonly local: Settings;
  /** The globals (`[DEFAULT]`, variables, `set`). */
  readonly global: Settings;
  /** Both, the options winning (PasteDeploy's `appconfig()` dict). */
  readonly merged: Readonly<Record<string, string>>;
}

/**
 * The configuration of an application without building it (PasteDeploy's `appconfig`).
 *
 * @example
 * ```ts
 * import { appConfig } from 'trowel/deploy';
 * const { local, global } = await appConfig('config:site.ini#main');
 * ```
 */
export async function appConfig(uri: string, options: LoadOptions = {}): Promise<AppConfig> {
  const session = new LoadSession(options);
  let { node } = await resolveTop(session, uri, 'app', options);
  while (node.type === 'filter-with') node = node.inner;
  if (node.type !== 'leaf') {
    throw new DeployError(
      codes.section,
      { file: splitUri(uri, options).path },
      `"${uri}" is a ${node.type}, which has no configuration of its own`,
    );
  }
  const local = toSettings(node.local, node.section);
  const global = toSettings(node.global, node.section);
  return { local, global, merged: Object.freeze({ ...global, ...local }) };
}

/** Options of {@link loadDeployment}. */
export interface DeploymentOptions extends LoadOptions {
  /** The application section. @default 'main' (or the URI's #name) */
  readonly appName?: string;
  /** The server section; without one named `main`, `egg:Paste#http` with its defaults. @default 'main' */
  readonly serverName?: string;
  /** Server options from the command line (`--port 0` → `{ key: 'port', value: '0', flag: '--port' }`). */
  readonly serverOptions?: readonly {
    readonly key: string;
    readonly value: string;
    readonly flag: string;
  }[];
}

/** A loaded config, ready to serve. */
export interface Deployment {
  readonly app: Handler;
  readonly server: ServerRunner;
  /** The absolute path of the config file. */
  readonly file: string;
  /** Every config file and user module read while loading: what a reloader should watch. */
  readonly files: readonly string[];
}

/**
 * Loads the server and the application of a config (the server first, as `paster serve` did), for
 * `trowel serve`.
 *
 * @example
 * ```ts
 * import { loadDeployment } from 'trowel/deploy';
 * const { app, server } = await loadDeployment('site.ini', { globalConf: { http_port: '8080' } });
 * const running = await server(app);
 * ```
 */
export async function loadDeployment(
  uri: string,
  options: DeploymentOptions = {},
): Promise<Deployment> {
  const session = new LoadSession(options);
  const { path, name } = splitUri(uri, options);
  const appName = options.appName ?? name;
  const vars = variables(options.globalConf);
  const scope = await session.scope(path, vars, { file: COMMAND_LINE });
  const resolver = new Resolver(session);
  const from: From = { scope, where: { file: path }, global: vars, stack: [] };
  const serverName = options.serverName ?? 'main';
  const hasServer = [...scope.file.sections.keys()].some((header) => {
    const parsed = sectionKind(header);
    return parsed?.kind === 'server' && parsed.name === serverName;
  });
  let serverNode =
    hasServer || options.serverName !== undefined
      ? await resolver.section(scope, serverName, 'server', from)
      : await resolver.reference('egg:Paste#http', 'server', {
          ...from,
          where: { file: path, section: 'server:main (default: egg:Paste#http)' },
        });
  const overrides = options.serverOptions ?? [];
  if (overrides.length > 0) {
    if (serverNode.type !== 'leaf') throw new Error('a server is a leaf');
    const local = new Map(serverNode.local);
    for (const { key, value, flag } of overrides)
      local.set(key, { value, where: { file: COMMAND_LINE, key: flag } });
    serverNode = { ...serverNode, local };
  }
  const appNode = await resolver.section(scope, appName, 'app', from);
  const builder = new Builder(resolver, (warning) => {
    session.warn(warning);
  });
  const server = await builder.server(serverNode);
  const app = await builder.app(appNode);
  return { app, server, file: path, files: [...session.files] };
}
