import { describe, expect, it } from 'vitest';
import { Context } from './context.ts';
import { TestApp } from '../testing/index.ts';
import { allowedHosts, requestUrl, resolveUrl } from './url.ts';

const request = new Request('http://internal:8080/app/page?x=1&y=%20');
const ctx = new Context(request, {
  scriptName: '/app',
  pathInfo: '/page',
  scheme: 'https',
  host: 'example.com',
});

describe('requestUrl', () => {
  it.each([
    [{}, 'https://example.com/app/page?x=1&y=%20'],
    [{ withQuery: false }, 'https://example.com/app/page'],
    [{ withPathInfo: false, withQuery: false }, 'https://example.com/app'],
    [{ pathInfo: '/other' }, 'https://example.com/app/other?x=1&y=%20'],
    [{ scriptName: '', query: 'z=2' }, 'https://example.com/page?z=2'],
    [{ query: '?' }, 'https://example.com/app/page'],
  ])('rebuilds with %j as %s', (options, expected) => {
    expect(requestUrl(request, ctx, options)).toBe(expected);
  });

  it('uses the scheme and host the client used, not the URL the server saw', () => {
    expect(requestUrl(request, ctx)).toMatch(/^https:\/\/example\.com\//);
  });

  it('drops a fragment', () => {
    const r = new Request('http://x/p?a=1#frag');
    expect(requestUrl(r, new Context(r))).toBe('http://x/p?a=1');
  });
});

describe('resolveUrl', () => {
  it.each([
    ['other', 'https://example.com/app/other'],
    ['/root', 'https://example.com/root'],
    ['../up', 'https://example.com/up'],
    ['http://elsewhere/', 'http://elsewhere/'],
  ])('resolves %j', (relative, expected) => {
    expect(resolveUrl(relative, request, ctx)).toBe(expected);
  });
});

describe('allowedHosts', () => {
  const client = new TestApp(
    allowedHosts(['example.com', '.example.org'])(() => new Response('ok')),
  );

  it.each(['example.com', 'EXAMPLE.com:8080', 'example.org', 'a.b.example.org'])(
    'lets %s through',
    async (host) => {
      const response = await client.get(`http://${host}/`);
      expect(response.text).toBe('ok');
    },
  );

  it.each(['evil.com', 'example.com.evil.com', 'notexample.org', '[::1]:80'])(
    'answers 400 for %s',
    async (host) => {
      const response = await client.get(`http://${host}/`, { status: 400 });
      expect(response.text).toMatch(/unknown host/);
    },
  );

  it('refuses an empty list when built', () => {
    expect(() => allowedHosts([])).toThrow(
      expect.objectContaining({ code: 'TROWEL_ERR_ALLOWED_HOSTS_EMPTY' }),
    );
  });

  it('accepts a wildcard', async () => {
    const open = new TestApp(allowedHosts(['*'])(() => new Response('ok')));
    expect((await open.get('http://anything.test/')).status).toBe(200);
  });

  it('answers with the custom rejection', async () => {
    const custom = allowedHosts(['a'], { onRejected: () => new Response('no', { status: 421 }) });
    const client421 = new TestApp(custom(() => new Response('ok')));
    expect((await client421.get('http://b/', { status: 421 })).text).toBe('no');
  });
});
