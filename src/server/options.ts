/**
 * The options of {@link serve}: their types, their defaults, and the one place they are checked.
 *
 * Every value is validated when `serve()` is called, before anything listens, and a bad one is a
 * `ConfigError` naming the option; nothing here is re-checked per request.
 */
import { isIP } from 'node:net';
import { ConfigError } from '../core/config-error.ts';

/** A certificate and key given as PEM text (or the bytes of a PEM file). */
export interface TlsPem {
  /** The certificate chain, PEM. */
  readonly cert: string | Buffer;
  /** The private key, PEM. */
  readonly key: string | Buffer;
  /** The passphrase of an encrypted key. */
  readonly passphrase?: string;
}

/** A certificate and key given as paths to PEM files, read once when the server starts. */
export interface TlsFiles {
  /** Path of the certificate chain, PEM. */
  readonly certFile: string;
  /** Path of the private key, PEM. */
  readonly keyFile: string;
  /** The passphrase of an encrypted key. */
  readonly passphrase?: string;
}

/** What the server reports once it listens. */
export interface ListenInfo {
  /** `http://host:port` or `https://host:port`, without a trailing slash. */
  readonly url: string;
  /** The address the socket is bound to (e.g. `127.0.0.1`, `::1`, `0.0.0.0`). */
  readonly host: string;
  /** The bound port (the real one when `port: 0` asked for an ephemeral port). */
  readonly port: number;
}

/** Options of {@link serve}. */
export interface ServeOptions {
  /** The TCP port; `0` picks a free ephemeral port (see `server.port`). @default 8080 */
  readonly port?: number;
  /** The address to bind: an IPv4 or IPv6 literal (brackets optional) or a host name. @default '127.0.0.1' */
  readonly host?: string;
  /** Serve HTTPS with this certificate and key. @default undefined (plain HTTP) */
  readonly tls?: TlsPem | TlsFiles;
  /** Largest request head (request line and headers) in bytes; larger gets 431. @default 16384 */
  readonly maxHeaderSize?: number;
  /** Milliseconds a client has to send the complete request head; then 408 and close. @default 60000 */
  readonly headersTimeout?: number;
  /** Milliseconds a client has to send the complete request, body included; `0` disables. @default 300000 */
  readonly requestTimeout?: number;
  /** Milliseconds an idle keep-alive connection is kept open. @default 5000 */
  readonly keepAliveTimeout?: number;
  /** Largest request body in bytes; larger gets 413. `Infinity` disables the limit. @default 104857600 (100 MiB) */
  readonly maxBodySize?: number;
  /** Milliseconds a graceful close waits for in-flight requests before cutting them off. @default 10000 */
  readonly shutdownTimeout?: number;
  /** Close gracefully on SIGTERM and SIGINT, then exit the process with code 0. @default false */
  readonly handleSignals?: boolean;
  /** Run this many worker processes (node:cluster) that share the port. @default undefined (one process) */
  readonly workers?: number;
  /** Called once the server listens (with `workers`, once, in the primary process). */
  readonly onListen?: (info: ListenInfo) => void;
  /** Called with what a handler threw, and for a response that could not be sent. @default logs to stderr */
  readonly onError?: (error: unknown, request: Request) => void;
}

/** {@link ServeOptions} with every default filled in. */
export interface ResolvedOptions {
  readonly port: number;
  readonly host: string;
  readonly tls: TlsPem | TlsFiles | undefined;
  readonly maxHeaderSize: number;
  readonly headersTimeout: number;
  readonly requestTimeout: number;
  readonly keepAliveTimeout: number;
  readonly maxBodySize: number;
  readonly shutdownTimeout: number;
  readonly handleSignals: boolean;
  readonly workers: number | undefined;
  readonly onListen: ((info: ListenInfo) => void) | undefined;
  readonly onError: (error: unknown, request: Request) => void;
}

const INVALID = 'TROWEL_ERR_SERVER_INVALID_OPTION';

function defaultOnError(error: unknown, request: Request): void {
  console.error(`trowel/server: ${request.method} ${request.url} failed:`, error);
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      INVALID,
      `serve(): ${name} must be an integer from ${min} to ${max}, got ${typeof value === 'number' ? String(value) : typeof value}`,
    );
  }
  return value;
}

function callback<T>(name: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new ConfigError(INVALID, `serve(): ${name} must be a function`);
  }
  return value;
}

function bindHost(value: unknown): string {
  if (value === undefined) return '127.0.0.1';
  if (typeof value !== 'string' || value === '') {
    throw new ConfigError(INVALID, `serve(): host must be a non-empty string`);
  }
  const unbracketed = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
  if (isIP(unbracketed) !== 0) return unbracketed;
  // A DNS name: letters, digits, hyphens and dots only. "h:p" is a common slip from Paste's
  // `host = 127.0.0.1:8080`; the port has its own option here.
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(value)) {
    throw new ConfigError(
      INVALID,
      `serve(): host must be an IP address or a host name (put the port in "port"), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function tlsOption(value: unknown): TlsPem | TlsFiles | undefined {
  if (value === undefined) return undefined;
  const bad = (why: string): ConfigError =>
    new ConfigError('TROWEL_ERR_SERVER_TLS', `serve(): tls ${why}`);
  if (typeof value !== 'object' || value === null) throw bad('must be an object');
  const tls = value as Record<string, unknown>;
  const pem = tls['cert'] !== undefined || tls['key'] !== undefined;
  const files = tls['certFile'] !== undefined || tls['keyFile'] !== undefined;
  if (pem === files) throw bad('needs either { cert, key } or { certFile, keyFile }');
  const isPem = (v: unknown): boolean => (typeof v === 'string' && v !== '') || Buffer.isBuffer(v);
  const isPath = (v: unknown): boolean => typeof v === 'string' && v !== '';
  if (pem && !(isPem(tls['cert']) && isPem(tls['key']))) {
    throw bad('cert and key must both be PEM strings or Buffers');
  }
  if (files && !(isPath(tls['certFile']) && isPath(tls['keyFile']))) {
    throw bad('certFile and keyFile must both be paths');
  }
  if (tls['passphrase'] !== undefined && typeof tls['passphrase'] !== 'string') {
    throw bad('passphrase must be a string');
  }
  return value as TlsPem | TlsFiles;
}

/**
 * Checks `options` and fills in the defaults.
 *
 * @throws {ConfigError} `TROWEL_ERR_SERVER_INVALID_OPTION` or `TROWEL_ERR_SERVER_TLS`.
 */
export function resolveOptions(options: ServeOptions): ResolvedOptions {
  if (typeof options !== 'object' || (options as unknown) === null) {
    throw new ConfigError(INVALID, 'serve(): options must be an object');
  }
  const day = 86_400_000;
  const headersTimeout = integer('headersTimeout', options.headersTimeout, 60_000, 1, day);
  const requestTimeout = integer('requestTimeout', options.requestTimeout, 300_000, 0, day);
  // Node refuses a head deadline later than the whole-request deadline; say so in our words.
  if (requestTimeout !== 0 && headersTimeout > requestTimeout) {
    throw new ConfigError(
      INVALID,
      `serve(): headersTimeout (${headersTimeout}) must not exceed requestTimeout (${requestTimeout})`,
    );
  }
  const maxBodySize =
    options.maxBodySize === Infinity
      ? Infinity
      : integer('maxBodySize', options.maxBodySize, 100 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER);
  if (options.handleSignals !== undefined && typeof options.handleSignals !== 'boolean') {
    throw new ConfigError(INVALID, 'serve(): handleSignals must be a boolean');
  }
  return {
    port: integer('port', options.port, 8080, 0, 65_535),
    host: bindHost(options.host),
    tls: tlsOption(options.tls),
    maxHeaderSize: integer('maxHeaderSize', options.maxHeaderSize, 16_384, 1024, 1024 * 1024),
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: integer('keepAliveTimeout', options.keepAliveTimeout, 5000, 1, day),
    maxBodySize,
    shutdownTimeout: integer('shutdownTimeout', options.shutdownTimeout, 10_000, 0, day),
    handleSignals: options.handleSignals ?? false,
    workers:
      options.workers === undefined ? undefined : integer('workers', options.workers, 1, 1, 1024),
    onListen: callback('onListen', options.onListen),
    onError: callback('onError', options.onError) ?? defaultOnError,
  };
}
