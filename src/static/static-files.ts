/**
 * `staticFiles()`: a directory tree over HTTP. The request's `ctx.pathInfo` names a file under the
 * root; the answer is that file (streamed, with validators, conditional requests and ranges), an
 * index file for a directory, a redirect that adds the missing slash to a directory's path, or
 * 404.
 *
 * Every refusal — a traversal attempt, a dotfile, a symlink, a FIFO, a name that does not exist —
 * is the same 404, so the answer never tells a client what exists outside what it may see.
 */
import { sep } from 'node:path';
import type { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { Forbidden, MovedPermanently, NotFound } from '../core/http-error.ts';
import { negotiateEncoding } from '../core/negotiation.ts';
import { fileRepresentation } from './file-representation.ts';
import { openInside, type OpenedFile } from './open-file.ts';
import { resolveOptions, type StaticConfig, type StaticFilesOptions } from './options.ts';
import { methodNotAllowed, respond } from './respond.ts';
import { isRevalidation, MetadataCache, revalidate } from './revalidate.ts';
import { splitPath } from './segments.ts';

const SUFFIX: Readonly<Record<string, string>> = { br: '.br', gzip: '.gz' };

/** 404 without any detail: the path is not echoed, and nothing says why. */
export function notFound(request: Request): Response {
  return new NotFound().toResponse(request);
}

/**
 * The precompressed sibling of `file` the client prefers, open, or `undefined` to send `file`
 * itself. Tries codings in the client's order of preference (ties broken by the server's order)
 * and skips those without a regular-file sibling inside the root.
 */
async function variantOf(
  request: Request,
  file: OpenedFile,
  config: StaticConfig,
): Promise<{ readonly opened: OpenedFile; readonly coding: string } | undefined> {
  if (config.encodings.length === 0 || !request.headers.has('accept-encoding')) return undefined;
  let offered: string[] = [...config.encodings, 'identity'];
  for (;;) {
    const coding = negotiateEncoding(request, offered);
    // No acceptable coding at all: sending identity anyway is what RFC 9110 §12.5.3 allows.
    if (coding === undefined || coding === 'identity') return undefined;
    const sibling = await openInside(
      config.root,
      file.path + (SUFFIX[coding] ?? ''),
      config.followSymlinks,
    );
    if (typeof sibling !== 'string') {
      if (sibling.stats.isFile()) return { opened: sibling, coding };
      sibling.file.close();
    }
    offered = offered.filter((c) => c !== coding);
  }
}

/**
 * Answers `request` with the regular file `opened` (whose descriptor it takes over), choosing a
 * precompressed sibling when the configuration and the client allow.
 */
export async function serveOpened(
  request: Request,
  opened: OpenedFile,
  config: StaticConfig,
): Promise<Response> {
  const contentType = config.contentType(opened.path);
  let variant: Awaited<ReturnType<typeof variantOf>>;
  try {
    variant = await variantOf(request, opened, config);
  } catch (error) {
    opened.file.close();
    throw error;
  }
  if (variant !== undefined) opened.file.close();
  const chosen = variant?.opened ?? opened;
  const rep = fileRepresentation(
    chosen.file,
    chosen.stats,
    contentType,
    config.validators,
    variant?.coding,
  );
  return respond(request, rep, { cacheControl: config.cacheControl, vary: config.vary });
}

/** `dir/name`, also when `dir` is the file-system root. */
function childPath(dir: string, name: string): string {
  return dir.endsWith(sep) ? dir + name : dir + sep + name;
}

/** The path of a directory with its slash added, keeping the mount prefix and the query. */
function withSlash(request: Request, ctx: Context, names: readonly string[]): string {
  // Rebuilt from the checked segments rather than echoed: a path such as `//evil.example` must
  // never become a scheme-relative Location (the open redirect of `st`, CVE-2017-16224).
  const prefix = ctx.scriptName.replace(/^\/+/, '/');
  const path = names.map((name) => `/${encodeURIComponent(name)}`).join('');
  const q = request.url.indexOf('?');
  return `${prefix}${path}/${q === -1 ? '' : request.url.slice(q)}`;
}

/**
 * Serves the files under `options.root`.
 *
 * @throws {ConfigError} when the options are invalid or the root is not a directory.
 * @example
 * ```ts
 * import { serve } from 'trowel/server';
 * import { staticFiles } from 'trowel/static';
 * await serve(staticFiles({ root: './public', cacheMaxAge: 3600 }), { port: 0 });
 * ```
 */
export function staticFiles(options: StaticFilesOptions): Handler {
  const config = resolveOptions(options);
  const { root, fallthrough, followSymlinks } = config;
  const cache =
    config.metadataCache === undefined
      ? undefined
      : new MetadataCache(config.metadataCache.maxAge, config.metadataCache.maxEntries);
  const missing = (request: Request, ctx: Context): Response | Promise<Response> =>
    fallthrough === undefined ? notFound(request) : fallthrough(request, ctx);

  return async (request, ctx) => {
    const { method } = request;
    if (method !== 'GET' && method !== 'HEAD') {
      return fallthrough === undefined ? methodNotAllowed(request) : fallthrough(request, ctx);
    }
    const segments = splitPath(ctx.pathInfo, config.dotfiles);
    if (segments === undefined) return missing(request, ctx);
    const { names } = segments;
    const path = names.length === 0 ? root : childPath(root, names.join(sep));
    if (isRevalidation(request)) {
      const notModified = revalidate(request, path, segments.trailingSlash, config, cache);
      if (notModified !== undefined) return notModified;
    }
    const opened = await openInside(root, path, followSymlinks);
    if (opened === 'missing') return missing(request, ctx);
    if (opened === 'forbidden') return new Forbidden().toResponse(request);
    if (opened.stats.isFile()) {
      if (segments.trailingSlash) {
        opened.file.close();
        return missing(request, ctx);
      }
      return serveOpened(request, opened, config);
    }
    opened.file.close();
    if (!opened.stats.isDirectory()) return missing(request, ctx); // FIFO, socket, device
    if (!segments.trailingSlash) {
      return config.redirect
        ? new MovedPermanently(withSlash(request, ctx, names)).toResponse(request)
        : missing(request, ctx);
    }
    for (const name of config.index) {
      const index = await openInside(root, childPath(opened.path, name), followSymlinks);
      if (typeof index === 'string') continue;
      if (index.stats.isFile()) return serveOpened(request, index, config);
      index.file.close();
    }
    return missing(request, ctx);
  };
}
