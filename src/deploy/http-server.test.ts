import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rejection, tree } from '../../test/deploy/helpers.ts';
import {
  removeCertificate,
  selfSignedCertificate,
  type SelfSigned,
} from '../../test/helpers/tls.ts';
import type { DeployWarning } from './errors.ts';
import { loadServer } from './loader.ts';
import type { RunningServer } from './registry.ts';

let pems = '';
let tls: SelfSigned | undefined;

beforeAll(async () => {
  tls = await selfSignedCertificate();
  pems = tls.dir;
  await writeFile(join(pems, 'both.pem'), tls.key + tls.cert);
});

afterAll(async () => {
  await removeCertificate(tls);
});

async function server(body: string, warnings: DeployWarning[] = []): Promise<RunningServer> {
  const dir = tree({ 'site.ini': `[server:main]\nuse = egg:Paste#http\n${body}` });
  const run = await loadServer(`${dir}/site.ini`, { onWarning: (w) => warnings.push(w) });
  return run(() => new Response('ok'));
}

function httpsGet(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request(url, { ca, servername: 'localhost' }, (res) => {
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
}

describe('egg:Paste#http', () => {
  it('serves on the host and port of the section', async () => {
    const running = await server(
      'host = 127.0.0.1\nport = 0\nsocket_timeout = 30\nmax_body_size = 1m\nshutdown_timeout = 2s\n',
    );
    try {
      expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(await (await fetch(running.url)).text()).toBe('ok');
    } finally {
      await running.close();
    }
  });

  it('serves HTTPS with ssl_pem, one file holding the certificate and the key', async () => {
    const running = await server(`port = 0\nssl_pem = ${pems}/both.pem\n`);
    try {
      expect(running.url).toMatch(/^https:/);
      expect(
        await httpsGet(
          running.url.replace('127.0.0.1', 'localhost'),
          await readFile(join(pems, 'cert.pem'), 'utf8'),
        ),
      ).toBe('ok');
    } finally {
      await running.close();
    }
  });

  it('serves HTTPS with tls_cert and tls_key', async () => {
    const running = await server(
      `port = 0\ntls_cert = ${pems}/cert.pem\ntls_key = ${pems}/key.pem\n`,
    );
    try {
      expect(running.url).toMatch(/^https:/);
    } finally {
      await running.close();
    }
  });

  it('warns about the thread-pool options it accepts and ignores', async () => {
    const warnings: DeployWarning[] = [];
    const running = await server(
      'port = 0\nuse_threadpool = true\nthreadpool_workers = 20\nprotocol_version = HTTP/1.0\n',
      warnings,
    );
    await running.close();
    expect(warnings.map((w) => [w.code, w.where.key])).toEqual([
      ['TROWEL_WARN_DEPLOY_IGNORED', 'use_threadpool'],
      ['TROWEL_WARN_DEPLOY_IGNORED', 'threadpool_workers'],
      ['TROWEL_WARN_DEPLOY_IGNORED', 'protocol_version'],
    ]);
  });

  it.each([
    ['port = eighty\n', 'port', 'expected an integer, got "eighty"'],
    ['port = 70000\n', 'port', 'must be from 0 to 65535, got 70000'],
    [
      'host = 127.0.0.1:8080\n',
      'host',
      'host must be an IP address or a host name (put the port in "port")',
    ],
    ['workers = 0\n', 'workers', 'must be from 1 to 1024'],
    ['max_header_size = 10\n', 'max_header_size', 'must be from 1024 to 1048576'],
    ['headers_timeout = soon\n', 'headers_timeout', 'expected a duration'],
    ['prot = 80\n', 'prot', 'egg:Paste#http has no option "prot" (did you mean "port"?)'],
    ['ssl_pem = *\n', 'ssl_pem', 'a generated self-signed certificate) is not supported'],
    ['ssl_pem = /nowhere.pem\n', 'ssl_pem', 'cannot read /nowhere.pem'],
    ['ssl_context = ctx\n', 'ssl_context', 'is a Python object'],
    ['tls_cert = /x.pem\n', 'tls_key', 'tls_cert and tls_key go together'],
    ['tls_cert = /x.pem\ntls_key = /y.pem\n', 'tls_cert', 'cannot read /x.pem'],
  ])('refuses %j, naming the key', async (body, key, detail) => {
    const error = await rejection(server(body));
    expect(error.key).toBe(key);
    expect(error.section).toBe('server:main');
    expect(error.detail).toContain(detail);
  });

  it('refuses an ssl_pem without a private key', async () => {
    const error = await rejection(server(`ssl_pem = ${pems}/cert.pem\n`));
    expect(error.detail).toContain('must hold both the certificate and the private key');
  });

  it('names the section when two options conflict', async () => {
    const error = await rejection(server('headers_timeout = 10m\nrequest_timeout = 1m\n'));
    expect(error).toMatchObject({ section: 'server:main', key: undefined });
    expect(error.detail).toContain('must not exceed requestTimeout');
  });
});
