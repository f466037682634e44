/**
 * Checks a password against one htpasswd hash, in the formats Apache's `htpasswd` writes: bcrypt
 * (`-B`), APR1-MD5 (`-m`, its default), `{SHA}` (`-s`) and DES `crypt` (`-d`). The algorithms come
 * from bcryptjs, apache-md5 and apache-crypt; nothing here re-implements them.
 *
 * Plain-text "hashes" (`htpasswd -p`) are refused: Apache itself accepts them only on Windows,
 * NetWare and TPF, and a line that is not one of the formats above never matches. So do the
 * SHA-crypt forms (`$5$`, `$6$`) some newer `htpasswd` builds write with `-2`/`-5`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import bcrypt from 'bcryptjs';

// apache-md5 and apache-crypt are CommonJS without type declarations that TypeScript can find.
const require = createRequire(import.meta.url);
const apacheMd5 = require('apache-md5') as (password: string, salt: string) => string;
const apacheCrypt = require('apache-crypt') as (password: string, salt: string) => string;

/** The htpasswd hash formats trowel can check. */
export type HashFormat = 'bcrypt' | 'apr1' | 'sha1' | 'crypt';

/**
 * Which format `hash` is in, or `undefined` for one trowel refuses (plain text, SHA-crypt, or
 * anything else).
 *
 * @example
 * ```ts
 * import { hashFormat } from 'trowel/auth/basic';
 *
 * hashFormat('{SHA}qs67vlse11GdWHE+bbh7CYDxCOs='); // 'sha1'
 * ```
 */
export function hashFormat(hash: string): HashFormat | undefined {
  if (/^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/.test(hash)) return 'bcrypt';
  if (/^\$apr1\$[./A-Za-z0-9]{1,8}\$[./A-Za-z0-9]{22}$/.test(hash)) return 'apr1';
  if (/^\{SHA\}[A-Za-z0-9+/]{27}=$/.test(hash)) return 'sha1';
  if (/^[./A-Za-z0-9]{13}$/.test(hash)) return 'crypt';
  return undefined;
}

/**
 * Compares two strings in time that depends only on their lengths (and `expected`'s length is
 * not secret: it is fixed by the hash format).
 *
 * @example
 * ```ts
 * import { safeEqual } from 'trowel/auth/basic';
 *
 * safeEqual('wonderland', 'wonderland'); // true
 * ```
 */
export function safeEqual(actual: string, expected: string): boolean {
  const a = Buffer.from(actual, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}

/**
 * Whether `password` matches the htpasswd `hash`. Never throws: an unknown format is `false`.
 * bcrypt runs asynchronously, in slices, so it does not block other requests.
 *
 * DES `crypt` looks only at the first 8 bytes of a password (as Apache does); prefer bcrypt.
 *
 * @example
 * ```ts
 * import { verifyHash } from 'trowel/auth/basic';
 *
 * await verifyHash('password', '{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g='); // true
 * ```
 */
export async function verifyHash(password: string, hash: string): Promise<boolean> {
  switch (hashFormat(hash)) {
    case 'bcrypt':
      return bcrypt.compare(password, hash);
    case 'apr1':
      return safeEqual(apacheMd5(password, hash), hash);
    case 'sha1':
      return safeEqual(
        `{SHA}${createHash('sha1').update(password, 'utf8').digest('base64')}`,
        hash,
      );
    case 'crypt':
      return safeEqual(apacheCrypt(password, hash), hash);
    case undefined:
      return false;
  }
}
