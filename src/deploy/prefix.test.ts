import { describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import type { Handler } from '../core/handler.ts';
import { PREFIX_ORIGINAL, prefix, type PrefixOptions } from './prefix.ts';

interface Seen {
  readonly scriptName: string;
  readonly pathInfo: string;
  readonly host: string;
  readonly scheme: string;
  readonly remoteAddr: string;
  readonly forwardedFor: string | null;
  readonly original: unknown;
}

/** Runs `path` through prefix(options) with the given peer and headers; returns what the app saw. */
async function through(
  options: PrefixOptions,
  path: string,
  { peer = '127.0.0.1', headers = {} }: { peer?: string; headers?: Record<string, string> } = {},
): Promise<Seen & { ran: boolean }> {
  let ran = false;
  const app: Handler = (request, ctx) => {
    ran = true;
    return Response.json({
      scriptName: ctx.scriptName,
      pathInfo: ctx.pathInfo,
      host: ctx.host,
      scheme: ctx.scheme,
      remoteAddr: ctx.remoteAddr,
      forwardedFor: request.headers.get('x-forwarded-for'),
      original: ctx.get(PREFIX_ORIGINAL) ?? null,
    });
  };
  const url = `http://app.local:8080${path}`;
  const response = await prefix(options)(app)(
    new Request(url, { headers }),
    new Context(url, { remoteAddr: peer }),
  );
  return { ...((await response.json()) as Seen), ran };
}

describe('prefix()', () => {
  it.each([
    ['/legacy', '/legacy', ''],
    ['/legacy/', '/legacy', '/'],
    ['/legacy/x/y', '/legacy', '/x/y'],
  ])('moves the prefix of %s into scriptName', async (path, scriptName, pathInfo) => {
    expect(await through({ prefix: '/legacy' }, path)).toMatchObject({ scriptName, pathInfo });
  });

  it.each(['/legacyfoo/bar', '/other', '/'])(
    'leaves %s alone, since it is not under the prefix (PasteDeploy rewrote it anyway)',
    async (path) => {
      expect(await through({ prefix: '/legacy' }, path)).toMatchObject({
        scriptName: '',
        pathInfo: path,
        original: null,
      });
    },
  );

  it('treats the prefix literally, not as a pattern', async () => {
    expect(await through({ prefix: '/a.b' }, '/axb/c')).toMatchObject({
      scriptName: '',
      pathInfo: '/axb/c',
    });
    expect(await through({ prefix: '/a.b' }, '/a.b/c')).toMatchObject({
      scriptName: '/a.b',
      pathInfo: '/c',
    });
  });

  it('believes the forwarded headers of a trusted proxy, and drops them', async () => {
    const seen = await through({}, '/x', {
      headers: {
        'x-forwarded-host': 'www.example.com',
        'x-forwarded-for': '203.0.113.9',
        'x-forwarded-proto': 'https',
      },
    });
    expect(seen).toMatchObject({
      host: 'www.example.com',
      remoteAddr: '203.0.113.9',
      scheme: 'https',
      forwardedFor: null,
    });
    expect(seen.original).toEqual({
      remoteAddr: '127.0.0.1',
      host: 'app.local:8080',
      scheme: 'http',
    });
  });

  it('ignores the forwarded headers of a client that is not a trusted proxy (PasteDeploy believed anyone)', async () => {
    const seen = await through({}, '/x', {
      peer: '198.51.100.7',
      headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-for': '6.6.6.6' },
    });
    expect(seen).toMatchObject({
      host: 'app.local:8080',
      remoteAddr: '198.51.100.7',
      forwardedFor: '6.6.6.6',
    });
  });

  it('takes the client address nearest the trusted proxies, not the first one a client may have forged', async () => {
    const seen = await through({ trustedProxies: ['127.0.0.1', '10.0.0.0/8'] }, '/', {
      headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.1.2.3' },
    });
    expect(seen.remoteAddr).toBe('203.0.113.9');
  });

  it('takes the first address when every hop is trusted', async () => {
    const seen = await through({ trustedProxies: ['127.0.0.0/8'] }, '/', {
      headers: { 'x-forwarded-for': '127.0.0.2, 127.0.0.3' },
    });
    expect(seen.remoteAddr).toBe('127.0.0.2');
  });

  it('trusts an IPv4 peer written as an IPv6-mapped address', async () => {
    const seen = await through({}, '/', {
      peer: '::ffff:127.0.0.1',
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(seen.remoteAddr).toBe('203.0.113.9');
  });

  it('falls back to X-Forwarded-Server for the host, and X-Forwarded-Scheme wins over -Proto', async () => {
    const seen = await through({}, '/', {
      headers: {
        'x-forwarded-server': 'srv.example',
        'x-forwarded-scheme': 'https',
        'x-forwarded-proto': 'http',
      },
    });
    expect(seen).toMatchObject({ host: 'srv.example', scheme: 'https' });
  });

  it.each([
    [{ 'x-forwarded-host': 'bad host/x' }, 'app.local:8080', 'http', '127.0.0.1'],
    [{ 'x-forwarded-proto': 'gopher' }, 'app.local:8080', 'http', '127.0.0.1'],
    [{ 'x-forwarded-for': 'not-an-ip' }, 'app.local:8080', 'http', '127.0.0.1'],
  ])('ignores malformed forwarded values %j', async (headers, host, scheme, remoteAddr) => {
    expect(await through({}, '/', { headers })).toMatchObject({ host, scheme, remoteAddr });
  });

  it('does nothing with forwarded headers when translateForwardedServer is off', async () => {
    const seen = await through({ translateForwardedServer: false }, '/', {
      headers: { 'x-forwarded-host': 'www.example.com' },
    });
    expect(seen.host).toBe('app.local:8080');
  });

  it.each([
    [{ forcePort: 9000 }, 'app.local:9000'],
    [{ forcePort: '' as const }, 'app.local'],
    [{ forcePort: 80 }, 'app.local'],
    [{ forcePort: 443, scheme: 'https' as const }, 'app.local'],
  ])('forces the port with %j', async (options, host) => {
    expect((await through(options, '/')).host).toBe(host);
  });

  it('forces the port of an IPv6 host', async () => {
    const seen = await through({ forcePort: 81 }, '/', {
      headers: { 'x-forwarded-host': '[::1]:8080' },
    });
    expect(seen.host).toBe('[::1]:81');
  });

  it('forces the scheme', async () => {
    expect((await through({ scheme: 'https' }, '/')).scheme).toBe('https');
  });

  it('passes the request on untouched when there is nothing to change', async () => {
    let same = false;
    const request = new Request('http://x/a');
    const ctx = new Context(request);
    await prefix({ prefix: '/' })((r, c) => {
      same = r === request && c === ctx;
      return new Response();
    })(request, ctx);
    expect(same).toBe(true);
  });

  it.each([
    [{ prefix: 'legacy' }, 'must start with "/"'],
    [{ prefix: '/a/../b' }, 'must not contain'],
    [{ trustedProxies: ['nope'] }, '"nope" in trustedProxies'],
    [{ trustedProxies: ['10.0.0.0/33'] }, '"10.0.0.0/33" in trustedProxies'],
    [{ trustedProxies: ['10.0.0.0/x'] }, '"10.0.0.0/x" in trustedProxies'],
    [{ forcePort: 70_000 }, 'forcePort must be a port number'],
    [{ scheme: 'ftp' as 'http' }, 'scheme must be http or https, got ftp'],
  ])('refuses %j when built', (options, message) => {
    expect(() => prefix(options)).toThrow(message);
    try {
      prefix(options);
    } catch (error) {
      expect((error as { code: string }).code).toBe('TROWEL_ERR_DEPLOY_PREFIX');
    }
  });

  it('accepts IPv6 blocks', async () => {
    const seen = await through({ trustedProxies: ['fd00::/8'] }, '/', {
      peer: 'fd00::1',
      headers: { 'x-forwarded-for': '203.0.113.9' },
    });
    expect(seen.remoteAddr).toBe('203.0.113.9');
  });
});
