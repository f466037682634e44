/**
 * HTTPS upstreams: the certificate is checked against the name the proxy was configured with,
 * never against the `Host` the client sent (which `preserveHost` and `transparentProxy` pass on),
 * and a change of client `Host` does not tear down the pooled connection. Certificates come from
 * the real openssl; this file's process trusts their issuer by default, so the proxy's own Agent
 * can be tested without a `dispatcher`.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { front, send } from '../../src/proxy/harness.fixture.ts';
import { proxy, transparentProxy } from '../../src/proxy/index.ts';
import { removeCertificate, selfSignedCertificate, type SelfSigned } from '../helpers/tls.ts';

interface Upstream {
  readonly server: Server;
  readonly port: number;
  readonly cert: string;
}

const upstreams: Upstream[] = [];
const certificates: SelfSigned[] = [];

/** An HTTPS upstream whose certificate names only `subjectAltName`, answering who asked. */
async function httpsUpstream(subjectAltName: string): Promise<Upstream> {
  const tls = await selfSignedCertificate({ commonName: 'trowel test', subjectAltName });
  certificates.push(tls);
  const { cert, key } = tls;
  const server = createServer({ cert, key }, (req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ host: req.headers.host, port: req.socket.remotePort }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const upstream = { server, port: (server.address() as AddressInfo).port, cert };
  upstreams.push(upstream);
  return upstream;
}

let byName: Upstream;
let byAddress: Upstream;

beforeAll(async () => {
  byName = await httpsUpstream('DNS:localhost');
  byAddress = await httpsUpstream('IP:127.0.0.1');
  setDefaultCACertificates([...getCACertificates('default'), byName.cert, byAddress.cert]);
});

afterAll(async () => {
  for (const { server } of upstreams) {
    server.closeAllConnections();
    server.close();
  }
  await Promise.all(certificates.map((tls) => removeCertificate(tls)));
});

const json = (body: Buffer): { host: string; port: number } =>
  JSON.parse(body.toString()) as { host: string; port: number };

describe('proxy() to an https target', () => {
  it('checks the certificate against the target name with preserveHost, on one connection', async () => {
    const errors: unknown[] = [];
    const app = proxy(`https://localhost:${String(byName.port)}/`, {
      preserveHost: true,
      onError: (error) => errors.push(error),
    });
    const server = await front(app);
    const first = await send(`${server.url}/`, { headers: { host: 'a.example' } });
    const second = await send(`${server.url}/`, { headers: { host: 'b.example' } });
    expect(errors).toEqual([]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect([json(first.body).host, json(second.body).host]).toEqual(['a.example', 'b.example']);
    // The client's Host changed; the pooled connection stayed.
    expect(json(second.body).port).toBe(json(first.body).port);
  });

  it("refuses a certificate that only matches the client's Host", async () => {
    const errors: unknown[] = [];
    const app = proxy(`https://127.0.0.1:${String(byName.port)}/`, {
      preserveHost: true,
      onError: (error) => errors.push(error),
    });
    const server = await front(app);
    const res = await send(`${server.url}/`, { headers: { host: 'localhost' } });
    expect(res.status).toBe(502);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  });

  it('verifies an IP literal target against its address', async () => {
    const app = proxy(`https://127.0.0.1:${String(byAddress.port)}/`, {
      preserveHost: true,
      onError: () => undefined,
    });
    const server = await front(app);
    const res = await send(`${server.url}/`, { headers: { host: 'www.example' } });
    expect(res.status).toBe(200);
    expect(json(res.body).host).toBe('www.example');
  });

  it('uses the target name with a dispatcher of the caller', async () => {
    const dispatcher = new Agent({ connect: { ca: byName.cert } });
    try {
      const app = proxy(`https://localhost:${String(byName.port)}/`, {
        preserveHost: true,
        dispatcher,
        onError: () => undefined,
      });
      const server = await front(app);
      const res = await send(`${server.url}/`, { headers: { host: 'evil.example' } });
      expect(res.status).toBe(200);
    } finally {
      await dispatcher.close();
    }
  });
});

describe('transparentProxy() with forceHost and https', () => {
  it('checks the certificate against forceHost, not the Host it keeps', async () => {
    const app = transparentProxy({
      forceHost: `localhost:${String(byName.port)}`,
      forceScheme: 'https',
      onError: () => undefined,
    });
    const server = await front(app);
    const res = await send(`${server.url}/`, { headers: { host: 'kept.example' } });
    expect(res.status).toBe(200);
    expect(json(res.body).host).toBe('kept.example');
  });
});
