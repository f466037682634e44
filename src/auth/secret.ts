/**
 * The shared secret of an authentication middleware, given inline or in a file: exactly one of
 * the two, a file read once when the middleware is built (trailing whitespace trimmed), and a
 * minimum length, since anyone who guesses the secret can mint credentials.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/config-error.ts';

/** Where the secret comes from. */
export interface SecretOptions {
  readonly secret?: string | undefined;
  readonly secretFile?: string | undefined;
}

/**
 * The secret, checked.
 *
 * @throws {ConfigError} `code` when neither or both are given, the file cannot be read, or the
 * secret is shorter than `minBytes`.
 * @example
 * ```ts
 * const secret = readSecret({ secret: 'x'.repeat(32) }, 'TROWEL_ERR_AUTH_X_SECRET', 'x()', 32);
 * ```
 */
export function readSecret(
  options: SecretOptions,
  code: string,
  what: string,
  minBytes: number,
): string {
  if ((options.secret === undefined) === (options.secretFile === undefined)) {
    throw new ConfigError(code, `${what}: give exactly one of secret and secretFile`);
  }
  let secret = options.secret;
  if (options.secretFile !== undefined) {
    try {
      secret = readFileSync(options.secretFile, 'utf8').trimEnd();
    } catch (error) {
      throw new ConfigError(code, `${what}: cannot read secretFile ${options.secretFile}`, {
        cause: error,
      });
    }
  }
  if (secret === undefined || Buffer.byteLength(secret) < minBytes) {
    throw new ConfigError(code, `${what}: the secret must be at least ${String(minBytes)} bytes`);
  }
  return secret;
}
