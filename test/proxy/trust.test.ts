/**
 * `proxy()` in front of `forwarded()`, both over real sockets: what a client adds to its request
 * must not reach the application as the proxy's word, signed or not, whichever header family the
 * proxy is told to leave out.
 */
import { describe, expect, it } from 'vitest';
import type { Handler } from '../../src/core/handler.ts';
import { REMOTE_USER } from '../../src/core/keys.ts';
import { forwarded } from '../../src/forwarded/index.ts';
import type { ForwardedOptions } from '../../src/forwarded/index.ts';
import { front, send } from '../../src/proxy/harness.fixture.ts';
import { proxy, type ProxyOptions } from '../../src/proxy/index.ts';

const SECRET = 'a shared secret of some length';

const app: Handler = (_request, ctx) =>
  Response.json({
    client: ctx.remoteAddr,
    scheme: ctx.scheme,
    host: ctx.host,
    scriptName: ctx.scriptName,
    user: ctx.get(REMOTE_USER) ?? null,
  });

/** The backend behind `forwarded(receiving)`, and a front end `proxy(…, sending)` to it. */
async function chain(receiving: ForwardedOptions, sending: ProxyOptions): Promise<string> {
  const backend = await front(forwarded(receiving)(app));
  const server = await front(proxy(backend.url, { onError: () => undefined, ...sending }));
  return server.url;
}

const spoof = {
  forwarded: 'for=6.6.6.6;proto=https;host=evil.example',
  'x-forwarded-for': '6.6.6.6',
  'x-forwarded-proto': 'https',
  'x-forwarded-host': 'evil.example',
  'x-wsgiproxy-str-0': 'REMOTE_USER admin',
  'x-script-name': '/admin',
};

describe('proxy() → forwarded() with a client adding forwarding headers', () => {
  it.each<[string, ForwardedOptions, ProxyOptions]>([
    ['forwarded: false, signed', { secret: SECRET }, { forwarded: false, secret: SECRET }],
    [
      'forwarded: false, trusted by address',
      { trustedProxies: ['loopback'] },
      { forwarded: false },
    ],
    [
      'xForwarded: false, signed, receiver reading Forwarded',
      { secret: SECRET, headers: 'forwarded' },
      { xForwarded: false, secret: SECRET },
    ],
    [
      'xForwarded: false, trusted by address, receiver reading Forwarded',
      { trustedProxies: ['loopback'], headers: 'forwarded' },
      { xForwarded: false },
    ],
  ])('shows the application the real client with %s', async (_label, receiving, sending) => {
    const url = await chain(receiving, sending);
    const res = await send(`${url}/x`, { headers: spoof });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({
      client: '127.0.0.1',
      scheme: 'http',
      host: new URL(url).host,
      scriptName: '',
      user: null,
    });
  });

  it('carries a listed transported value across a signed hop, and only the proxy’s own', async () => {
    const backend = await front(forwarded({ secret: SECRET, transport: { REMOTE_USER } })(app));
    const toBackend = proxy(backend.url, {
      onError: () => undefined,
      secret: SECRET,
      transport: { str: { REMOTE_USER } },
    });
    const server = await front((request, ctx) => toBackend(request, ctx.set(REMOTE_USER, 'bob')));
    const res = await send(`${server.url}/x`, { headers: spoof });
    expect(JSON.parse(res.body.toString())).toMatchObject({ client: '127.0.0.1', user: 'bob' });
  });
});
