import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { joinQuery, parseTarget, queryOf, upstreamPath, within } from './paths.ts';

describe('parseTarget', () => {
  it('takes a target apart', () => {
    expect(parseTarget('http://User:p%40ss@[::1]:8080/app/?x=1#frag')).toEqual({
      protocol: 'http:',
      origin: 'http://[::1]:8080',
      authority: '[::1]:8080',
      hostname: '[::1]',
      pathname: '/app/',
      base: '/app',
      query: 'x=1',
      authorization: `Basic ${Buffer.from('User:p@ss').toString('base64')}`,
    });
  });

  it('leaves out the default port and has no credentials when none are given', () => {
    expect(parseTarget('https://Backend.Example:443')).toMatchObject({
      origin: 'https://backend.example',
      authority: 'backend.example',
      base: '',
      pathname: '/',
      authorization: undefined,
    });
  });
});

describe('upstreamPath', () => {
  const app = { base: '/app', pathname: '/app/' };

  it.each([
    ['', '/app/'],
    ['/', '/app/'],
    ['/x', '/app/x'],
    ['/a%2Fb', '/app/a%2Fb'],
    ['/%2e%2e', undefined],
    ['/x/..', '/app/'],
    ['/x/%2E%2E/y', '/app/y'],
    ['/..', undefined],
    ['/../x', undefined],
    ['/%2e%2e/%2e%2e/x', undefined],
    ['/x?y', '/app/x%3Fy'],
    ['/x#y', '/app/x%23y'],
    ['/\u00e9', '/app/%C3%A9'],
    ['/a\\b', '/app/a%5Cb'],
    ['/x/.;/y', '/app/x/.;/y'],
    ['/x;y/..;z', undefined],
    ['/..;/admin', undefined],
    ['/x/..;jsessionid=1/admin', undefined],
    ['/..%3B/admin', undefined],
    ['/%2e%2e%2fadmin', undefined],
    ['/..%2Fadmin', undefined],
    ['/..%5cadmin', undefined],
    ['/..\\admin', undefined],
    ['/x%2F..%2Fadmin', undefined],
    ['/x%5C..', undefined],
    ['/..x', '/app/..x'],
    ['admin', undefined],
    ['x/y', undefined],
  ])('joins %j under /app/ as %j', (rest, expected) => {
    expect(upstreamPath(app, rest)).toBe(expected);
  });

  it.each(['/..;/admin', '/%2e%2e%2f'])('lets %j through under a root target', (rest) => {
    expect(upstreamPath({ base: '', pathname: '/' }, rest)).toBe(rest);
  });

  /** The path as a backend that decodes `%2F`, takes `\\` for `/` and drops `;` parameters reads it. */
  function asLenientBackendReadsIt(path: string): string {
    const decoded = path
      .replace(/%(?:2e|2f|5c|3b)/gi, (escape) => decodeURIComponent(escape))
      .replaceAll('\\', '/')
      .replace(/;[^/]*/g, '');
    return new URL(decoded, 'http://resolve.invalid').pathname;
  }

  it('never leaves the target path, whatever the rest, however the backend reads it', () => {
    const piece = fc.constantFrom(
      '..',
      '.',
      '%2e%2E',
      '.%2e',
      'x',
      '',
      '%2F',
      '?',
      '#',
      'é',
      ';',
      '%3b',
      '%5C',
      '\\',
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.array(piece, { maxLength: 3 }).map((pieces) => pieces.join('')),
          { maxLength: 8 },
        ),
        (segments) => {
          const path = upstreamPath(app, `/${segments.join('/')}`);
          if (path !== undefined) {
            expect(within(path, '/app')).toBe(true);
            expect(within(asLenientBackendReadsIt(path), '/app')).toBe(true);
            expect(path).not.toMatch(/[?#]/);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe('queries', () => {
  it.each([
    ['http://a/p', ''],
    ['http://a/p?', ''],
    ['http://a/p?x=1&y', 'x=1&y'],
    ['http://a/p?x=1#frag', 'x=1'],
  ])('reads the query of %s', (url, query) => {
    expect(queryOf(url)).toBe(query);
  });

  it.each([
    ['', '', ''],
    ['q=1', '', 'q=1'],
    ['', 'x=1', 'x=1'],
    ['q=1', 'x=1', 'q=1&x=1'],
  ])('joins %j and %j as %j', (request, target, joined) => {
    expect(joinQuery(request, target)).toBe(joined);
  });
});
