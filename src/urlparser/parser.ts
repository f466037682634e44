/**
 * The walk behind `urlParser()`: from the root directory, one path segment at a time, to a
 * directory (walk on), a module (hand it the rest of the path), a file (serve it) or nothing
 * (404). See `index.ts` for the behaviour and `README.md` for the rules.
 */
import { readdir } from 'node:fs/promises';
import { extname, sep } from 'node:path';
import type { Context } from '../core/context.ts';
import type { Handler, Middleware } from '../core/handler.ts';
import { Forbidden, InternalServerError, MovedPermanently } from '../core/http-error.ts';
import { shiftPath } from '../core/mount.ts';
import { openInside } from '../static/open-file.ts';
import type { StaticConfig } from '../static/options.ts';
import { notFound as plainNotFound, serveOpened } from '../static/static-files.ts';
import { splitPath } from '../static/segments.ts';
import { ModuleCache, type DirectoryHooks } from './modules.ts';

/** The checked settings of a parser. */
export interface ParserConfig {
  readonly files: StaticConfig;
  readonly indexNames: readonly string[];
  readonly hideExtensions: readonly string[];
  readonly ignoreExtensions: readonly string[];
  readonly moduleExtensions: readonly string[];
  readonly initName: string | undefined;
  readonly onError: (error: unknown) => void;
}

/** What a name found in a directory is. */
type Found =
  | { readonly kind: 'directory' | 'module' | 'file'; readonly path: string }
  | { readonly kind: 'forbidden' };

/** Where a walk ended: the handler to call, the context to call it with, the wraps around it. */
interface Outcome {
  readonly handler: Handler;
  readonly ctx: Context;
  readonly wraps: readonly Middleware[];
}

function childPath(dir: string, name: string): string {
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

const forbidden: Handler = (request) => new Forbidden().toResponse(request);

/** Builds the handler of a parser from its checked settings. */
export function makeParser(config: ParserConfig): Handler {
  const modules = new ModuleCache();
  const { files } = config;
  const isModule = (name: string): boolean =>
    config.moduleExtensions.some((ext) => name.endsWith(ext));
  const { initName } = config;
  const isInit = (name: string): boolean =>
    initName !== undefined && config.moduleExtensions.some((ext) => name === initName + ext);
  const isHidden = (name: string): boolean =>
    isInit(name) || config.hideExtensions.some((ext) => name.endsWith(ext));

  /** The entry `segment` names: itself, or the one `segment.<ext>` (Paste's `find_file`). */
  function choose(segment: string, entries: readonly string[]): string | undefined {
    if (entries.includes(segment)) return isHidden(segment) ? undefined : segment;
    const candidates = entries.filter((name) => {
      const ext = extname(name);
      return (
        ext !== '' &&
        name.slice(0, -ext.length) === segment &&
        !config.ignoreExtensions.includes(ext) &&
        !isHidden(name)
      );
    });
    if (candidates.length > 1) {
      config.onError(
        new Error(
          `urlParser(): "${segment}" is ambiguous (${candidates.join(', ')}), answering 404`,
        ),
      );
    }
    return candidates.length === 1 ? candidates[0] : undefined;
  }

  async function find(
    dir: string,
    entries: readonly string[],
    segment: string,
  ): Promise<Found | undefined> {
    const name = choose(segment, entries);
    if (name === undefined) return undefined;
    const opened = await openInside(files.root, childPath(dir, name), files.followSymlinks);
    if (opened === 'missing') return undefined;
    if (opened === 'forbidden') return { kind: 'forbidden' };
    // Only the kind is needed now; a file is opened again, and checked again, when it is served,
    // so a wrap that answers by itself leaves no descriptor behind.
    opened.file.close();
    const { stats, path } = opened;
    if (stats.isDirectory()) return { kind: 'directory', path };
    if (!stats.isFile()) return undefined;
    return { kind: isModule(name) ? 'module' : 'file', path };
  }

  async function hooksOf(
    dir: string,
    entries: readonly string[],
  ): Promise<DirectoryHooks | undefined> {
    if (initName === undefined) return undefined;
    for (const ext of config.moduleExtensions) {
      if (!entries.includes(initName + ext)) continue;
      const path = childPath(dir, initName + ext);
      const opened = await openInside(files.root, path, files.followSymlinks);
      if (typeof opened === 'string') continue;
      opened.file.close();
      if (opened.stats.isFile()) return modules.hooks(opened.path);
    }
    return undefined;
  }

  const serveFile =
    (path: string): Handler =>
    async (request) => {
      const opened = await openInside(files.root, path, files.followSymlinks);
      if (typeof opened === 'string' || !opened.stats.isFile()) {
        if (typeof opened !== 'string') opened.file.close();
        return plainNotFound(request);
      }
      return serveOpened(request, opened, files);
    };

  const redirect =
    (outer: Context, names: readonly string[]): Handler =>
    (request) => {
      // Rebuilt from checked names, never echoed: `//host` must not become a scheme-relative URL.
      const prefix = outer.scriptName.replace(/^\/+/, '/');
      const path = names.map((name) => `/${encodeURIComponent(name)}`).join('');
      const q = request.url.indexOf('?');
      const query = q === -1 ? '' : request.url.slice(q);
      return new MovedPermanently(`${prefix}${path}/${query}`).toResponse(request);
    };

  async function walk(outer: Context): Promise<Outcome> {
    let dir = files.root;
    let ctx = outer;
    let notFound: Handler = plainNotFound;
    const wraps: Middleware[] = [];
    const names: string[] = [];
    for (;;) {
      // One listing per directory serves the hook lookup and every name tried in it.
      // (A directory removed mid-walk makes readdir throw: a 500, reported through onError.)
      const entries = await readdir(dir);
      const hooks = await hooksOf(dir, entries);
      if (hooks?.notFound !== undefined) notFound = hooks.notFound;
      if (hooks?.wrap !== undefined) wraps.push(hooks.wrap);
      if (hooks?.handler !== undefined) return { handler: hooks.handler, ctx, wraps };
      const { segment, ctx: next } = shiftPath(ctx);
      if (segment === undefined) return { handler: redirect(outer, names), ctx, wraps };
      let found: Found | undefined;
      for (const name of segment === '' ? config.indexNames : [segment]) {
        found = await find(dir, entries, name);
        // An index is a file or a module: a directory named like one is not entered (with
        // followSymlinks, `index -> .` would otherwise walk in circles).
        if (segment === '' && found?.kind === 'directory') found = undefined;
        if (found !== undefined) break;
      }
      ctx = next;
      if (found?.kind === 'directory') {
        dir = found.path;
        names.push(segment);
        continue;
      }
      if (found === undefined) return { handler: notFound, ctx, wraps };
      if (found.kind === 'forbidden') return { handler: forbidden, ctx, wraps };
      if (found.kind === 'module')
        return { handler: await modules.handler(found.path), ctx, wraps };
      // There is nothing below a file: `/page.html/more` and `/page.html/` are not found.
      const handler = segment === '' || ctx.pathInfo === '' ? serveFile(found.path) : notFound;
      return { handler, ctx, wraps };
    }
  }

  return async (request, outer) => {
    // Every segment is checked before the walk starts: `..`, `%2f`, `\`, NUL, bad UTF-8, dotfiles.
    if (splitPath(outer.pathInfo, files.dotfiles) === undefined) return plainNotFound(request);
    let outcome: Outcome;
    try {
      outcome = await walk(outer);
    } catch (error) {
      // A module that does not import (or exports no handler), an unreadable directory: the
      // details go to the log, never to the client.
      config.onError(error);
      return new InternalServerError().toResponse(request);
    }
    let handler = outcome.handler;
    for (const wrap of [...outcome.wraps].reverse()) handler = wrap(handler);
    return handler(request, outcome.ctx);
  };
}
