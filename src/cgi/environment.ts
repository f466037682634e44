/**
 * The environment a CGI script runs with (RFC 3875 §4.1): the meta-variables that describe the
 * request, `HTTP_*` variables for its header fields, the server variables the configuration lets
 * through, and the configuration's own.
 *
 * Precedence, lowest first: header-derived `HTTP_*`, then variables passed from the server's
 * environment, then the meta-variables, then the configured `env` — so nothing a client sends
 * can replace what the server sets (Apache CVE-2025-65082), and nothing in the server's own
 * environment (a stray `REMOTE_USER`, say) can impersonate a request fact.
 */
import type { Context } from '../core/context.ts';
import { AUTH_TYPE, REMOTE_USER } from '../core/keys.ts';

/** What the environment builder needs from the configuration. */
export interface EnvironmentConfig {
  /** The server variables let through, read when the handler was built. */
  readonly passed: Readonly<Record<string, string>>;
  /** The configured variables. */
  readonly env: Readonly<Record<string, string>>;
  /** `SCRIPT_FILENAME`, when the program is a script file. */
  readonly scriptFilename: string | undefined;
  /** Appended to `QUERY_STRING` with `&`. */
  readonly queryString: string | undefined;
  /** The directory `PATH_TRANSLATED` maps `PATH_INFO` into. */
  readonly documentRoot: string | undefined;
  /** Whether `Authorization` becomes `HTTP_AUTHORIZATION`. */
  readonly passAuthorization: boolean;
  readonly remoteUser: ((ctx: Context, request: Request) => string | undefined) | undefined;
  readonly authType: ((ctx: Context, request: Request) => string | undefined) | undefined;
}

/** How the request body reaches the script. */
export interface BodyFraming {
  /** `CONTENT_LENGTH`, when the length is known. */
  readonly contentLength: string | undefined;
  /** The body is streamed without a length: the script reads to the end of its input. */
  readonly chunked: boolean;
}

/** A request the environment cannot express: answered with this status, the script never runs. */
export interface PathProblem {
  readonly ok: false;
  readonly status: 400 | 404;
  readonly detail: string;
}

/** The child's environment. */
export interface Environment {
  readonly ok: true;
  readonly vars: Record<string, string>;
}

// Never passed as HTTP_*: `Proxy` would become HTTP_PROXY, which CGI programs and their libraries
// take as their outgoing proxy (httpoxy, CVE-2016-5385 and siblings); the body fields are
// CONTENT_TYPE/CONTENT_LENGTH already (RFC 3875 §4.1.18); credentials stay with the server
// unless passed on purpose (Apache's CGIPassAuth).
const WITHHELD = new Set([
  'proxy',
  'content-type',
  'content-length',
  'transfer-encoding',
  'proxy-authorization',
]);
// Only letters, digits and hyphens map unambiguously: `X_Forwarded_For` and `X-Forwarded-For`
// would both become HTTP_X_FORWARDED_FOR, so names with anything else are dropped (as Apache 2.4
// and nginx do).
const MAPPABLE = /^[A-Za-z0-9-]+$/;

/**
 * Decodes a URL-encoded path for `SCRIPT_NAME` or `PATH_INFO`, which RFC 3875 §4.1.5 and §4.1.13
 * give decoded. An encoded slash would become a separator the client did not send, and NUL
 * cannot be in an environment value: both are refused with 404, as Apache does
 * (`AllowEncodedSlashes Off`); a malformed escape or bytes that are not UTF-8 with 400.
 */
export function decodePath(encoded: string): string | PathProblem {
  if (/%(?:2f|00)/i.test(encoded)) {
    return { ok: false, status: 404, detail: 'an encoded "/" or NUL in the path' };
  }
  try {
    return decodeURIComponent(encoded);
  } catch {
    return { ok: false, status: 400, detail: 'the path is not valid percent-encoded UTF-8' };
  }
}

/** `host[:port]` → SERVER_NAME and SERVER_PORT, with the scheme's port when none is given. */
export function splitHost(host: string, scheme: string): { name: string; port: string } {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host);
  const name = match?.[1] ?? host;
  const port = match?.[2];
  return {
    name,
    port: port === undefined || port === '' ? (scheme === 'https' ? '443' : '80') : port,
  };
}

/**
 * Builds the child's environment for `request`, or the problem that keeps the script from
 * running.
 */
export function buildEnvironment(
  request: Request,
  ctx: Context,
  config: EnvironmentConfig,
  framing: BodyFraming,
): Environment | PathProblem {
  const scriptName = decodePath(ctx.scriptName);
  if (typeof scriptName !== 'string') return scriptName;
  const pathInfo = decodePath(ctx.pathInfo);
  if (typeof pathInfo !== 'string') return pathInfo;

  const env: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of request.headers) {
    if (WITHHELD.has(name) || !MAPPABLE.test(name)) continue;
    if (name === 'authorization' && !config.passAuthorization) continue;
    env[`HTTP_${name.toUpperCase().replaceAll('-', '_')}`] = value;
  }
  // An in-process request may carry no Host field; scripts build their own URLs from HTTP_HOST.
  env['HTTP_HOST'] ??= ctx.host;
  if (framing.chunked) env['HTTP_TRANSFER_ENCODING'] = 'chunked';
  Object.assign(env, config.passed);

  const url = new URL(request.url);
  const { name, port } = splitHost(ctx.host, ctx.scheme);
  let query = url.search.slice(1);
  if (config.queryString !== undefined) {
    query = query === '' ? config.queryString : `${query}&${config.queryString}`;
  }
  env['GATEWAY_INTERFACE'] = 'CGI/1.1';
  env['SERVER_SOFTWARE'] = 'trowel';
  // The Fetch interface does not carry the version a request came in; trowel's server speaks 1.1.
  env['SERVER_PROTOCOL'] = 'HTTP/1.1';
  // Taken from the Host the client used, as Apache does with UseCanonicalName Off; set `env`
  // to fix them.
  env['SERVER_NAME'] = name;
  env['SERVER_PORT'] = port;
  env['REQUEST_METHOD'] = request.method;
  env['REQUEST_SCHEME'] = ctx.scheme;
  if (ctx.scheme === 'https') env['HTTPS'] = 'on';
  env['SCRIPT_NAME'] = scriptName;
  env['PATH_INFO'] = pathInfo;
  // RFC 3875 §4.1.6: only when there is a PATH_INFO to translate.
  if (config.documentRoot !== undefined && pathInfo !== '') {
    env['PATH_TRANSLATED'] = config.documentRoot.replace(/\/+$/, '') + pathInfo;
  }
  // RFC 3875 §4.1.7: always set, raw (still URL-encoded), empty when there is none.
  env['QUERY_STRING'] = query;
  env['REQUEST_URI'] = url.pathname + url.search;
  if (config.scriptFilename !== undefined) env['SCRIPT_FILENAME'] = config.scriptFilename;
  env['REMOTE_ADDR'] = ctx.remoteAddr;
  env['REMOTE_PORT'] = String(ctx.remotePort);
  const user = config.remoteUser ? config.remoteUser(ctx, request) : ctx.get(REMOTE_USER);
  if (user !== undefined) {
    env['REMOTE_USER'] = user;
    // RFC 3875 §4.1.1: the auth-scheme of the Authorization field, unless told otherwise.
    const type =
      (config.authType ? config.authType(ctx, request) : ctx.get(AUTH_TYPE)) ??
      /^[^\s]+/.exec(request.headers.get('authorization') ?? '')?.[0];
    if (type !== undefined) env['AUTH_TYPE'] = type;
  }
  const contentType = request.headers.get('content-type');
  if (contentType !== null) env['CONTENT_TYPE'] = contentType;
  if (framing.contentLength !== undefined) env['CONTENT_LENGTH'] = framing.contentLength;

  Object.assign(env, config.env);
  return { ok: true, vars: env };
}
