import { describe, expect, it } from 'vitest';
import { digestAlgorithm, digestHa1, digestResponse, digestUserhash } from './compute.ts';

// RFC 7616 §3.9.1.
const RFC7616 = {
  user: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  qop: 'auth',
  method: 'GET',
  uri: '/dir/index.html',
} as const;

describe('digestResponse()', () => {
  it.each([
    ['MD5', '8ca523f5e9506fed4657c9700eebdbec'],
    ['SHA-256', '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1'],
  ] as const)('matches the RFC 7616 §3.9.1 %s example', (algorithm, expected) => {
    const { user, password, realm, ...rest } = RFC7616;
    const ha1 = digestHa1(algorithm, user, realm, password);
    expect(digestResponse({ ...rest, algorithm, ha1 })).toBe(expected);
  });

  it('matches the RFC 2617 §3.5 example', () => {
    expect(
      digestResponse({
        algorithm: 'MD5',
        ha1: digestHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life'),
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        nc: '00000001',
        cnonce: '0a4f113b',
        qop: 'auth',
        method: 'GET',
        uri: '/dir/index.html',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1');
  });

  it('derives a session key for -sess', () => {
    const ha1 = digestHa1('MD5', 'u', 'r', 'p');
    const input = {
      ha1,
      nonce: 'n',
      nc: '00000001',
      cnonce: 'c',
      qop: 'auth',
      method: 'GET',
      uri: '/',
    } as const;
    expect(digestResponse({ ...input, algorithm: 'MD5-sess' })).not.toBe(
      digestResponse({ ...input, algorithm: 'MD5' }),
    );
  });
});

describe('digestHa1()', () => {
  it('matches what htdigest writes', () => {
    expect(digestHa1('MD5', 'alice', 'realm1', 'wonderland')).toBe(
      '731fccb3e59f5dc2a8e87e7356e6068b',
    );
  });
});

describe('digestUserhash()', () => {
  it('matches the RFC 7616 §3.9.2 example', () => {
    expect(digestUserhash('SHA-512-256', 'J\u00e4s\u00f8n Doe', 'api@example.org')).toBe(
      '793263caabb707a56211940d90411ea4a575adeccb7e360aeb624ed06ece9b0b',
    );
  });
});

describe('digestAlgorithm()', () => {
  it.each([
    ['md5', 'MD5'],
    ['sha-256', 'SHA-256'],
    ['SHA-256-SESS', 'SHA-256-sess'],
    ['SHA-512-256', 'SHA-512-256'],
    ['SHA-1', undefined],
  ])('reads %j as %j', (name, expected) => {
    expect(digestAlgorithm(name)).toBe(expected);
  });
});
