import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Context } from '../core/context.ts';
import { Url } from './index.ts';

describe('Url', () => {
  it.each([
    ['http://example.com/a?b=1#c', 'http://example.com/a?b=1#c'],
    ['HTTPS://Example.COM:443/a b', 'https://example.com/a%20b'],
    ['//cdn.example.com/lib.js', '//cdn.example.com/lib.js'],
    ['/view?x=1', '/view?x=1'],
    ['view/item', 'view/item'],
    ['', ''],
    ['?page=2', '?page=2'],
    ['mailto:ada@example.com', 'mailto:ada@example.com'],
  ])('keeps %j the kind of URL it is: %j', (input, href) => {
    expect(new Url(input).href).toBe(href);
  });

  it.each(['../up', './here', 'a/../b', 'a/%2e%2E/b'])(
    'refuses the relative path %j, whose meaning depends on where it is used',
    (input) => {
      expect(() => new Url(input)).toThrow(TypeError);
    },
  );

  it('refuses text that is no URL', () => {
    expect(() => new Url('http://exa mple.com/')).toThrow(TypeError);
    expect(() => new Url(42 as unknown as string)).toThrow(TypeError);
  });

  it('never changes: every method returns a new Url', () => {
    const base = new Url('http://x/a?k=1');
    const derived = base.join('b').withQuery({ k: 2 }).addQuery({ j: 3 }).withHash('top');
    expect([base.href, derived.href]).toEqual(['http://x/a?k=1', 'http://x/a/b?k=2&j=3#top']);
    expect(Object.isFrozen(base)).toBe(true);
  });

  it('is made from a URL or another Url', () => {
    const url = new URL('http://x/a');
    expect([new Url(url).href, new Url(new Url('/b')).href]).toEqual(['http://x/a', '/b']);
  });

  it('gives a copy of its query parameters', () => {
    const url = new Url('/a?x=1');
    url.searchParams.set('x', '2');
    expect([url.searchParams.get('x'), url.search, url.hash, url.pathname]).toEqual([
      '1',
      '?x=1',
      '',
      '/a',
    ]);
  });

  it('is its href as text and as JSON', () => {
    const url = new Url('/a b');
    expect([String(url), JSON.stringify({ url })]).toEqual(['/a%20b', '{"url":"/a%20b"}']);
  });

  it('is rebuilt from a request', () => {
    const request = new Request('http://example.com/app/page?x=1');
    const ctx = new Context(request, { scriptName: '/app', pathInfo: '/page' });
    expect(Url.fromRequest(request, ctx).href).toBe('http://example.com/app/page?x=1');
    expect(Url.fromRequest(request, ctx, { withPathInfo: false, withQuery: false }).href).toBe(
      'http://example.com/app',
    );
  });
});

describe('Url.join()', () => {
  it.each([
    ['http://x', ['view'], 'http://x/view'],
    ['http://x/a/', ['b'], 'http://x/a/b'],
    ['/a', ['b/c', 'd'], '/a/b/c/d'],
    ['/a', ['//b//', 'c/'], '/a/b/c/'],
    ['/a?q=1#f', ['b'], '/a/b?q=1#f'],
    ['', ['b'], 'b'],
    ['x', ['y'], 'x/y'],
    ['//cdn/x', ['y'], '//cdn/x/y'],
    ['/a', ['a b'], '/a/a%20b'],
    ['/a', ['x?admin=1'], '/a/x%3Fadmin=1'],
    ['/a', ['x#frag'], '/a/x%23frag'],
    ['/a', ['%2e%2e'], '/a/%252e%252e'],
    ['/a', ['café'], '/a/caf%C3%A9'],
    ['/a', ['k:v@h;p=1,2&$+'], '/a/k:v@h;p=1,2&$+'],
    ['/a', [], '/a'],
  ])('joins %j and %j as %j', (base, parts, href) => {
    expect(new Url(base).join(...parts).href).toBe(href);
  });

  it.each(['..', '.', 'a/../b', 'a/./b'])('refuses the segment in %j', (part) => {
    expect(() => new Url('/a').join(part)).toThrow(TypeError);
  });

  it('keeps any segment text as one segment that decodes to the same text', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1 }).filter((s) => !s.includes('/') && s !== '.' && s !== '..'),
        (segment) => {
          const { pathname } = new Url('http://x/base').join(segment);
          expect(pathname.startsWith('/base/')).toBe(true);
          expect(decodeURIComponent(pathname.slice('/base/'.length))).toBe(segment);
        },
      ),
    );
  });
});

describe('Url query parameters', () => {
  it.each([
    ['/a', { page: 2 }, '/a?page=2'],
    ['/a?page=1&page=3&x=1', { page: 2 }, '/a?x=1&page=2'],
    ['/a?page=1', { page: null }, '/a'],
    ['/a?page=1', { page: undefined, x: true }, '/a?x=true'],
    ['/a', { tag: ['a', 'b'], n: 10.5 }, '/a?tag=a&tag=b&n=10.5'],
    ['/a', { q: 'bar stuff', quote: 'x"y&z' }, '/a?q=bar+stuff&quote=x%22y%26z'],
    ['/a', new URLSearchParams('x=1&x=2'), '/a?x=1&x=2'],
    ['/a?x=0', [['x', '1']] as const, '/a?x=1'],
  ])('sets on %j the parameters %j: %j', (base, params, href) => {
    expect(new Url(base).withQuery(params).href).toBe(href);
  });

  it('writes a bigint in full', () => {
    expect(new Url('/a').withQuery({ n: 2n ** 64n }).href).toBe('/a?n=18446744073709551616');
  });

  it('appends parameters after those there', () => {
    expect(new Url('/a?x=1').addQuery({ x: 2, y: null, z: [3, 4] }).href).toBe(
      '/a?x=1&x=2&z=3&z=4',
    );
    expect(new Url('/a').addQuery(new URLSearchParams('foo=bar stuff')).href).toBe(
      '/a?foo=bar+stuff',
    );
  });

  it('removes named parameters, or all of them', () => {
    const url = new Url('/a?x=1&y=2&x=3#f');
    expect([url.removeQuery('x').href, url.removeQuery().href]).toEqual(['/a?y=2#f', '/a#f']);
  });

  it('refuses a parameter value that is an object', () => {
    expect(() => new Url('/a').withQuery({ x: { y: 1 } as unknown as string })).toThrow(
      /must be text/,
    );
    expect(() => new Url('/a').withQuery({ x: [{}] as unknown as string[] })).toThrow(
      /must be text/,
    );
  });

  it('changes and removes the fragment', () => {
    const url = new Url('/a#old');
    expect([url.withHash('new part').href, url.withHash('').href]).toEqual(['/a#new%20part', '/a']);
  });
});

describe('Url HTML helpers', () => {
  it('writes a link with the text and every attribute escaped', () => {
    const html = new Url('/search').withQuery({ q: '"><script>' }).link('<b>Tom & Jerry</b>', {
      title: 'say "hi"',
      class: 'x',
      'data-n': 3,
      hidden: true,
      disabled: false,
      rel: null,
    });
    expect(html).toBe(
      '<a href="/search?q=%22%3E%3Cscript%3E" title="say &quot;hi&quot;" class="x" data-n="3" hidden>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</a>',
    );
  });

  it("opens a link in a new window with target (Paste's JSPopup)", () => {
    expect(new Url('https://x/').link('open', { target: '_blank' })).toBe(
      '<a href="https://x/" target="_blank">open</a>',
    );
  });

  it('writes an image with alt text', () => {
    expect(new Url('/images').join('logo.png').image('Our "logo"', { width: 10 })).toBe(
      '<img src="/images/logo.png" alt="Our &quot;logo&quot;" width="10">',
    );
  });

  it('writes a GET button with the query as hidden fields', () => {
    expect(new Url('/items/view?id=5&x=a"b').button('View', { id: 'btn' })).toBe(
      '<form action="/items/view" method="get"><input type="hidden" name="id" value="5"><input type="hidden" name="x" value="a&quot;b"><button type="submit" id="btn">View</button></form>',
    );
  });

  it('writes a POST button with the query in the action', () => {
    expect(new Url('/items/delete?id=5').button('Delete', {}, { method: 'post' })).toBe(
      '<form action="/items/delete?id=5" method="post"><button type="submit">Delete</button></form>',
    );
  });

  it.each([
    ['link', 'javascript:alert(1)'],
    ['link', 'JavaScript:alert(1)'],
    ['link', 'data:text/html,<script>alert(1)</script>'],
    ['link', 'vbscript:msgbox(1)'],
    ['image', 'data:image/svg+xml,<svg onload=alert(1)>'],
    ['image', 'mailto:a@b'],
    ['button', 'tel:123'],
  ] as const)('refuses to put into a %s the URL %j', (helper, url) => {
    expect(() => new Url(url)[helper]('x')).toThrow(/is not put into HTML/);
  });

  it('puts mailto and tel into links', () => {
    expect(new Url('mailto:ada@example.com').link('mail')).toBe(
      '<a href="mailto:ada@example.com">mail</a>',
    );
  });

  it.each([
    [{ onclick: 'alert(1)' }, /event handler/],
    [{ ONMOUSEOVER: 'alert(1)' }, /event handler/],
    [{ href: '/other' }, /set by the helper/],
    [{ formaction: '/x' }, /set by the helper/],
    [{ 'xlink:href': '/x' }, /set by the helper/],
    [{ 'a b': 'x' }, /not an attribute name/],
    [{ '"x': 'x' }, /not an attribute name/],
    [{ title: {} as unknown as string }, /must be text/],
  ])('refuses the attributes %j', (attributes, message) => {
    expect(() => new Url('/a').link('x', attributes)).toThrow(message);
  });

  it.each([
    ['image', { alt: 'x' }],
    ['button', { type: 'reset' }],
  ] as const)('refuses an attribute the %s helper sets itself', (helper, attributes) => {
    expect(() => new Url('/a')[helper]('x', attributes)).toThrow(/set by the helper/);
  });

  it('refuses a button method other than get or post', () => {
    expect(() => new Url('/a').button('x', {}, { method: 'delete' as 'post' })).toThrow(
      /get or post/,
    );
  });

  it('never lets link text open a tag', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const html = new Url('/a').link(text);
        expect(html.slice('<a href="/a">'.length, -'</a>'.length)).not.toMatch(/[<>"']/);
      }),
    );
  });
});
