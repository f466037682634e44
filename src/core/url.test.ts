import { describe, expect, it } from 'vitest';
import { Context } from './context.ts';
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
  const app = allowedHosts(['example.com', '.example.org'])(() => new Response('ok'));
  const call = (host: string): Promise<Response> =>
    Promise.resolve(app(new Request(`http://${host}/`), new Context('http://x/', { host })));

  it.each(['example.com', 'EXAMPLE.com:8080', 'example.org', 'a.b.example.org'])(
    'lets %s through',
    async (host) => {
      expect((await call(host)).status).toBe(200);
    },
  );

  it.each(['evil.com', 'example.com.evil.com', 'notexample.org', '[::1]:80'])(
    'answers 400 for %s',
    async (host) => {
      const response = await call(host);
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/unknown host/);
    },
  );

  it('refuses an empty list when built', () => {
    expect(() => allowedHosts([])).toThrow(
      expect.objectContaining({ code: 'TROWEL_ERR_ALLOWED_HOSTS_EMPTY' }),
    );
  });

  it('accepts a wildcard and a custom rejection', async () => {
    const open = allowedHosts(['*'])(() => new Response('ok'));
    expect((await open(new Request('http://a/'), new Context('http://a/'))).status).toBe(200);
    const custom = allowedHosts(['a'], { onRejected: () => new Response('no', { status: 421 }) })(
      () => new Response('ok'),
    );
    expect((await custom(new Request('http://b/'), new Context('http://b/'))).status).toBe(421);
  });
});
