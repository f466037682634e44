import { describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { urlMap } from '../urlmap/index.ts';
import { front, send, upstream } from './harness.fixture.ts';
import { transparentProxy, type TransparentProxyOptions } from './index.ts';

const quiet = { onError: () => undefined };

function codeOf(build: () => unknown): string | undefined {
  try {
    build();
  } catch (error) {
    return isConfigError(error) ? error.code : 'not a ConfigError';
  }
  return undefined;
}

describe('transparentProxy() configuration', () => {
  it.each<[string, TransparentProxyOptions, string]>([
    ['neither allowHosts nor forceHost', {}, 'TROWEL_ERR_PROXY_OPEN'],
    ['an empty allowHosts', { allowHosts: [] }, 'TROWEL_ERR_PROXY_OPEN'],
    ['a bad allowHosts entry', { allowHosts: ['a b'] }, 'TROWEL_ERR_PROXY_ALLOW_HOSTS'],
    ['a forceHost with a path', { forceHost: 'a/b' }, 'TROWEL_ERR_PROXY_FORCE_HOST'],
    ['a forceHost with userinfo', { forceHost: 'u@a' }, 'TROWEL_ERR_PROXY_FORCE_HOST'],
    [
      'a forceScheme other than http(s)',
      { forceHost: 'a', forceScheme: 'ftp' as 'http' },
      'TROWEL_ERR_PROXY_SCHEME',
    ],
  ])('refuses %s', (_what, options, code) => {
    expect(codeOf(() => transparentProxy(options))).toBe(code);
  });
});

describe('transparentProxy() routing', () => {
  it('forwards to the host the request names, keeping its Host', async () => {
    const up = await upstream();
    const server = await front(transparentProxy({ ...quiet, allowHosts: ['localhost:*'] }));
    const host = `localhost:${String(up.port)}`;
    const res = await send(`${server.url}/a%2Fb?q=1`, { headers: { host } });
    expect(res.status).toBe(200);
    expect(up.seen[0]?.url).toBe('/a%2Fb?q=1');
    expect(up.seen[0]?.headers.host).toBe(host);
  });

  it('sends the whole path, mount prefix included', async () => {
    const up = await upstream();
    const app = transparentProxy({ ...quiet, allowHosts: ['127.0.0.1:*'] });
    const server = await front(urlMap({ '/mnt': app }));
    await send(`${server.url}/mnt/x`, { headers: { host: `127.0.0.1:${String(up.port)}` } });
    expect(up.seen[0]?.url).toBe('/mnt/x');
  });

  it('appends to X-Forwarded-For instead of keeping the client’s alone', async () => {
    const up = await upstream();
    const server = await front(transparentProxy({ ...quiet, allowHosts: ['127.0.0.1:*'] }));
    await send(`${server.url}/`, {
      headers: { host: `127.0.0.1:${String(up.port)}`, 'x-forwarded-for': '1.2.3.4' },
    });
    expect(up.seen[0]?.headers['x-forwarded-for']).toBe('1.2.3.4, 127.0.0.1');
  });

  it('resolves a name once and connects to the address a CIDR entry allows', async () => {
    const up = await upstream();
    const server = await front(transparentProxy({ ...quiet, allowHosts: ['127.0.0.0/8:*'] }));
    const host = `localhost:${String(up.port)}`;
    expect((await send(`${server.url}/`, { headers: { host } })).status).toBe(200);
    expect(up.seen[0]?.headers.host).toBe(host);
  });

  it.each([
    ['a port the entry does not name', ['localhost'], 'localhost:22'],
    ['an unlisted name', ['localhost'], 'internal'],
    ['an unlisted IPv6 literal', ['localhost'], '[::1]'],
    ['a link-local address', ['localhost', '10.0.0.0/8'], '169.254.169.254'],
    ['a name that resolves outside the CIDR entries', ['10.0.0.0/8:*'], 'localhost:8080'],
    ['an IPv4-mapped IPv6 literal outside the list', ['10.0.0.0/8'], '[::ffff:127.0.0.1]'],
  ])('answers 403 to %s', async (_what, allowHosts, host) => {
    const server = await front(transparentProxy({ ...quiet, allowHosts }));
    expect((await send(`${server.url}/`, { headers: { host } })).status).toBe(403);
  });

  it('never sees a Host with userinfo: the server answers 400 first', async () => {
    const up = await upstream();
    const server = await front(transparentProxy({ ...quiet, allowHosts: ['localhost:*'] }));
    const status = (
      await send(`${server.url}/`, { headers: { host: `a@localhost:${String(up.port)}` } })
    ).status;
    expect(status).toBe(400);
    expect(up.seen).toEqual([]);
  });

  it('connects to forceHost and keeps the Host the client sent', async () => {
    const up = await upstream();
    const app = transparentProxy({ ...quiet, forceHost: `127.0.0.1:${String(up.port)}` });
    const server = await front(app);
    await send(`${server.url}/p`, { headers: { host: 'www.example' } });
    expect(up.seen[0]?.headers.host).toBe('www.example');
    expect(up.seen[0]?.url).toBe('/p');
  });

  it('checks the Host against allowHosts with forceHost too', async () => {
    const up = await upstream();
    const app = transparentProxy({
      ...quiet,
      forceHost: `127.0.0.1:${String(up.port)}`,
      allowHosts: ['www.example'],
    });
    const server = await front(app);
    expect((await send(`${server.url}/`, { headers: { host: 'www.example' } })).status).toBe(200);
    expect((await send(`${server.url}/`, { headers: { host: 'other.example' } })).status).toBe(403);
  });

  it('answers 502 when the forced host refuses the connection', async () => {
    const up = await upstream();
    const port = up.port;
    up.server.close();
    up.server.closeAllConnections();
    const server = await front(
      transparentProxy({ ...quiet, forceHost: `127.0.0.1:${String(port)}` }),
    );
    expect((await send(`${server.url}/`)).status).toBe(502);
  });
});
