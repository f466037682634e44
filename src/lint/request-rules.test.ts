import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import { prefixStripped } from '../core/mount.ts';
import {
  checkContext,
  checkRequest,
  describe as describeValue,
  requestPath,
} from './request-rules.ts';

const rulesOf = (request: Request): string[] => checkRequest(request).map((issue) => issue.rule);
const contextRules = (ctx: unknown, request: unknown): string[] =>
  checkContext(ctx, request).map((issue) => issue.rule);

describe('Host', () => {
  it.each([
    ['http://example.com/', 'example.com'],
    ['http://example.com/', 'EXAMPLE.COM'],
    ['http://example.com/', 'example.com:80'],
    ['https://example.com/', 'example.com:443'],
    ['http://example.com:8080/', 'example.com:8080'],
    ['http://[::1]:3000/', '[::1]:3000'],
    ['http://xn--bcher-kva.example/', 'bücher.example'],
  ])('accepts %s with Host %s', (url, host) => {
    expect(rulesOf(new Request(url, { headers: { host } }))).toEqual([]);
  });

  it.each([
    ['http://example.com/', 'other.com'],
    ['http://example.com/', 'example.com:8080'],
    ['https://example.com/', 'example.com:80'],
    ['http://example.com/', 'user@example.com'],
    ['http://example.com/', 'example.com/path'],
    ['http://example.com/', 'exa mple.com'],
    ['http://example.com/', ''],
  ])('reports %s with Host %j', (url, host) => {
    expect(rulesOf(new Request(url, { headers: { host } }))).toEqual(['request-host-mismatch']);
  });
});

describe('Content-Length', () => {
  it.each([['-1'], ['1e3'], ['5,5'], [' ']])('reports %j', (value) => {
    const request = new Request('http://x/', {
      method: 'POST',
      body: 'hello',
      headers: { 'content-length': value },
    });
    expect(rulesOf(request)).toEqual(['request-content-length-invalid']);
  });
});

describe('the context', () => {
  const request = new Request('http://x/app/page');

  it.each([
    ['scriptName without a leading slash', { scriptName: 'app' }],
    ['pathInfo without a leading slash', { pathInfo: 'page' }],
  ])('reports %s', (_, fields) => {
    const ctx = Object.assign(new Context(request, { remoteAddr: '::1' }), fields);
    expect(contextRules(ctx, request)).toEqual(['context-path-form']);
  });

  it('accepts the split prefixStripped() hands a plain Fetch handler', async () => {
    let seen: string[] = [];
    const handler = prefixStripped((stripped, ctx) => {
      seen = contextRules(ctx, stripped);
      return new Response(null, { status: 204 });
    });
    await handler(
      request,
      new Context(request, { scriptName: '/app', pathInfo: '/page', remoteAddr: '::1' }),
    );
    expect(seen).toEqual([]);
  });

  it('accepts an empty pathInfo under a mount, as prefixStripped() shows it at "/"', () => {
    const root = new Request('http://x/');
    const ctx = new Context(root, { scriptName: '/app', pathInfo: '', remoteAddr: '::1' });
    expect(contextRules(ctx, root)).toEqual([]);
  });

  it('compares the split in URL-encoded form', () => {
    const encoded = new Request('http://x/a%2Fb/caf%C3%A9');
    const ctx = new Context(encoded, {
      scriptName: '/a%2Fb',
      pathInfo: '/caf%C3%A9',
      remoteAddr: '::1',
    });
    expect(contextRules(ctx, encoded)).toEqual([]);
  });

  it.each([[undefined], [null], [{ scriptName: '', pathInfo: '/' }], ['ctx']])(
    'reports %j as no context',
    (ctx) => {
      expect(contextRules(ctx, request)).toEqual(['context-type']);
    },
  );
});

describe('describe', () => {
  it.each([
    [null, 'null'],
    [undefined, 'undefined'],
    ['x', 'string'],
    [{}, 'Object'],
    [new Map(), 'Map'],
  ])('describes %j as %s', (value, text) => {
    expect(describeValue(value)).toBe(text);
  });
});

describe('requestPath', () => {
  const viaParser = (href: string): string => new URL(href).pathname;

  it.each([
    'http://localhost/',
    'http://localhost',
    'https://example.com:8443/a/b?c=d#e',
    'http://example.com/a#b?c',
    'http://example.com/a?b#c?d',
    'http://[::1]:3000/x/y/',
    'http://example.com/%3F%23/caf%C3%A9',
    'http://example.com/é?ü',
    'http://example.com/a b/../c\\d',
    'http://example.com?q',
    'http://example.com#f',
    'file:///x/y?z',
    'ws://example.com/socket?x',
    'blob:http://example.com/id',
  ])('reads the path of %s as the URL parser does', (url) => {
    const href = new Request(url).url;
    expect(requestPath(href)).toBe(viaParser(href));
  });

  it('agrees with the URL parser on any http(s) request URL', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ withQueryParameters: true, withFragments: true }),
        fc.string({ unit: 'binary' }),
        (url, tail) => {
          let href: string;
          try {
            // The tail adds what webUrl leaves out: raw "?", "#", "%", "\\", spaces, non-ASCII.
            href = new Request(url + tail).url;
          } catch {
            // Not a Request URL at all (credentials, a bad host): nothing to compare.
            return;
          }
          expect(requestPath(href)).toBe(viaParser(href));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
