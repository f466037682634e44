/**
 * Helpers for the loader's tests: scratch directories holding config files and modules (removed
 * after each test), a request runner, and a way to catch the DeployError a load throws.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach } from 'vitest';
import { Context } from '../../src/core/context.ts';
import type { Handler } from '../../src/core/handler.ts';
import { DeployError } from '../../src/deploy/errors.ts';

const made: string[] = [];

afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The absolute path of trowel's deploy entry, for modules written into scratch directories. */
export const DEPLOY = join(import.meta.dirname, '../../src/deploy/index.ts');

/** Writes `files` (path → content) into a new scratch directory and returns its path. */
export function tree(files: Readonly<Record<string, string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'trowel-deploy-'));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  return dir;
}

/** Sends `request` to `app` as if from 127.0.0.1 and returns the response. */
export async function send(app: Handler, request: Request): Promise<Response> {
  return app(request, new Context(request, { remoteAddr: '127.0.0.1' }));
}

/** Sends a GET for `path` to `app` and returns the response. */
export async function get(app: Handler, path = '/', headers: HeadersInit = {}): Promise<Response> {
  return send(app, new Request(`http://localhost${path}`, { headers }));
}

/** The DeployError `promise` rejects with (fails the test when it resolves or rejects otherwise). */
export async function rejection(promise: Promise<unknown>): Promise<DeployError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DeployError) return error;
    throw error;
  }
  throw new Error('expected the load to fail, and it succeeded');
}

/**
 * A module with `tag`, a filter factory that appends its `name` option to the x-order header;
 * `echo`, an app factory answering with its options and globals as JSON; and `hello`, a Handler.
 */
export const TAG_MODULE = `
import { appFactory, filterFactory } from ${JSON.stringify(DEPLOY)};
export const echo = appFactory((options, globalConf) => () => Response.json({ options, globalConf }));
export const tag = filterFactory((options) => (next) => async (request, ctx) => {
  const response = await next(request, ctx);
  const headers = new Headers(response.headers);
  headers.append('x-order', options.name ?? '?');
  return new Response(response.body, { status: response.status, headers });
});
export const hello = (request, ctx) => new Response('hello ' + ctx.pathInfo);
`;
