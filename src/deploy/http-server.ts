/**
 * `egg:Paste#http`: Paste's `paste.httpserver` options, mapped onto `serve()` from
 * `trowel/server`.
 *
 * | Paste option | trowel |
 * |---|---|
 * | `host` (127.0.0.1), `port` (8080; 4443 with TLS) | `host`, `port` |
 * | `ssl_pem` (one PEM with certificate and key) | `tls: { cert, key }` read when the config loads; `*` (a generated certificate) is refused |
 * | `socket_timeout` (seconds) | `headersTimeout` and `keepAliveTimeout` |
 * | `use_threadpool`, `threadpool_workers`, `threadpool_*`, `request_queue_size`, `daemon_threads`, `protocol_version`, `server_version`, `error_email` | accepted with a warning: there is no thread pool (use `workers` for processes) and HTTP/1.1 is always spoken |
 * | `ssl_context` | refused: it is a Python object |
 *
 * trowel's own options: `workers`, `tls_cert`/`tls_key`/`tls_passphrase` (PEM files),
 * `max_body_size`/`max_header_size` (sizes), `headers_timeout`/`request_timeout`/
 * `keep_alive_timeout`/`shutdown_timeout` (durations; a bare number is seconds).
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { isConfigError } from '../core/config-error.ts';
import { resolveOptions, type ServeOptions } from '../server/options.ts';
import { serve } from '../server/index.ts';
import {
  asDuration,
  asInt,
  asPath,
  asSize,
  checkKeys,
  sectionWhere,
  settingWhere,
  warnSetting,
  type Settings,
} from './converters.ts';
import { DeployError, codes } from './errors.ts';
import type { ServerFactory } from './registry.ts';

const IGNORED: Readonly<Record<string, string>> = {
  use_threadpool: 'requests run on the event loop; there is no thread pool',
  threadpool_workers: 'there is no thread pool; use workers (or --workers) for worker processes',
  threadpool_options: 'there is no thread pool',
  max_requests: 'there is no thread pool',
  hung_thread_limit: 'there is no thread pool',
  kill_thread_limit: 'there is no thread pool',
  dying_limit: 'there is no thread pool',
  spawn_if_under: 'there is no thread pool',
  max_zombie_threads_before_die: 'there is no thread pool',
  hung_check_period: 'there is no thread pool',
  request_queue_size: 'the listen backlog is left to the operating system',
  daemon_threads: 'there are no threads',
  protocol_version: 'HTTP/1.1 is always spoken, with chunked bodies',
  server_version: 'no Server header is sent',
  error_email: 'error mail is the errors capability’s job, not the server’s',
  logger: 'the server logs to stderr',
};

const OPTIONS = [
  'host',
  'port',
  'ssl_pem',
  'ssl_context',
  'socket_timeout',
  'workers',
  'tls_cert',
  'tls_key',
  'tls_passphrase',
  'max_body_size',
  'max_header_size',
  'headers_timeout',
  'request_timeout',
  'keep_alive_timeout',
  'shutdown_timeout',
  ...Object.keys(IGNORED),
];

const NAME = 'egg:Paste#http';

/** Checks one serve() option alone, so that an error names the key it came from. */
function check(options: Settings, key: string, serveOptions: ServeOptions): void {
  try {
    resolveOptions(serveOptions);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    throw new DeployError(
      codes.value,
      settingWhere(options, key),
      error.message.replace(/^serve\(\): /, ''),
    );
  }
}

function tls(options: Settings): ServeOptions['tls'] {
  const pem = options['ssl_pem'];
  if (options['ssl_context'] !== undefined) {
    throw new DeployError(
      codes.option,
      settingWhere(options, 'ssl_context'),
      'ssl_context is a Python object and cannot be given in a config file; use ssl_pem or tls_cert and tls_key',
    );
  }
  if (pem !== undefined) {
    if (pem.trim() === '*') {
      throw new DeployError(
        codes.value,
        settingWhere(options, 'ssl_pem'),
        'ssl_pem = * (a generated self-signed certificate) is not supported: make one (openssl req -x509 -newkey rsa:2048 -nodes -keyout dev.pem -out dev.pem -subj /CN=localhost) and give its path',
      );
    }
    const path = asPath(options, 'ssl_pem') ?? pem;
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      throw new DeployError(codes.value, settingWhere(options, 'ssl_pem'), `cannot read ${path}`);
    }
    if (
      !/-----BEGIN CERTIFICATE-----/.test(text) ||
      !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)
    ) {
      throw new DeployError(
        codes.value,
        settingWhere(options, 'ssl_pem'),
        `${path} must hold both the certificate and the private key (PEM)`,
      );
    }
    return { cert: text, key: text };
  }
  const cert = asPath(options, 'tls_cert');
  const key = asPath(options, 'tls_key');
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined) {
    const missing = cert === undefined ? 'tls_cert' : 'tls_key';
    throw new DeployError(
      codes.option,
      { ...sectionWhere(options), key: missing },
      'tls_cert and tls_key go together',
    );
  }
  for (const [name, path] of [
    ['tls_cert', cert],
    ['tls_key', key],
  ] as const) {
    try {
      accessSync(path, constants.R_OK);
    } catch {
      throw new DeployError(codes.value, settingWhere(options, name), `cannot read ${path}`);
    }
  }
  const passphrase = options['tls_passphrase'];
  return passphrase === undefined
    ? { certFile: cert, keyFile: key }
    : { certFile: cert, keyFile: key, passphrase };
}

/** The `egg:Paste#http` server factory. */
export const httpServer: ServerFactory = (options) => {
  checkKeys(options, OPTIONS, NAME);
  for (const key of Object.keys(IGNORED)) {
    if (options[key] !== undefined)
      warnSetting(options, key, 'TROWEL_WARN_DEPLOY_IGNORED', `ignored: ${IGNORED[key] ?? ''}`);
  }
  const serveOptions: {
    -readonly [K in keyof ServeOptions]: ServeOptions[K];
  } = {};
  const tlsOption = tls(options);
  if (tlsOption !== undefined) serveOptions.tls = tlsOption;
  const host = options['host'];
  if (host !== undefined) {
    serveOptions.host = host;
    check(options, 'host', { host });
  }
  serveOptions.port = asInt(options, 'port', {
    fallback: tlsOption === undefined ? 8080 : 4443,
    min: 0,
    max: 65_535,
  });
  const workers = asInt(options, 'workers', { min: 1, max: 1024 });
  if (workers !== undefined) serveOptions.workers = workers;
  const sizes = { max_body_size: 'maxBodySize', max_header_size: 'maxHeaderSize' } as const;
  for (const [key, name] of Object.entries(sizes)) {
    const value = asSize(
      options,
      key,
      name === 'maxHeaderSize' ? { min: 1024, max: 1024 * 1024 } : { min: 0 },
    );
    if (value !== undefined) serveOptions[name] = value;
  }
  const socketTimeout = asDuration(options, 'socket_timeout', { min: 1, max: 86_400_000 });
  if (socketTimeout !== undefined) {
    serveOptions.headersTimeout = socketTimeout;
    serveOptions.keepAliveTimeout = socketTimeout;
    // Paste's socket timeout bounded each read; the whole request must then be allowed at least as long.
    if (socketTimeout > 300_000) serveOptions.requestTimeout = socketTimeout;
  }
  const durations = {
    headers_timeout: 'headersTimeout',
    request_timeout: 'requestTimeout',
    keep_alive_timeout: 'keepAliveTimeout',
    shutdown_timeout: 'shutdownTimeout',
  } as const;
  for (const [key, name] of Object.entries(durations)) {
    const value = asDuration(options, key, {
      min: name === 'requestTimeout' || name === 'shutdownTimeout' ? 0 : 1,
      max: 86_400_000,
    });
    if (value !== undefined) serveOptions[name] = value;
  }
  try {
    resolveOptions(serveOptions);
  } catch (error) {
    if (!isConfigError(error)) throw error;
    throw new DeployError(
      codes.value,
      sectionWhere(options),
      error.message.replace(/^serve\(\): /, ''),
    );
  }
  return (handler, run) =>
    serve(handler, {
      ...serveOptions,
      handleSignals: run?.handleSignals ?? false,
      ...(run?.onListen === undefined ? {} : { onListen: run.onListen }),
    });
};
