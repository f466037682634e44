import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConfigError } from '../../src/core/config-error.ts';
import { serve } from '../../src/server/index.ts';
import { removeCertificate, selfSignedCertificate, type SelfSigned } from '../helpers/tls.ts';
import { run, start } from './helpers.ts';

let dir = '';
let certFile = '';
let keyFile = '';
let cert = '';
let tls: SelfSigned | undefined;

beforeAll(async () => {
  tls = await selfSignedCertificate();
  ({ dir, certFile, keyFile, cert } = tls);
});

afterAll(async () => {
  await removeCertificate(tls);
});

describe('serve() over HTTPS', () => {
  it('serves curl -k with a self-signed certificate and tells the handler the scheme is https', async () => {
    const server = await start(
      (request, ctx) => new Response(`${ctx.scheme} ${new URL(request.url).protocol}`),
      { tls: { certFile, keyFile } },
    );
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
    const result = await run('curl', ['-sS', '-k', `${server.url}/`]);
    expect(result.stdout).toBe('https https:');
  });

  it('verifies against the certificate for a server bound as localhost', async () => {
    const server = await start(() => new Response('verified'), {
      host: 'localhost',
      tls: { cert, key: await readFile(keyFile) },
    });
    expect(server.url).toBe(`https://localhost:${server.port}`);
    const body = await new Promise<string>((resolve, reject) => {
      request(`${server.url}/`, { ca: cert }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          resolve(text);
        });
      })
        .on('error', reject)
        .end();
    });
    expect(body).toBe('verified');
  });

  it('refuses a certificate file that does not exist with TROWEL_ERR_SERVER_TLS', async () => {
    const error: unknown = await serve(() => new Response(''), {
      port: 0,
      tls: { certFile: join(dir, 'missing.pem'), keyFile },
    }).catch((e: unknown) => e);
    expect(isConfigError(error) && error.code).toBe('TROWEL_ERR_SERVER_TLS');
  });

  it('refuses a key that is not PEM with TROWEL_ERR_SERVER_TLS', async () => {
    const error: unknown = await serve(() => new Response(''), {
      port: 0,
      tls: { cert, key: 'not a key' },
    }).catch((e: unknown) => e);
    expect(isConfigError(error) && error.code).toBe('TROWEL_ERR_SERVER_TLS');
  });
});
