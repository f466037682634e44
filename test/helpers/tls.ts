/**
 * A throwaway self-signed certificate for `localhost`, made with the real openssl for the HTTPS
 * tests. `removeCertificate` deletes its directory.
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

/** Makes an RSA-2048 certificate for `localhost` (CN and subjectAltName), valid for one day. */
export async function selfSignedCertificate(): Promise<SelfSigned> {
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
    '/CN=localhost',
    '-addext',
    'subjectAltName=DNS:localhost',
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
