/**
 * The options of `profile()`, their defaults and their validation (once, when the middleware is
 * built).
 */
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError } from '../../core/config-error.ts';
import type { Context } from '../../core/context.ts';

/** Options of `profile()`. */
export interface ProfileOptions {
  /** Microseconds between two samples of the V8 profiler. @default 100 */
  readonly sampleInterval?: number;
  /** How many functions each table shows (Paste's `limit`). @default 40 */
  readonly limit?: number;
  /**
   * The directory the `.cpuprofile` files are written to, created when first needed (Paste's
   * `log_filename`). A relative path is resolved against the working directory when the middleware
   * is built.
   * @default `${os.tmpdir()}/trowel-profiles`
   */
  readonly dir?: string;
  /** Which requests to profile; the others pass through untouched. @default every request */
  readonly when?: (request: Request, ctx: Context) => boolean;
  /** Put the tables into `text/html` responses (before `</body>`, or at the end). @default true */
  readonly append?: boolean;
  /**
   * Send the saved file's absolute path in an `X-Profile-File` response header. It discloses a path
   * on the server, which is why `profile()` answers loopback clients only unless `allowRemote`.
   * @default true
   */
  readonly header?: boolean;
  /**
   * The longest a profile runs, in milliseconds: a response still streaming then goes on
   * unprofiled, so one endless response (server-sent events) cannot hold the queue.
   * @default 30000
   */
  readonly maxDuration?: number;
  /** The largest HTML body, in bytes, that is buffered to append the tables to; larger ones stream. @default 10485760 (10 MiB) */
  readonly htmlLimit?: number;
  /**
   * Profile requests from any client, not only from loopback addresses (127.0.0.0/8, ::1). The
   * tables and the header show source paths and function names of the server.
   * @default false
   */
  readonly allowRemote?: boolean;
}

/** {@link ProfileOptions} with every default applied. */
export interface ResolvedProfileOptions {
  readonly sampleInterval: number;
  readonly limit: number;
  readonly dir: string;
  readonly when: ((request: Request, ctx: Context) => boolean) | undefined;
  readonly append: boolean;
  readonly header: boolean;
  readonly maxDuration: number;
  readonly htmlLimit: number;
  readonly allowRemote: boolean;
}

const CODE = 'TROWEL_ERR_PROFILE_OPTIONS';

/**
 * Checks `options` and applies the defaults.
 *
 * @throws {ConfigError} `TROWEL_ERR_PROFILE_OPTIONS` naming the bad option.
 */
export function resolveProfileOptions(options: ProfileOptions): ResolvedProfileOptions {
  const dir = options.dir ?? join(tmpdir(), 'trowel-profiles');
  if (typeof dir !== 'string' || dir === '' || dir.includes('\0')) {
    throw new ConfigError(CODE, 'profile(): dir must be a non-empty path');
  }
  if (options.when !== undefined && typeof options.when !== 'function') {
    throw new ConfigError(CODE, 'profile(): when must be a function (request, ctx) => boolean');
  }
  return {
    sampleInterval: integer('sampleInterval', options.sampleInterval, 100, 1, 1_000_000),
    limit: integer('limit', options.limit, 40, 1, 10_000),
    dir: resolve(dir),
    when: options.when,
    append: flag('append', options.append, true),
    header: flag('header', options.header, true),
    maxDuration: integer('maxDuration', options.maxDuration, 30_000, 1, 2 ** 31 - 1),
    htmlLimit: integer('htmlLimit', options.htmlLimit, 10 * 1024 * 1024, 0, 2 ** 31 - 1),
    allowRemote: flag('allowRemote', options.allowRemote, false),
  };
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      CODE,
      `profile(): ${name} must be an integer from ${String(min)} to ${String(max)}, got ${typeof value === 'number' ? String(value) : typeof value}`,
    );
  }
  return value;
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new ConfigError(CODE, `profile(): ${name} must be true or false`);
  }
  return value;
}
