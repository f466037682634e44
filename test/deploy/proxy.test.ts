/**
 * The proxy family's entry points loaded from config files and run against real upstream servers
 * on loopback: `egg:Paste#proxy`, `egg:Paste#transparent_proxy`, `egg:WSGIProxy` as app and as
 * filter (signed, with a secret file), `egg:WSGIProxy#real_proxy` and `egg:WSGIProxy#spawn`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Context } from '../../src/core/context.ts';
import type { Handler } from '../../src/core/handler.ts';
import { REMOTE_USER } from '../../src/core/keys.ts';
import { transportedKey } from '../../src/forwarded/transport.ts';
import { loadApp } from '../../src/deploy/loader.ts';
import { splitCommand } from '../../src/deploy/adapters/spawn.ts';
import { serve, type TrowelServer } from '../../src/server/index.ts';
import { rejection, tree } from './helpers.ts';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

let upstream: Server;
let origin: string;
const seen: Seen[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'text/plain');
      res.end(`upstream ${req.method ?? ''} ${req.url ?? ''}`);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((resolve) => upstream.close(resolve));
});

function last(): Seen {
  const request = seen.at(-1);
  if (request === undefined) throw new Error('the upstream saw no request');
  return request;
}

async function call(
  app: Handler,
  url: string,
  init: RequestInit = {},
  ctx: { remoteAddr?: string; set?: (ctx: Context) => void } = {},
): Promise<Response> {
  const request = new Request(url, init);
  const context = new Context(request, { remoteAddr: ctx.remoteAddr ?? '192.0.2.7' });
  ctx.set?.(context);
  return app(request, context);
}

describe('egg:Paste#proxy', () => {
  it('forwards under the address path and refuses methods off the list with 405 and Allow', async () => {
    const dir = tree({
      'site.ini': `[app:main]\nuse = egg:Paste#proxy\naddress = ${origin}/base/\nallowed_request_methods = GET POST\nsuppress_http_headers = x_secret\n`,
    });
    const app = await loadApp(`${dir}/site.ini`);
    const response = await call(app, 'http://front.test/a%2Fb/c?q=1', {
      headers: { 'x-secret': 'no', 'x-kept': 'yes' },
    });
    expect(await response.text()).toBe('upstream GET /base/a%2Fb/c?q=1');
    expect(last().headers['x-secret']).toBeUndefined();
    expect(last().headers['x-kept']).toBe('yes');
    expect(last().headers['x-forwarded-for']).toBe('192.0.2.7');
    const refused = await call(app, 'http://front.test/x', { method: 'DELETE' });
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('GET, POST');
  });

  it('names the key of a bad address', async () => {
    const dir = tree({ 'site.ini': '[app:main]\nuse = egg:Paste#proxy\naddress = ftp://x/\n' });
    const error = await rejection(loadApp(`${dir}/site.ini`));
    expect(error).toMatchObject({ section: 'app:main', key: 'address', line: 3 });
  });
});

describe('egg:Paste#transparent_proxy', () => {
  it('connects to force_host and keeps the Host header', async () => {
    const dir = tree({
      'site.ini': `[app:main]\nuse = egg:Paste#transparent_proxy\nforce_host = ${new URL(origin).host}\n`,
    });
    const app = await loadApp(`${dir}/site.ini`);
    const response = await call(app, 'http://kept.example/p?x=1');
    expect(await response.text()).toBe('upstream GET /p?x=1');
    expect(last().headers.host).toBe('kept.example');
  });

  it('refuses to be an open proxy: without force_host it needs allow_hosts', async () => {
    const dir = tree({ 'site.ini': '[app:main]\nuse = egg:Paste#transparent_proxy\n' });
    const error = await rejection(loadApp(`${dir}/site.ini`));
    expect(error.code).toBe('TROWEL_ERR_PROXY_OPEN');
    expect(error.section).toBe('app:main');
  });
});

describe('egg:WSGIProxy#real_proxy', () => {
  it('requires allow_hosts', async () => {
    const dir = tree({ 'site.ini': '[app:main]\nuse = egg:WSGIProxy#real_proxy\n' });
    const error = await rejection(loadApp(`${dir}/site.ini`));
    expect(error).toMatchObject({ section: 'app:main', key: 'allow_hosts' });
  });

  it('forwards to a listed host and refuses the rest with 403', async () => {
    const dir = tree({
      'site.ini': '[app:main]\nuse = egg:WSGIProxy#real_proxy\nallow_hosts = 127.0.0.1:*\n',
    });
    const app = await loadApp(`${dir}/site.ini`);
    expect(await (await call(app, `${origin}/r`)).text()).toBe('upstream GET /r');
    expect((await call(app, 'http://169.254.169.254/latest/meta-data/')).status).toBe(403);
  });
});

/** A handler module that answers with what `forwarded()` made of the request. */
const ECHO_JS = `import { REMOTE_USER } from ${JSON.stringify(new URL('../../src/core/keys.ts', import.meta.url).pathname)};
import { transportedKey } from ${JSON.stringify(new URL('../../src/forwarded/transport.ts', import.meta.url).pathname)};
export const echo = (request, ctx) => Response.json({
  scriptName: ctx.scriptName, pathInfo: ctx.pathInfo, scheme: ctx.scheme, host: ctx.host,
  remoteAddr: ctx.remoteAddr, user: ctx.get(REMOTE_USER) ?? null, team: ctx.get(transportedKey('TEAM')) ?? null,
  private: [...request.headers.keys()].filter((name) => name.startsWith('x-wsgiproxy') || name.startsWith('x-forwarded')),
});
`;

describe('egg:WSGIProxy as app and filter', () => {
  let back: TrowelServer;
  let dir: string;
  const secret = 'a shared secret of enough length\n';

  beforeAll(async () => {
    // Its own directory: the server outlives the per-test scratch directories of tree(), and
    // the secret file must stay.
    dir = mkdtempSync(join(tmpdir(), 'trowel-deploy-proxy-'));
    for (const [name, content] of Object.entries({
      'secret.txt': secret,
      'back.ini': `[DEFAULT]\nsecret_file = %(here)s/secret.txt\n[filter-app:main]\nuse = egg:WSGIProxy\ntransport_keys = REMOTE_USER TEAM\nnext = echo\n[app:echo]\nuse = file:./echo.js#echo\n`,
      'echo.js': ECHO_JS,
    })) {
      writeFileSync(join(dir, name), content);
    }
    back = await serve(await loadApp(`${dir}/back.ini`), { port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await back.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('carries the original request and chosen context values across a signed hop', async () => {
    const app = await loadApp(
      `${tree({
        'secret.txt': secret,
        'front.ini': `[app:main]\nuse = egg:WSGIProxy\nhref = ${back.url}/inner\nsecret_file = secret.txt\nstring_keys = REMOTE_USER TEAM\n`,
      })}/front.ini`,
    );
    const response = await call(
      app,
      'https://shop.example:8443/cart?x=1',
      {},
      {
        set: (ctx) => ctx.set(REMOTE_USER, 'bob').set(transportedKey('TEAM'), 'blue'),
      },
    );
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      scriptName: '',
      pathInfo: '/cart',
      scheme: 'https',
      host: 'shop.example:8443',
      remoteAddr: '192.0.2.7',
      user: 'bob',
      team: 'blue',
      private: [],
    });
  });

  it('refuses a request whose signature does not verify', async () => {
    const response = await fetch(`${back.url}/inner/x`, {
      headers: {
        'x-wsgiproxy-str-0': 'REMOTE_USER admin',
        'x-wsgiproxy-signature': 'v1 t=1 n=AAAA h=x-wsgiproxy-str-0 s=AAAA',
      },
    });
    expect(response.status).toBe(403);
  });

  it('ignores transported values from an untrusted, unsigned client', async () => {
    const response = await fetch(`${back.url}/inner/x`, {
      headers: { 'x-wsgiproxy-str-0': 'REMOTE_USER admin', 'x-forwarded-for': '10.9.9.9' },
    });
    expect(await response.json()).toMatchObject({
      user: null,
      remoteAddr: '127.0.0.1',
      private: [],
    });
  });

  it('refuses pickle_keys when the config loads', async () => {
    const dir = tree({
      'site.ini': `[app:main]\nuse = egg:WSGIProxy\nhref = ${origin}\npickle_keys = obj\n`,
    });
    const error = await rejection(loadApp(`${dir}/site.ini`));
    expect(error).toMatchObject({ key: 'pickle_keys', line: 4 });
    expect(error.detail).toContain('pickle transport is not supported');
  });
});

describe('egg:WSGIProxy (filter) and a peer trusted by address', () => {
  /** The filter with `settings` in front of the echo app, called from the proxy 127.0.0.1. */
  async function filtered(settings: string, headers: Record<string, string>): Promise<Response> {
    const dir = tree({
      'site.ini': `[filter-app:main]\nuse = egg:WSGIProxy\ntrust_ips = 127.0.0.1\n${settings}next = echo\n[app:echo]\nuse = file:./echo.js#echo\n`,
      'echo.js': ECHO_JS,
    });
    const app = await loadApp(`${dir}/site.ini`);
    return call(app, 'http://back.test/x', { headers }, { remoteAddr: '127.0.0.1' });
  }

  const wsgi = {
    'x-forwarded-for': '203.0.113.7',
    'x-script-name': '/front',
    'x-wsgiproxy-str-0': 'REMOTE_USER bob',
    'x-wsgiproxy-str-1': 'TEAM blue',
  };

  it("applies WSGIProxy's headers and the names transport_keys lists", async () => {
    const response = await filtered('transport_keys = REMOTE_USER\n', wsgi);
    expect(await response.json()).toMatchObject({
      remoteAddr: '203.0.113.7',
      scriptName: '/front',
      user: 'bob',
      team: null,
      private: [],
    });
  });

  it("ignores WSGIProxy's headers with wsgiproxy = false", async () => {
    const response = await filtered('wsgiproxy = false\n', wsgi);
    expect(await response.json()).toMatchObject({
      remoteAddr: '203.0.113.7',
      scriptName: '',
      user: null,
    });
  });

  it('reads Forwarded, not X-Forwarded-For, with headers = forwarded', async () => {
    const response = await filtered('headers = forwarded\n', {
      'x-forwarded-for': '203.0.113.7',
      forwarded: 'for=198.51.100.4',
    });
    expect(await response.json()).toMatchObject({ remoteAddr: '198.51.100.4' });
  });

  it('names transport_keys when nothing could ever fill them', async () => {
    const dir = tree({
      'site.ini':
        '[filter-app:main]\nuse = egg:WSGIProxy\ntrust_ips = 127.0.0.1\nwsgiproxy = false\ntransport_keys = REMOTE_USER\nnext = echo\n[app:echo]\nuse = egg:Paste#proxy\naddress = http://127.0.0.1:9/\n',
    });
    const error = await rejection(loadApp(`${dir}/site.ini`));
    expect(error).toMatchObject({ key: 'transport_keys', code: 'TROWEL_ERR_FORWARDED_TRANSPORT' });
  });
});

describe('egg:Paste#proxy via', () => {
  it.each([
    ['true', '1.1 trowel'],
    ['edge-1', '1.1 edge-1'],
  ])('sends Via for via = %s as %s', async (value, sent) => {
    const dir = tree({
      'site.ini': `[app:main]\nuse = egg:Paste#proxy\naddress = ${origin}/\nvia = ${value}\n`,
    });
    const app = await loadApp(`${dir}/site.ini`);
    await (await call(app, 'http://front.test/v')).text();
    expect(last().headers.via).toBe(sent);
  });

  it('sends no Via for via = false', async () => {
    const dir = tree({
      'site.ini': `[app:main]\nuse = egg:Paste#proxy\naddress = ${origin}/\nvia = false\n`,
    });
    const app = await loadApp(`${dir}/site.ini`);
    await (await call(app, 'http://front.test/v')).text();
    expect(last().headers.via).toBeUndefined();
  });
});

describe('egg:WSGIProxy#spawn', () => {
  it('splits command lines as a shell would, without a shell', () => {
    expect(
      splitCommand(`python3 -m http.server {port} --bind '127.0.0.1' "a \\"b\\"" c\\ d`),
    ).toEqual(['python3', '-m', 'http.server', '{port}', '--bind', '127.0.0.1', 'a "b"', 'c d']);
    expect(() => splitCommand('python3 "unclosed')).toThrow(/not closed/);
  });

  it('starts python3 -m http.server on the first request and serves its files', async () => {
    const dir = tree({
      'site.ini':
        '[app:main]\nuse = egg:WSGIProxy#spawn\ncommand = python3 -m http.server {port} --bind 127.0.0.1\ncwd = public\noutput = ignore\n',
      'public/hello.txt': 'hello from python\n',
    });
    const app = (await loadApp(`${dir}/site.ini`)) as Handler & { close(): Promise<void> };
    try {
      const response = await call(app, 'http://front.test/hello.txt');
      expect(await response.text()).toBe('hello from python\n');
    } finally {
      await app.close();
    }
  }, 30_000);

  it('refuses an empty command with its place', async () => {
    const dir = tree({ 'site.ini': '[app:main]\nuse = egg:WSGIProxy#spawn\ncommand = ""\n' });
    const error = await rejection(loadApp(`${dir}/site.ini`));
    expect(error).toMatchObject({ key: 'command', line: 3 });
  });
});
