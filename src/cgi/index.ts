/**
 * @module trowel/cgi
 *
 * Runs a CGI program (RFC 3875) as a trowel {@link Handler}: `cgi({ script })` starts the program
 * for each request with the CGI meta-variables in its environment, streams the request body to its
 * standard input, reads the header block it writes (`Status`, `Location`, `Content-Type` and other
 * fields) and streams the rest of its output to the client, with backpressure both ways. It
 * replaces `paste.cgiapp` (`egg:Paste#cgi`), and is enough to serve git over HTTP with the real
 * `git-http-backend`, pushes with chunked bodies included.
 *
 * What it does that Paste did not: the environment is an allow-list (only `PATH` from the server's
 * own, plus what you list), never the server's secrets; the client's `Proxy` header never becomes
 * `HTTP_PROXY` (httpoxy) and header names with underscores are dropped; a deadline and the
 * client's disconnect stop the program's whole process group (SIGTERM, then SIGKILL); a missing,
 * malformed or oversized header block is a 502 instead of a silently empty answer; standard error
 * goes to a log callback line by line.
 *
 * When not to use it: a process per request costs milliseconds, so for anything busy run the
 * program as a long-lived HTTP server and put `trowel/proxy` in front. Non-parsed-header (`nph-`)
 * scripts are not supported: a script's output always goes through the header parser. The
 * environment is a Node child process's, so this runs on Node only, not on Fetch runtimes
 * without subprocesses.
 */
import type { Handler } from '../core/handler.ts';
import { exchange } from './exchange.ts';
import { resolveOptions, type CgiOptions } from './options.ts';

export { CGI_ERROR_CODES, CgiError, type CgiErrorCode } from './errors.ts';
export type { CgiOptions } from './options.ts';
export { MAX_LOCAL_REDIRECTS } from './exchange.ts';

/**
 * A handler that runs a CGI program for each request.
 *
 * The program sees the request as RFC 3875 meta-variables: `SCRIPT_NAME` and `PATH_INFO` from the
 * context's mount split (decoded), `QUERY_STRING` (raw), `REQUEST_METHOD`, `CONTENT_TYPE`,
 * `CONTENT_LENGTH` (when the length is known), `SERVER_NAME`/`SERVER_PORT` (from the Host the
 * client used), `REMOTE_ADDR`/`REMOTE_PORT`, `REMOTE_USER`/`AUTH_TYPE` (from `remoteUser`), one
 * `HTTP_*` per request header field, and `GATEWAY_INTERFACE`, `SERVER_PROTOCOL`,
 * `SERVER_SOFTWARE`, `REQUEST_SCHEME`, `REQUEST_URI`, `SCRIPT_FILENAME`, `HTTPS`.
 *
 * Statuses of its own: 400/404 for a path the environment cannot carry (bad escapes; an encoded
 * `/` or NUL), 413 for a chunked body over `bufferChunkedBody`, 500 when the program cannot be
 * started, 502 for a missing, malformed or oversized header block or a failure before it, 504 when
 * `timeout` passes before it. Details go to `onError`, never to the client.
 *
 * @throws {ConfigError} `TROWEL_ERR_CGI_SCRIPT` for a script that is missing or not executable,
 * `TROWEL_ERR_CGI_OPTION` for any other bad option, when built.
 * @example
 * ```ts
 * import { cgi } from 'trowel/cgi';
 * import { serve } from 'trowel/server';
 *
 * const git = cgi({
 *   script: '/usr/lib/git-core/git-http-backend',
 *   env: { GIT_PROJECT_ROOT: '/srv/git', GIT_HTTP_EXPORT_ALL: '1' },
 * });
 * const server = await serve(git, { port: 0 }); // git clone <server.url>/project.git
 * await server.close();
 * ```
 */
export function cgi(options: CgiOptions): Handler {
  const config = resolveOptions(options);
  const handler: Handler = (request, ctx) => exchange(config, handler, request, ctx);
  return handler;
}
