import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTarget, formatAuthority, normalizeHost, splitTarget } from './target.ts';

describe('buildTarget', () => {
  it.each([
    ['/plain/path?q=1', '/plain/path', 'http://h/plain/path?q=1'],
    ['/a/../b', '/b', 'http://h/b'],
    ['/%2e%2e/x', '/x', 'http://h/x'],
    ['/a/%2E/b', '/a/b', 'http://h/a/b'],
    ['//x', '//x', 'http://h//x'],
    ['/a\\b', '/a/b', 'http://h/a/b'],
    ['/x#frag', '/x', 'http://h/x'],
    ['/a b', '/a%20b', 'http://h/a%20b'],
    ['/é', '/%C3%A9', 'http://h/%C3%A9'],
    ['/.', '/', 'http://h/'],
  ])('resolves %s to the pathname %s', (path, pathname, url) => {
    expect(buildTarget('http', 'h', path)).toEqual({ pathname, url });
  });

  it('gives the same pathname and URL as WHATWG URL parsing for any path', () => {
    const segment = fc.oneof(
      fc.constantFrom('.', '..', '%2e', '%2E%2e', '', 'a', 'b%2Fc', ';p', ':@', '~', '|', '\\'),
      fc.string({ maxLength: 4 }),
    );
    const path = fc
      .tuple(fc.array(segment, { maxLength: 6 }), fc.option(fc.string({ maxLength: 6 })))
      .map(([segments, query]) => `/${segments.join('/')}${query === null ? '' : `?${query}`}`);
    fc.assert(
      fc.property(path, (p) => {
        let expected: URL;
        try {
          expected = new URL(`http://h${p}`);
        } catch {
          return;
        }
        expected.hash = '';
        const built = buildTarget('http', 'h', p);
        expect(built?.pathname).toBe(expected.pathname);
        expect(new URL(built?.url ?? '').href).toBe(expected.href);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('splitTarget', () => {
  it.each([
    ['/x?y', { path: '/x?y' }],
    ['http://other/x?y', { path: '/x?y', authority: 'other' }],
    ['HTTPS://other:8443/a/../b', { path: '/b', authority: 'other:8443' }],
    ['http://other', { path: '/', authority: 'other' }],
    ['http://user:pw@other/x', undefined],
    ['ftp://other/x', undefined],
    ['example.test:443', undefined],
    ['*', undefined],
    ['x', undefined],
  ])('takes %s to %j', (target, expected) => {
    expect(splitTarget(target)).toEqual(expected);
  });
});

describe('normalizeHost', () => {
  it.each<['http' | 'https', string, string]>([
    ['http', 'Example.COM', 'example.com'],
    ['http', 'example.com:80', 'example.com'],
    ['https', 'example.com:443', 'example.com'],
    ['https', 'example.com:80', 'example.com:80'],
    ['http', '127.1', '127.0.0.1'],
    ['http', '[0:0::1]:8080', '[::1]:8080'],
    ['http', 'xn--caf-dma.test', 'xn--caf-dma.test'],
  ])('normalises %s host %s to %s', (scheme, host, expected) => {
    expect(normalizeHost(scheme, host)).toBe(expected);
  });

  it.each(['a@b', 'a/b', 'a b', 'a:99999', 'a?b', 'a#b', '[zz]', '', 'a:b:c'])(
    'refuses %j',
    (host) => {
      expect(normalizeHost('http', host)).toBeUndefined();
    },
  );

  it('answers the same for a host it has cached', () => {
    expect(normalizeHost('http', 'Cached.Test')).toBe('cached.test');
    expect(normalizeHost('http', 'Cached.Test')).toBe('cached.test');
    expect(normalizeHost('http', 'bad host')).toBeUndefined();
    expect(normalizeHost('http', 'bad host')).toBeUndefined();
  });

  it('keeps the answers for http and https apart', () => {
    expect(normalizeHost('http', 'apart.test:443')).toBe('apart.test:443');
    expect(normalizeHost('https', 'apart.test:443')).toBe('apart.test');
    expect(normalizeHost('http', 'apart.test:443')).toBe('apart.test:443');
  });

  it('keeps answering correctly once the cache has been emptied for room', () => {
    for (let i = 0; i < 300; i++) expect(normalizeHost('http', `h${i}.test`)).toBe(`h${i}.test`);
    expect(normalizeHost('http', 'H0.test')).toBe('h0.test');
  });
});

describe('formatAuthority', () => {
  it.each([
    ['127.0.0.1', 80, '127.0.0.1:80'],
    ['::1', 8080, '[::1]:8080'],
  ])('formats %s port %i as %s', (address, port, expected) => {
    expect(formatAuthority(address, port)).toBe(expected);
  });
});
