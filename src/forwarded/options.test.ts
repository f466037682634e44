import { describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { REMOTE_USER } from '../core/keys.ts';
import { forwarded } from './forwarded.ts';
import type { ForwardedOptions } from './options.ts';

function codeOf(options: ForwardedOptions): string | undefined {
  try {
    forwarded(options);
  } catch (error) {
    return isConfigError(error) ? error.code : 'not a ConfigError';
  }
  return undefined;
}

describe('forwarded() options', () => {
  it.each<[string, ForwardedOptions, string]>([
    ['a bad trusted proxy', { trustedProxies: ['10.0.0.0/33'] }, 'TRUSTED_PROXY'],
    ['a host name as trusted proxy', { trustedProxies: ['proxy.internal'] }, 'TRUSTED_PROXY'],
    ['a short secret', { secret: 'short' }, 'SECRET_SHORT'],
    ['both secret and secretFile', { secret: 'x'.repeat(20), secretFile: '/x' }, 'SECRET_SOURCE'],
    ['an unreadable secret file', { secretFile: '/nonexistent/secret' }, 'SECRET_FILE'],
    ['a zero maxSkew', { maxSkew: 0 }, 'MAX_SKEW'],
    ['an infinite maxSkew', { maxSkew: Number.POSITIVE_INFINITY }, 'MAX_SKEW'],
    ['a maxSkew above a day', { maxSkew: 86_401 }, 'MAX_SKEW'],
    ['an unknown header family', { headers: 'x-real-ip' as never }, 'HEADERS'],
    ['a wsgiproxy that is not a boolean', { wsgiproxy: 'yes' as never }, 'WSGIPROXY'],
    [
      'a transport map nothing could ever fill (no secret, no wsgiproxy)',
      { trustedProxies: ['loopback'], transport: { REMOTE_USER } },
      'TRANSPORT',
    ],
    ['a fractional maxNonces', { maxNonces: 1.5 }, 'MAX_NONCES'],
    ['a negative hops', { hops: -1 }, 'HOPS'],
    ['an unknown hops field', { hops: { x_for: 1 } as never }, 'HOPS'],
    ['a transport entry that is not a key', { transport: { a: 'b' as never } }, 'TRANSPORT'],
    ['both prefix and popPrefix', { prefix: '/a', popPrefix: '/b' }, 'PREFIX_CONFLICT'],
    ['a relative prefix', { prefix: 'a/prefix' }, 'PREFIX'],
    ['a popPrefix with ..', { popPrefix: '/a/../b' }, 'POP_PREFIX'],
    ['an unknown scheme', { scheme: 'ftp' as never }, 'SCHEME'],
    ['a host with a path', { host: 'example.com/x' }, 'HOST'],
  ])('throws a ConfigError for %s', (_label, options, code) => {
    expect(codeOf(options)).toBe(`TROWEL_ERR_FORWARDED_${code}`);
  });

  it('accepts an empty options object', () => {
    expect(codeOf({})).toBeUndefined();
  });

  it.each<[string, ForwardedOptions]>([
    ['a secret', { secret: 'a shared secret of some length', transport: { REMOTE_USER } }],
    ['wsgiproxy', { trustedProxies: ['loopback'], wsgiproxy: true, transport: { REMOTE_USER } }],
  ])('accepts a transport map with %s', (_label, options) => {
    expect(codeOf(options)).toBeUndefined();
  });

  it('does not change the options it was given', () => {
    const options = Object.freeze({
      trustedProxies: Object.freeze(['loopback']),
      hops: Object.freeze({ for: 2 }),
      prefix: '/a/',
    });
    expect(codeOf(options)).toBeUndefined();
    expect(options.prefix).toBe('/a/');
  });
});
