import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { REMOTE_USER } from '../core/keys.ts';
import { serve } from '../server/index.ts';
import { FORWARDED_BY, forwarded } from './forwarded.ts';
import { SIGNATURE_HEADER, sign } from './signature.ts';

const SECRET = 'a shared secret of some length';
const secretBytes = new TextEncoder().encode(SECRET);
const PEER = '198.51.100.20';

/** A signed request as `proxy()` would send it: private headers set, signature last. */
function signedRequest(
  url: string,
  headers: Record<string, string>,
  options: { secret?: Uint8Array; now?: number; nonce?: string; method?: string } = {},
): Request {
  const target = new URL(url);
  const all = new Headers(headers);
  all.set(
    SIGNATURE_HEADER,
    sign({
      method: options.method ?? 'GET',
      authority: target.host,
      target: target.pathname + target.search,
      headers: all,
      secret: options.secret ?? secretBytes,
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
    }),
  );
  return new Request(url, { method: options.method ?? 'GET', headers: all });
}

function recorder(): { app: Handler; seen: () => Context | undefined } {
  let ctx: Context | undefined;
  return {
    app: (_request, c) => {
      ctx = c;
      return new Response('ok');
    },
    seen: () => ctx,
  };
}

const send = (handler: Handler, request: Request, peer = PEER): Promise<Response> =>
  Promise.resolve(handler(request, new Context(request, { remoteAddr: peer })));

const FORWARD = { 'x-forwarded-for': '203.0.113.7', 'x-wsgiproxy-str-0': 'REMOTE_USER bob' };

describe('forwarded() with a shared secret', () => {
  it('trusts a peer whose signature verifies', async () => {
    const { app, seen } = recorder();
    const handler = forwarded({ secret: SECRET, transport: { REMOTE_USER } })(app);
    const response = await send(handler, signedRequest('http://backend:8080/p?x=1', FORWARD));
    expect(response.status).toBe(200);
    expect(seen()?.remoteAddr).toBe('203.0.113.7');
    expect(seen()?.get(REMOTE_USER)).toBe('bob');
    expect(seen()?.get(FORWARDED_BY)).toEqual({ trusted: 'signature', proxy: PEER });
  });

  it("applies WSGIProxy's headers from a signed request without wsgiproxy set", async () => {
    const { app, seen } = recorder();
    const handler = forwarded({ secret: SECRET })(app);
    const request = signedRequest('http://backend/app/p', {
      'x-script-name': '/front',
      'x-traversal-path': '/app',
      'x-forwarded-scheme': 'https',
    });
    expect((await send(handler, request)).status).toBe(200);
    expect(seen()?.scriptName).toBe('/front');
    expect(seen()?.pathInfo).toBe('/p');
    expect(seen()?.scheme).toBe('https');
  });

  it('reads the header family it is told to, signed or not', async () => {
    const { app, seen } = recorder();
    const handler = forwarded({ secret: SECRET })(app);
    const request = signedRequest('http://backend/p', {
      'x-forwarded-for': '203.0.113.7',
      forwarded: 'for=6.6.6.6',
    });
    expect((await send(handler, request)).status).toBe(200);
    expect(seen()?.remoteAddr).toBe('203.0.113.7');
  });

  it('still verifies when the proxy sent the names in another case and order', async () => {
    const { app } = recorder();
    const handler = forwarded({ secret: SECRET })(app);
    const request = signedRequest('http://backend/p', FORWARD);
    const shuffled = new Headers();
    for (const [name, value] of [...request.headers].reverse())
      shuffled.append(name.toUpperCase(), value);
    const response = await send(handler, new Request(request.url, { headers: shuffled }));
    expect(response.status).toBe(200);
  });

  it.each([
    [
      'a flipped MAC byte',
      (s: string) => s.replace(/s=(.)/, (_m, c: string) => `s=${c === 'A' ? 'B' : 'A'}`),
    ],
    ['a short MAC', (s: string) => s.slice(0, -10)],
    ['garbage', () => 'v1 nonsense'],
  ])('answers 403 for %s without running the app', async (_label, tamper) => {
    const { app, seen } = recorder();
    const handler = forwarded({ secret: SECRET })(app);
    const request = signedRequest('http://backend/p', FORWARD);
    const headers = new Headers(request.headers);
    headers.set(SIGNATURE_HEADER, tamper(headers.get(SIGNATURE_HEADER) ?? ''));
    const response = await send(handler, new Request(request.url, { headers }));
    expect(response.status).toBe(403);
    expect(seen()).toBeUndefined();
  });

  it('answers 403 for a stale signature', async () => {
    const { app } = recorder();
    const handler = forwarded({ secret: SECRET, maxSkew: 30 })(app);
    const request = signedRequest('http://backend/p', FORWARD, { now: Date.now() - 31_000 });
    expect((await send(handler, request)).status).toBe(403);
  });

  it('answers 403 for a signature from the future', async () => {
    const { app } = recorder();
    const handler = forwarded({ secret: SECRET, maxSkew: 30 })(app);
    const request = signedRequest('http://backend/p', FORWARD, { now: Date.now() + 31_000 });
    expect((await send(handler, request)).status).toBe(403);
  });

  it('answers 403 for a replayed nonce', async () => {
    const { app } = recorder();
    const handler = forwarded({ secret: SECRET })(app);
    const request = signedRequest('http://backend/p', FORWARD);
    expect((await send(handler, request.clone())).status).toBe(200);
    const replay = await send(handler, request);
    expect(replay.status).toBe(403);
    expect(await replay.text()).toContain('nonce');
  });

  it('answers 503 with Retry-After when the replay cache is full of live nonces', async () => {
    const { app } = recorder();
    const handler = forwarded({ secret: SECRET, maxNonces: 1 })(app);
    expect((await send(handler, signedRequest('http://backend/a', FORWARD))).status).toBe(200);
    const full = await send(handler, signedRequest('http://backend/b', FORWARD));
    expect(full.status).toBe(503);
    expect(Number(full.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('answers 403 for a private header added after signing', async () => {
    const { app } = recorder();
    const handler = forwarded({ secret: SECRET })(app);
    const request = signedRequest('http://backend/p', FORWARD);
    const headers = new Headers(request.headers);
    headers.set('x-wsgiproxy-str-1', 'AUTH_TYPE forged');
    expect((await send(handler, new Request(request.url, { headers }))).status).toBe(403);
  });

  it('answers 403 when Connection names a signed header (the hop-by-hop trick)', async () => {
    const { app } = recorder();
    const handler = forwarded({ secret: SECRET })(app);
    const request = signedRequest('http://backend/p', FORWARD);
    const headers = new Headers(request.headers);
    headers.set('connection', 'close, X-Forwarded-For');
    const response = await send(handler, new Request(request.url, { headers }));
    expect(response.status).toBe(403);
    expect(await response.text()).toContain('Connection');
  });

  it('answers 403 for a bad signature even from a trusted address', async () => {
    const { app } = recorder();
    const handler = forwarded({ secret: SECRET, trustedProxies: [PEER] })(app);
    const request = signedRequest('http://backend/p', FORWARD, {
      secret: new TextEncoder().encode('another secret, long enough'),
    });
    expect((await send(handler, request)).status).toBe(403);
  });

  it('answers 403 when the request was signed for another target', async () => {
    const { app } = recorder();
    const handler = forwarded({ secret: SECRET })(app);
    const request = signedRequest('http://backend/p', FORWARD);
    const moved = new Request('http://backend/admin', { headers: request.headers });
    expect((await send(handler, moved)).status).toBe(403);
  });

  it('treats an unsigned request from an untrusted peer as untrusted', async () => {
    const { app, seen } = recorder();
    const handler = forwarded({ secret: SECRET })(app);
    const response = await send(handler, new Request('http://backend/p', { headers: FORWARD }));
    expect(response.status).toBe(200);
    expect(seen()?.remoteAddr).toBe(PEER);
    expect(seen()?.get(REMOTE_USER)).toBeUndefined();
  });

  it('strips a signature it has no secret for, and trusts nothing by it', async () => {
    const { app, seen } = recorder();
    const handler = forwarded()(app);
    const response = await send(handler, signedRequest('http://backend/p', FORWARD));
    expect(response.status).toBe(200);
    expect(seen()?.remoteAddr).toBe(PEER);
  });

  describe('with a secret file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trowel-forwarded-'));
    afterAll(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('verifies with a secret file whose trailing newline is trimmed', async () => {
      const file = join(dir, 'newline');
      writeFileSync(file, `${SECRET}\n`);
      const { app } = recorder();
      const handler = forwarded({ secretFile: file })(app);
      expect((await send(handler, signedRequest('http://backend/p', FORWARD))).status).toBe(200);
    });

    it('picks up a rotated secret file', async () => {
      const file = join(dir, 'rotated');
      writeFileSync(file, SECRET);
      utimesSync(file, 1_000, 1_000);
      const { app } = recorder();
      const handler = forwarded({ secretFile: file })(app);
      const next = 'the next shared secret, rotated';
      writeFileSync(file, `${next}\n`);
      utimesSync(file, 2_000, 2_000);
      const old = await send(handler, signedRequest('http://backend/p', FORWARD));
      const rotated = await send(
        handler,
        signedRequest('http://backend/p', FORWARD, { secret: new TextEncoder().encode(next) }),
      );
      expect([old.status, rotated.status]).toEqual([403, 200]);
    });
  });

  it('verifies a signed request that came over a real socket', async () => {
    const { app, seen } = recorder();
    const server = await serve(forwarded({ secret: SECRET })(app), { port: 0 });
    try {
      const url = `${server.url}/a%20b/c?q=1&r=%2F`;
      const request = signedRequest(url, FORWARD, { method: 'POST' });
      const response = await fetch(url, { method: 'POST', headers: request.headers, body: 'x' });
      expect(response.status).toBe(200);
      expect(seen()?.remoteAddr).toBe('203.0.113.7');
    } finally {
      await server.close();
    }
  });
});
