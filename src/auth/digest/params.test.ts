import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDigest } from './params.ts';

const FULL =
  'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", ' +
  'algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, ' +
  'cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, ' +
  'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", ' +
  'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"';

describe('parseDigest()', () => {
  it('reads the RFC 7616 §3.9.1 SHA-256 example', () => {
    expect(parseDigest(FULL)).toEqual({
      kind: 'present',
      credentials: {
        username: 'Mufasa',
        realm: 'http-auth@example.org',
        nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
        uri: '/dir/index.html',
        response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1',
        algorithm: 'SHA-256',
        cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
        nc: '00000001',
        qop: 'auth',
        opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
        userhash: false,
      },
    });
  });

  it('decodes username* (RFC 8187)', () => {
    const field = FULL.replace('username="Mufasa"', "username*=UTF-8''J%C3%A4s%C3%B8n%20Doe");
    expect(parseDigest(field)).toMatchObject({ credentials: { username: 'Jäsøn Doe' } });
  });

  it.each([null, 'Basic YTpi', 'Bearer x'])('treats %j as absent', (field) => {
    expect(parseDigest(field).kind).toBe('absent');
  });

  it.each([
    ['the bare scheme', 'Digest'],
    ['a parameter twice', `${FULL}, nc=00000002`],
    ['no nonce', FULL.replace(/nonce="[^"]*", /, '')],
    ['no qop (RFC 2069)', FULL.replace('qop=auth, ', '')],
    ['an nc that is not 8 hex digits', FULL.replace('nc=00000001', 'nc=1')],
    ['an unterminated quote', FULL.replace(/"$/, '')],
    ['both username and username*', `${FULL}, username*=UTF-8''x`],
    ['a bad username*', FULL.replace('username="Mufasa"', "username*=latin1''x")],
    ['a bad userhash flag', `${FULL}, userhash=maybe`],
  ])('reports %s as malformed', (_name, field) => {
    expect(parseDigest(field).kind).toBe('malformed');
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string(), (tail) => {
        expect(['absent', 'malformed', 'present']).toContain(parseDigest(`Digest ${tail}`).kind);
      }),
    );
  });
});
