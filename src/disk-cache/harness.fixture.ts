/**
 * Test harness for the disk cache: a scratch directory holding the cache directory and a canary
 * sibling, a counting origin, and a way to send a request with an exact (raw) path.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { diskCache } from './middleware.ts';
import type { DiskCacheOptions } from './options.ts';

/** A scratch directory: `cache/` (the cache), `canary/` beside it. */
export interface Scratch {
  readonly dir: string;
  readonly cacheDir: string;
  readonly canary: string;
  /** Every file under the scratch directory, relative to it, sorted. */
  files(): string[];
  remove(): void;
}

export function scratch(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'trowel-disk-cache-'));
  const cacheDir = join(dir, 'cache');
  const canary = join(dir, 'canary');
  mkdirSync(canary);
  writeFileSync(join(canary, 'secret.txt'), 'CANARY');
  const list = (at: string): string[] =>
    readdirSync(at).flatMap((name) => {
      const path = join(at, name);
      return statSync(path).isDirectory()
        ? [`${relative(dir, path)}/`, ...list(path)]
        : [relative(dir, path)];
    });
  return {
    dir,
    cacheDir,
    canary,
    files: () => list(dir).sort(),
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An origin that counts its calls and answers with what `respond` makes. */
export interface Origin {
  readonly handler: Handler;
  readonly calls: Request[];
}

export function origin(respond: (request: Request) => Response | Promise<Response>): Origin {
  const calls: Request[] = [];
  return {
    calls,
    handler: async (request) => {
      calls.push(request);
      return respond(request);
    },
  };
}

/** An origin answering `body` as `type`, with extra headers. */
export function page(body: string, headers: Record<string, string> = {}): Origin {
  return origin(() => new Response(body, { headers: { 'content-type': 'text/html', ...headers } }));
}

/** Builds the cache around `app`. */
export function cached(options: DiskCacheOptions, app: Origin): Handler {
  return diskCache(options)(app.handler);
}

/** Sends a request for `path` (given to the context exactly, so raw paths survive). */
export async function send(
  handler: Handler,
  path: string,
  init: RequestInit & { readonly host?: string } = {},
): Promise<Response> {
  const url = `http://${init.host ?? 'example.test'}${path.startsWith('/') ? '' : '/'}${path}`;
  let request: Request;
  try {
    request = new Request(url, init);
  } catch {
    request = new Request(`http://${init.host ?? 'example.test'}/`, init);
  }
  const pathInfo = path.split('?')[0] ?? path;
  return handler(
    request,
    new Context(request, { pathInfo, ...(init.host === undefined ? {} : { host: init.host }) }),
  );
}

/** Sends and reads the whole answer. */
export async function fetchText(
  handler: Handler,
  path: string,
  init: RequestInit & { readonly host?: string } = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const response = await send(handler, path, init);
  return { status: response.status, headers: response.headers, text: await response.text() };
}
