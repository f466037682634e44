/**
 * A throwaway self-signed certificate (for `localhost` unless told otherwise), made with the real
 * openssl for the HTTPS tests. `removeCertificate` deletes its directory.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Where the certificate and key were written, and their PEM text. */
export interface SelfSigned {
  readonly dir: string;
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

/** Whom {@link selfSignedCertificate} makes a certificate for. */
export interface Subject {
  /** The subject's common name. @default 'localhost' */
  readonly commonName?: string;
  /** The names it is valid for, as openssl writes them (`DNS:…`, `IP:…`). @default 'DNS:localhost' */
  readonly subjectAltName?: string;
}

/**
 * Makes an RSA-2048 certificate, valid for one day, for `localhost` (CN and subjectAltName) unless
 * told otherwise.
 *
 * @example
 * ```ts
 * const tls = await selfSignedCertificate({ subjectAltName: 'IP:127.0.0.1' });
 * await removeCertificate(tls);
 * ```
 */
export async function selfSignedCertificate({
  commonName = 'localhost',
  subjectAltName = 'DNS:localhost',
}: Subject = {}): Promise<SelfSigned> {
  const dir = await mkdtemp(join(tmpdir(), 'trowel-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  await promisify(execFile)('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    `subjectAltName=${subjectAltName}`,
    '-days',
    '1',
    '-keyout',
    keyFile,
    '-out',
    certFile,
  ]);
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { dir, certFile, keyFile, cert, key };
}

/** Deletes the certificate's directory. */
export async function removeCertificate(tls: SelfSigned | undefined): Promise<void> {
  if (tls) await rm(tls.dir, { recursive: true, force: true });
}
