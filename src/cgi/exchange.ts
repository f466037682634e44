/**
 * Serving one request through a CGI program: the body framing, the environment, the child, and
 * what its header block asks for — a document, or a local redirect served in-process.
 */
import { readBytes } from '../core/body.ts';
import { createKey, type Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import {
  BadGateway,
  BadRequest,
  GatewayTimeout,
  InternalServerError,
  NotFound,
} from '../core/http-error.ts';
import { isHttpError } from '../core/http-error-base.ts';
import { Child, pump, readLines } from './child.ts';
import { buildEnvironment, type BodyFraming } from './environment.ts';
import { CGI_ERROR_CODES, CgiError } from './errors.ts';
import type { CgiConfig } from './options.ts';
import { interpret, OutputError } from './output.ts';
import { Run } from './run.ts';

/** How many local redirects one request may go through (Apache's LimitInternalRecursion). */
export const MAX_LOCAL_REDIRECTS = 10;
const REDIRECTS = createKey<number>('trowel.cgi.localRedirects', 0);

// RFC 9110 §15.3.5, §15.3.6, §15.4.5: these statuses carry no content.
const NO_CONTENT = new Set([204, 205, 304]);

/** The body as it will reach the script, and how it is framed. */
interface Input {
  readonly body: ReadableStream<Uint8Array> | Uint8Array | null;
  readonly limit: number | undefined;
  readonly framing: BodyFraming;
}

async function input(config: CgiConfig, request: Request): Promise<Input> {
  const { body } = request;
  const declared = request.headers.get('content-length');
  if (body === null) {
    return {
      body: null,
      limit: undefined,
      framing: { contentLength: declared === '0' ? '0' : undefined, chunked: false },
    };
  }
  if (declared !== null && /^\d{1,15}$/.test(declared)) {
    const length = Number(declared);
    return { body, limit: length, framing: { contentLength: String(length), chunked: false } };
  }
  if (config.bufferChunkedBody > 0) {
    const bytes = await readBytes(request, { limit: config.bufferChunkedBody });
    return {
      body: bytes,
      limit: undefined,
      framing: { contentLength: String(bytes.byteLength), chunked: false },
    };
  }
  return { body, limit: undefined, framing: { contentLength: undefined, chunked: true } };
}

function failure(error: CgiError, request: Request): Response {
  const { message } = error;
  const http =
    error.status === 504
      ? new GatewayTimeout(message)
      : error.status === 500
        ? new InternalServerError(message)
        : new BadGateway(message);
  return http.toResponse(request);
}

/**
 * Runs the CGI program for `request`. `self` is the CGI handler, for local redirects.
 */
export async function exchange(
  config: CgiConfig,
  self: Handler,
  request: Request,
  ctx: Context,
): Promise<Response> {
  const { signal } = ctx;
  signal.throwIfAborted();
  let body: Input;
  try {
    body = await input(config, request);
  } catch (error) {
    if (isHttpError(error)) return error.toResponse(request);
    throw error;
  }
  // Reading a body to buffer it takes time: the client may have left meanwhile.
  signal.throwIfAborted();
  const env = buildEnvironment(request, ctx, config, body.framing);
  if (!env.ok) {
    const refusal = env.status === 404 ? new NotFound(env.detail) : new BadRequest(env.detail);
    return refusal.toResponse(request);
  }

  let child: Child;
  try {
    child = new Child(config.argv, config.cwd, env.vars, config.killGrace);
  } catch (error) {
    const cgiError = new CgiError(
      CGI_ERROR_CODES.spawn,
      500,
      `cannot run ${config.argv.join(' ')}: ${(error as Error).message}`,
      undefined,
      { cause: error },
    );
    config.onError(cgiError, request);
    return failure(cgiError, request);
  }
  return respond(config, self, request, ctx, child, body);
}

async function respond(
  config: CgiConfig,
  self: Handler,
  request: Request,
  ctx: Context,
  child: Child,
  input: Input,
): Promise<Response> {
  const run = new Run(config, child, request, ctx.signal);
  const { stdin, stderr } = child.process;
  readLines(stderr, (line) => {
    config.onStderr(line, request);
  });
  if (input.body === null) stdin.end();
  else if (input.body instanceof Uint8Array) stdin.end(input.body);
  else {
    pump(input.body, stdin, input.limit).catch((error: unknown) => {
      run.bodyFailed(error);
    });
  }

  const result = await run.head;
  if (result.kind === 'failed') return failure(result.error, request);
  let outcome;
  try {
    outcome = interpret(result.head);
  } catch (error) {
    run.abandon();
    const message = error instanceof OutputError ? error.message : String(error);
    return failure(run.report(CGI_ERROR_CODES.header, 502, message), request);
  }
  if (outcome.kind === 'local-redirect') {
    run.discard();
    return localRedirect(config, self, request, ctx, outcome.location, run);
  }
  const { status, statusText, headers } = outcome;
  if (request.method === 'HEAD' || NO_CONTENT.has(status)) {
    run.discard();
    return new Response(null, { status, statusText, headers });
  }
  return new Response(run.body(result.rest), { status, statusText, headers });
}

/**
 * Serves a local redirect (RFC 3875 §6.2.2): the response the server would give to a GET for the
 * path, made in-process — by `localRedirect` when configured, else by this CGI handler when the
 * path is under its mount.
 */
async function localRedirect(
  config: CgiConfig,
  self: Handler,
  request: Request,
  ctx: Context,
  location: string,
  run: Run,
): Promise<Response> {
  const depth = (ctx.get(REDIRECTS) ?? 0) + 1;
  if (depth > MAX_LOCAL_REDIRECTS) {
    const error = run.report(
      CGI_ERROR_CODES.redirect,
      502,
      `more than ${MAX_LOCAL_REDIRECTS} local redirects in a row (the last to ${location})`,
    );
    return failure(error, request);
  }
  const url = new URL(location, request.url);
  url.hash = '';
  const headers = new Headers(request.headers);
  for (const name of ['content-length', 'content-type', 'transfer-encoding']) headers.delete(name);
  // The redirected request is a GET without a body, as Apache makes it.
  const next = new Request(url, { method: 'GET', headers });
  if (config.localRedirect !== undefined) {
    return config.localRedirect(
      next,
      ctx.derive({ scriptName: '', pathInfo: url.pathname }).set(REDIRECTS, depth),
    );
  }
  const { scriptName } = ctx;
  const path = url.pathname;
  if (scriptName !== '' && path !== scriptName && !path.startsWith(`${scriptName}/`)) {
    const error = run.report(
      CGI_ERROR_CODES.redirect,
      502,
      `a local redirect to ${location}, outside ${scriptName}: give cgi() a localRedirect handler to serve it`,
    );
    return failure(error, request);
  }
  return self(next, ctx.derive({ pathInfo: path.slice(scriptName.length) }).set(REDIRECTS, depth));
}
