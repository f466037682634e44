/**
 * forwarded() and the header families: the one configured is read (RFC 7239 `Forwarded` with
 * `headers: 'forwarded'`), and headers a client adds behind a trusted proxy that passes them on
 * are not — the other family, WSGIProxy's headers without a signature or `wsgiproxy`, transported
 * values whose name is not listed.
 */
import { describe, expect, it } from 'vitest';
import { REMOTE_USER } from '../core/keys.ts';
import { RFC7239, TRUSTED, WSGI, run } from './run.fixture.ts';
import { transportedKey } from './transport.ts';

describe('forwarded() and headers a client slipped past a trusted proxy', () => {
  // A typical nginx in front: it appends X-Forwarded-For and passes everything else on.
  const spoofed = {
    'x-forwarded-for': '198.51.100.1, 203.0.113.7',
    forwarded: 'for=6.6.6.6;proto=https;host=evil.example',
    'x-wsgiproxy-str-0': 'REMOTE_USER admin',
    'x-script-name': '/admin',
    'x-forwarded-script-name': '/admin',
    'x-forwarded-scheme': 'https',
    'x-forwarded-server': 'evil.example',
    'x-traversal-path': '/x',
  };

  it('reads the X-Forwarded family by default, whatever Forwarded says', async () => {
    const { seen } = await run(TRUSTED, 'http://app.local/x', { headers: spoofed });
    expect({
      remoteAddr: seen?.ctx.remoteAddr,
      scheme: seen?.ctx.scheme,
      host: seen?.ctx.host,
      scriptName: seen?.ctx.scriptName,
      pathInfo: seen?.ctx.pathInfo,
    }).toEqual({
      remoteAddr: '203.0.113.7',
      scheme: 'http',
      host: 'app.local',
      scriptName: '',
      pathInfo: '/x',
    });
  });

  it("applies none of WSGIProxy's headers from a peer trusted by address alone", async () => {
    const { seen } = await run(
      { ...TRUSTED, transport: { REMOTE_USER }, secret: 'a shared secret of some length' },
      'http://app.local/x',
      { headers: spoofed },
    );
    expect(seen?.ctx.get(REMOTE_USER)).toBeUndefined();
    expect(seen?.ctx.scriptName).toBe('');
    expect(seen?.ctx.scheme).toBe('http');
  });

  it('does not answer 400 for WSGIProxy headers it does not read', async () => {
    const { response } = await run(TRUSTED, 'http://app.local/', {
      headers: {
        'x-wsgiproxy-version': '9',
        'x-wsgiproxy-pickle-0': 'obj x',
        'x-script-name': '..',
      },
    });
    expect(response.status).toBe(200);
  });

  it('strips every private header it did not read', async () => {
    const { seen } = await run(TRUSTED, 'http://app.local/x', {
      headers: { ...spoofed, accept: 'text/html' },
    });
    expect([...(seen?.request.headers.keys() ?? [])]).toEqual(['accept']);
  });

  it('accepts no transported value unless its name is listed', async () => {
    const { seen } = await run({ ...TRUSTED, wsgiproxy: true }, 'http://app.local/', {
      headers: { 'x-wsgiproxy-str-0': 'REMOTE_USER admin', 'x-wsgiproxy-str-1': 'tenant acme' },
    });
    expect(seen?.ctx.get(REMOTE_USER)).toBeUndefined();
    expect(seen?.ctx.get(transportedKey('tenant'))).toBeUndefined();
  });

  it('stores a listed name and drops an unlisted one', async () => {
    const { seen } = await run(WSGI, 'http://app.local/', {
      headers: { 'x-wsgiproxy-str-0': 'REMOTE_USER bob', 'x-wsgiproxy-str-1': 'tenant acme' },
    });
    expect(seen?.ctx.get(REMOTE_USER)).toBe('bob');
    expect(seen?.ctx.get(transportedKey('tenant'))).toBeUndefined();
  });
});

describe('forwarded() and RFC 7239 Forwarded', () => {
  it('applies for=, proto= and host= from the right-most element', async () => {
    const { seen } = await run(RFC7239, 'http://app.local/', {
      headers: {
        forwarded: 'for=198.51.100.1, for="[2001:db8::7]:4711";proto=https;host=www.example.com',
      },
    });
    expect(seen?.ctx.remoteAddr).toBe('2001:db8::7');
    expect(seen?.ctx.remotePort).toBe(4711);
    expect(seen?.ctx.scheme).toBe('https');
    expect(seen?.ctx.host).toBe('www.example.com');
  });

  it('takes the element `hops` from the right', async () => {
    const { seen } = await run({ ...RFC7239, hops: 2 }, 'http://app.local/', {
      headers: { forwarded: 'for=192.0.2.60, for=198.51.100.1;proto=https, for=10.0.0.4' },
    });
    expect(seen?.ctx.remoteAddr).toBe('198.51.100.1');
    expect(seen?.ctx.scheme).toBe('https');
  });

  it.each([
    ['unknown', 'unknown'],
    ['"_hidden"', '_hidden'],
    ['"_hidden:_port"', '_hidden'],
  ])('records the node %s as given, with no port', async (node, address) => {
    const { seen } = await run(RFC7239, 'http://app.local/', {
      headers: { forwarded: `for=${node}` },
    });
    expect(seen?.ctx.remoteAddr).toBe(address);
    expect(seen?.ctx.remotePort).toBe(0);
  });

  it('reads only Forwarded, and strips X-Forwarded-*, when told the proxy sets Forwarded', async () => {
    const { seen } = await run(RFC7239, 'http://app.local/', {
      headers: {
        forwarded: 'for=192.0.2.60;host=a.example',
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-proto': 'https',
        'x-forwarded-port': '8443',
        'x-forwarded-prefix': '/p',
      },
    });
    expect(seen?.ctx.remoteAddr).toBe('192.0.2.60');
    expect(seen?.ctx.host).toBe('a.example');
    expect(seen?.ctx.scheme).toBe('http');
    expect(seen?.ctx.scriptName).toBe('');
    expect([...(seen?.request.headers.keys() ?? [])]).toEqual([]);
  });
});
