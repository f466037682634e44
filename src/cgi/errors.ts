/**
 * What can go wrong running a CGI script, as data for the log: each {@link CgiError} has a stable
 * code and the status the client got. The client never sees the message.
 */

/** The stable codes of {@link CgiError}, listed in `docs/errors.md`. */
export const CGI_ERROR_CODES = {
  /** The program could not be started (missing, not executable, no interpreter): 500. */
  spawn: 'TROWEL_ERR_CGI_SPAWN',
  /** The header block was malformed, missing, or the output ended inside it: 502. */
  header: 'TROWEL_ERR_CGI_HEADER',
  /** The header block was larger than `maxOutputHeaderSize`: 502. */
  headerTooLarge: 'TROWEL_ERR_CGI_HEADER_TOO_LARGE',
  /** The script exited with a failure (or was killed by a signal) before its header block: 502. */
  exit: 'TROWEL_ERR_CGI_EXIT',
  /** The script ran past `timeout`: 504 before its header block, a cut-off body after. */
  timeout: 'TROWEL_ERR_CGI_TIMEOUT',
  /** A local redirect loop, or one to a path no handler serves: 502. */
  redirect: 'TROWEL_ERR_CGI_REDIRECT',
} as const;

/** One of {@link CGI_ERROR_CODES}. */
export type CgiErrorCode = (typeof CGI_ERROR_CODES)[keyof typeof CGI_ERROR_CODES];

/**
 * A failure running a CGI script, handed to `onError`.
 *
 * @example
 * ```ts
 * import { cgi, type CgiError } from 'trowel/cgi';
 * const seen: CgiError[] = [];
 * const app = cgi({ script: '/bin/true', onError: (error) => seen.push(error) });
 * // a request to app answers 502, and seen[0].code is 'TROWEL_ERR_CGI_HEADER'
 * ```
 */
export class CgiError extends Error {
  override readonly name = 'CgiError';
  /** A stable code from {@link CGI_ERROR_CODES}. */
  readonly code: CgiErrorCode;
  /** The status the client got, or 0 when the response had already started. */
  readonly status: number;
  /** The process id, when the program started. */
  readonly pid: number | undefined;

  constructor(
    code: CgiErrorCode,
    status: number,
    message: string,
    pid: number | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.status = status;
    this.pid = pid;
  }
}
