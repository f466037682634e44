/**
 * The options of `prints()`, their defaults and their validation (once, when the middleware is
 * built).
 */
import { ConfigError } from '../../core/config-error.ts';

/** Options of `prints()`. */
export interface PrintsOptions {
  /**
   * Also write the output to the real console, as it would be without `prints()` (Paste's
   * `print_wsgi_errors`). With `false` it shows only in the page.
   * @default true
   */
  readonly tee?: boolean;
  /**
   * Insert the output into every response, whatever its `Content-Type`, as if it were HTML (Paste's
   * `force_content_type`). Bodies that are not UTF-8 text are still left alone.
   * @default false
   */
  readonly force?: boolean;
  /**
   * The id of the element the output goes into when the page has one (a `<pre>` is the natural
   * choice); otherwise it goes in a box right after `<body>`. Paste's pages used
   * `paste-debug-prints`.
   * @default 'trowel-debug-prints'
   */
  readonly id?: string;
  /** The most characters of output kept per request; the rest is counted and reported. @default 1048576 */
  readonly maxOutput?: number;
  /** The largest HTML body, in bytes, that is buffered to insert the output; larger ones pass. @default 10485760 (10 MiB) */
  readonly htmlLimit?: number;
  /**
   * Capture and show output for any client, not only loopback ones (127.0.0.0/8, ::1). Server
   * output can hold secrets: keep this off where others can reach the server.
   * @default false
   */
  readonly allowRemote?: boolean;
}

/** {@link PrintsOptions} with every default applied. */
export interface ResolvedPrintsOptions {
  readonly tee: boolean;
  readonly force: boolean;
  readonly id: string;
  readonly maxOutput: number;
  readonly htmlLimit: number;
  readonly allowRemote: boolean;
}

const CODE = 'TROWEL_ERR_PRINTS_OPTIONS';

/**
 * Checks `options` and applies the defaults.
 *
 * @throws {ConfigError} `TROWEL_ERR_PRINTS_OPTIONS` naming the bad option.
 */
export function resolvePrintsOptions(options: PrintsOptions): ResolvedPrintsOptions {
  const id = options.id ?? 'trowel-debug-prints';
  // An id is any non-empty string without ASCII whitespace (HTML §3.2.6.1); quotes and angle
  // brackets are refused too, as no page could hold them in a quoted attribute unescaped.
  if (typeof id !== 'string' || !/^[^\s"'<>&]+$/.test(id)) {
    throw new ConfigError(CODE, 'prints(): id must be a non-empty element id without spaces');
  }
  return {
    tee: flag('tee', options.tee, true),
    force: flag('force', options.force, false),
    id,
    maxOutput: integer('maxOutput', options.maxOutput, 1024 * 1024),
    htmlLimit: integer('htmlLimit', options.htmlLimit, 10 * 1024 * 1024),
    allowRemote: flag('allowRemote', options.allowRemote, false),
  };
}

function integer(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new ConfigError(CODE, `prints(): ${name} must be a non-negative integer`);
  }
  return value;
}

function flag(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') {
    throw new ConfigError(CODE, `prints(): ${name} must be true or false`);
  }
  return value;
}
