import { describe, expect, it } from 'vitest';
import { isConfigError } from '../core/config-error.ts';
import { resolveOptions, type ServeOptions } from './options.ts';

function codeOf(options: unknown): string | undefined {
  try {
    resolveOptions(options as ServeOptions);
  } catch (error) {
    return isConfigError(error) ? error.code : 'not a ConfigError';
  }
  return undefined;
}

describe('resolveOptions', () => {
  it('fills in the documented defaults', () => {
    expect(resolveOptions({})).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      tls: undefined,
      maxHeaderSize: 16_384,
      headersTimeout: 60_000,
      requestTimeout: 300_000,
      keepAliveTimeout: 5000,
      maxBodySize: 100 * 1024 * 1024,
      shutdownTimeout: 10_000,
      handleSignals: false,
      workers: undefined,
    });
  });

  it.each([
    ['port -1', { port: -1 }],
    ['port 65536', { port: 65_536 }],
    ['port 80.5', { port: 80.5 }],
    ['port "80"', { port: '80' }],
    ['host ""', { host: '' }],
    ['host with a port', { host: '127.0.0.1:8080' }],
    ['host with a path', { host: 'a/b' }],
    ['maxHeaderSize 0', { maxHeaderSize: 0 }],
    ['headersTimeout 0', { headersTimeout: 0 }],
    ['headersTimeout over requestTimeout', { headersTimeout: 2000, requestTimeout: 1000 }],
    ['keepAliveTimeout 0', { keepAliveTimeout: 0 }],
    ['maxBodySize -1', { maxBodySize: -1 }],
    ['maxBodySize NaN', { maxBodySize: NaN }],
    ['workers 0', { workers: 0 }],
    ['handleSignals "yes"', { handleSignals: 'yes' }],
    ['onError not a function', { onError: 'log' }],
  ])('refuses %s with TROWEL_ERR_SERVER_INVALID_OPTION', (_name, options) => {
    expect(codeOf(options)).toBe('TROWEL_ERR_SERVER_INVALID_OPTION');
  });

  it.each([
    ['tls not an object', { tls: 'cert.pem' }],
    ['tls with both forms', { tls: { cert: 'c', key: 'k', certFile: 'c', keyFile: 'k' } }],
    ['tls with neither', { tls: {} }],
    ['tls without a key', { tls: { cert: 'c' } }],
    ['tls with an empty path', { tls: { certFile: '', keyFile: 'k' } }],
    ['tls with a numeric passphrase', { tls: { cert: 'c', key: 'k', passphrase: 1 } }],
  ])('refuses %s with TROWEL_ERR_SERVER_TLS', (_name, options) => {
    expect(codeOf(options)).toBe('TROWEL_ERR_SERVER_TLS');
  });

  it.each([
    ['an IPv6 literal', '::1', '::1'],
    ['a bracketed IPv6 literal', '[::1]', '::1'],
    ['a host name', 'localhost', 'localhost'],
    ['the IPv4 wildcard', '0.0.0.0', '0.0.0.0'],
  ])('accepts %s as host', (_name, host, expected) => {
    expect(resolveOptions({ host }).host).toBe(expected);
  });

  it('accepts Infinity as maxBodySize and 0 as requestTimeout', () => {
    expect(resolveOptions({ maxBodySize: Infinity, requestTimeout: 0 })).toMatchObject({
      maxBodySize: Infinity,
      requestTimeout: 0,
    });
  });

  it('does not change the options it was given', () => {
    const options = Object.freeze({ port: 0, tls: Object.freeze({ cert: 'c', key: 'k' }) });
    expect(resolveOptions(options).tls).toBe(options.tls);
  });
});
