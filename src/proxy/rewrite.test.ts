import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rewriteLocation, rewriteRefresh, rewriteSetCookie, type Rewriter } from './rewrite.ts';

const shop: Rewriter = {
  origins: ['http://b:8080'],
  hostname: 'b',
  base: '/app',
  frontOrigin: 'https://www.example',
  frontPrefix: '/shop',
};
const root: Rewriter = { ...shop, base: '', frontPrefix: '' };

describe('rewriteLocation', () => {
  it.each([
    [shop, 'http://b:8080/app/cart?x=1', 'https://www.example/shop/cart?x=1'],
    [shop, 'HTTP://B:8080/app', 'https://www.example/shop'],
    [shop, '//b:8080/app/x', 'https://www.example/shop/x'],
    [shop, 'http://b:8080/application', 'http://b:8080/application'],
    [shop, 'http://b:9090/app/x', 'http://b:9090/app/x'],
    [shop, 'https://b:8080/app/x', 'https://b:8080/app/x'],
    [shop, '/app?x', '/shop?x'],
    [shop, '/app#top', '/shop#top'],
    [root, '/app?x', '/app?x'],
    [root, 'http://b:8080/?x', 'https://www.example/?x'],
    [root, 'http://b:8080', 'https://www.example/'],
    [shop, 'mailto:a@b', 'mailto:a@b'],
    [root, '//evil.example/', '//evil.example/'],
    [root, 'http://b:8080//evil.example/', 'https://www.example/evil.example/'],
    [{ ...shop, frontPrefix: '' }, '/app//evil.example/', '/evil.example/'],
    [{ ...shop, frontPrefix: '' }, '/app/\\evil.example/', '/evil.example/'],
    [{ ...shop, frontPrefix: '' }, '/app/\t/evil.example/', '/evil.example/'],
    [{ ...shop, frontPrefix: '' }, '/app///\\evil.example', '/evil.example'],
    [shop, 'http://[bad', 'http://[bad'],
  ])('rewrites %#: %s', (rewriter, value, expected) => {
    expect(rewriteLocation(value, rewriter)).toBe(expected);
  });

  it('never rewrites a value into one that names another host', () => {
    const mounted = { ...shop, frontPrefix: '' };
    fc.assert(
      fc.property(fc.stringMatching(/^[/\\\t a-z.]{0,12}$/), (rest) => {
        const out = rewriteLocation(`/app${rest}`, mounted);
        expect(new URL(out, 'https://www.example').host).toBe('www.example');
      }),
    );
  });

  it('never throws and leaves values that do not name the target as they are', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        const out = rewriteLocation(value, shop);
        if (!value.includes('b:8080') && !value.trimStart().startsWith('/app')) {
          expect(out).toBe(value);
        }
      }),
    );
  });
});

describe('rewriteRefresh', () => {
  it.each([
    ['5; url=http://b:8080/app/x', '5; url=https://www.example/shop/x'],
    ["0;URL='/app/y'", "0;URL='/shop/y'"],
    ['5', '5'],
    ['soon; url=/app/x', 'soon; url=/app/x'],
  ])('rewrites %j', (value, expected) => {
    expect(rewriteRefresh(value, shop)).toBe(expected);
  });
});

describe('rewriteSetCookie', () => {
  it.each([
    ['a=1; Domain=b; Path=/app/x; Secure', 'a=1; Path=/shop/x; Secure'],
    ['a=1; domain=.B', 'a=1'],
    ['a=1; Domain=other.example', 'a=1; Domain=other.example'],
    ['a=1; Path=/app', 'a=1; Path=/shop'],
    ['a=1; Path=/app/', 'a=1; Path=/shop/'],
    ['a=1; Path=/apple', 'a=1; Path=/apple'],
    ['a=1; Path=relative', 'a=1; Path=relative'],
    ['a=b=c; HttpOnly', 'a=b=c; HttpOnly'],
  ])('rewrites %j', (value, expected) => {
    expect(rewriteSetCookie(value, shop)).toBe(expected);
  });

  it('maps the upstream root path to the mount prefix', () => {
    expect(rewriteSetCookie('a=1; Path=/', { ...shop, base: '' })).toBe('a=1; Path=/shop');
    expect(rewriteSetCookie('a=1; Path=/', root)).toBe('a=1; Path=/');
  });
});
