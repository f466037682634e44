import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deleteCookie,
  getCookies,
  parseCookies,
  parseSetCookie,
  serializeCookie,
  type CookieOptions,
} from './cookies.ts';

describe('parseCookies', () => {
  it('reads name=value pairs separated by semicolons', () => {
    expect([...parseCookies('a=1; b=2;c=3')]).toEqual([
      ['a', '1'],
      ['b', '2'],
      ['c', '3'],
    ]);
  });

  it('skips a malformed pair and keeps the others', () => {
    expect([...parseCookies('a=1; garbage; =nameless; c=3')]).toEqual([
      ['a', '1'],
      ['c', '3'],
    ]);
  });

  it('skips a pair with a control character and keeps the others', () => {
    expect([...parseCookies('a=1; b=x\u0001y; c=3')]).toEqual([
      ['a', '1'],
      ['c', '3'],
    ]);
  });

  it('keeps the first of a repeated name', () => {
    expect(parseCookies('sid=specific; sid=general').get('sid')).toBe('specific');
  });

  it.each([
    ['surrounding quotes', 'a="x y"', 'x y'],
    ['a lone quote', 'a="x', '"x'],
    ['valid percent escapes', 'a=J%C3%BCrgen', 'Jürgen'],
    ['an invalid escape', 'a=100%zz', '100%zz'],
    ['a truncated UTF-8 escape', 'a=%C3', '%C3'],
    ['an empty value', 'a=', ''],
    ['an equals sign in the value', 'a=b=c', 'b=c'],
    ['whitespace around name and value', '  a  =  1  ', '1'],
    ['a tab inside the value', 'a=x\ty', 'x\ty'],
  ])('reads %s', (_, header, value) => {
    expect(parseCookies(header).get('a')).toBe(value);
  });

  it.each([null, undefined, ''])('gives an empty map for %j', (header) => {
    expect(parseCookies(header).size).toBe(0);
  });

  it('stores a name like __proto__ as an ordinary entry', () => {
    const cookies = parseCookies('__proto__=x; constructor=y');
    expect(cookies.get('__proto__')).toBe('x');
    expect(cookies.get('constructor')).toBe('y');
  });

  it('never throws and never yields an empty name', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (header) => {
        for (const name of parseCookies(header).keys()) expect(name).not.toBe('');
      }),
    );
  });
});

describe('getCookies', () => {
  it('reads the Cookie header of a request', () => {
    const request = new Request('http://x/', { headers: { cookie: 'a=1' } });
    expect(getCookies(request).get('a')).toBe('1');
  });

  it('returns the same map for the same request', () => {
    const request = new Request('http://x/', { headers: { cookie: 'a=1' } });
    expect(getCookies(request)).toBe(getCookies(request));
  });

  it('parses again when the Cookie header changed', () => {
    const request = new Request('http://x/', { headers: { cookie: 'a=1' } });
    getCookies(request);
    request.headers.set('cookie', 'a=2');
    expect(getCookies(request).get('a')).toBe('2');
  });

  it('gives an empty map without a Cookie header', () => {
    expect(getCookies(new Request('http://x/')).size).toBe(0);
  });
});

describe('serializeCookie', () => {
  it('writes name=value alone without options', () => {
    expect(serializeCookie('a', 'b')).toBe('a=b');
  });

  it('percent-encodes the value by default', () => {
    expect(serializeCookie('a', 'x y;z"é')).toBe('a=x%20y%3Bz%22%C3%A9');
  });

  it('writes every attribute', () => {
    const header = serializeCookie('sid', 'abc', {
      expires: new Date(Date.UTC(2030, 0, 1)),
      maxAge: 3600,
      domain: 'example.com',
      path: '/app',
      secure: true,
      httpOnly: true,
      sameSite: 'None',
      partitioned: true,
      priority: 'High',
    });
    expect(header).toBe(
      'sid=abc; Max-Age=3600; Domain=example.com; Path=/app; Expires=Tue, 01 Jan 2030 00:00:00 GMT; ' +
        'HttpOnly; Secure; Partitioned; Priority=High; SameSite=None',
    );
  });

  it('leaves false flags out', () => {
    expect(serializeCookie('a', 'b', { secure: false, httpOnly: false, partitioned: false })).toBe(
      'a=b',
    );
  });

  it('uses a custom encoder', () => {
    expect(serializeCookie('a', 'x', { encode: (v) => `"${v}"` })).toBe('a="x"');
  });

  it.each<[string, string, string, CookieOptions]>([
    ['an empty name', '', 'v', {}],
    ['a name with a space', 'a b', 'v', {}],
    ['a name with "="', 'a=b', 'v', {}],
    ['a name with ";"', 'a;b', 'v', {}],
    ['a raw value with a space', 'a', 'x y', { encode: (v) => v }],
    ['a raw value with a comma', 'a', 'x,y', { encode: (v) => v }],
    ['a raw value with a backslash', 'a', 'x\\y', { encode: (v) => v }],
    ['a raw value with CR LF', 'a', 'x\r\nSet-Cookie: evil=1', { encode: (v) => v }],
    ['a Path with ";"', 'a', 'v', { path: '/; Domain=evil.com' }],
    ['a Path with CR LF', 'a', 'v', { path: '/\r\nX-Evil: 1' }],
    ['a Domain with a space', 'a', 'v', { domain: 'a b' }],
    ['a Domain with ";"', 'a', 'v', { domain: 'a.com;Secure' }],
    ['SameSite=None without Secure', 'a', 'v', { sameSite: 'None' }],
    ['Partitioned without Secure', 'a', 'v', { partitioned: true }],
    ['a lowercase SameSite', 'a', 'v', { sameSite: 'lax' as 'Lax' }],
    ['an unknown Priority', 'a', 'v', { priority: 'Urgent' as 'High' }],
    ['__Secure- without Secure', '__Secure-a', 'v', {}],
    ['__secure- (any case) without Secure', '__secure-a', 'v', {}],
    ['__Host- without Secure', '__Host-a', 'v', { path: '/' }],
    ['__Host- without Path', '__Host-a', 'v', { secure: true }],
    ['__Host- with another Path', '__Host-a', 'v', { secure: true, path: '/app' }],
    ['__Host- with a Domain', '__Host-a', 'v', { secure: true, path: '/', domain: 'example.com' }],
    ['__HOST- (any case) without Secure', '__HOST-a', 'v', { path: '/' }],
  ])('throws a TypeError for %s', (_, name, value, options) => {
    expect(() => serializeCookie(name, value, options)).toThrow(TypeError);
  });

  it.each<[string, string, CookieOptions]>([
    ['a negative Max-Age', 'v', { maxAge: -1 }],
    ['a fractional Max-Age', 'v', { maxAge: 1.5 }],
    ['an infinite Max-Age', 'v', { maxAge: Infinity }],
    ['an invalid Expires', 'v', { expires: new Date(NaN) }],
    ['a value over 4096 characters', 'x'.repeat(4096), {}],
    ['a Path over 1024 characters', 'v', { path: `/${'p'.repeat(1024)}` }],
  ])('throws a RangeError for %s', (_, value, options) => {
    expect(() => serializeCookie('a', value, options)).toThrow(RangeError);
  });

  it('accepts __Secure- with Secure and __Host- with Secure and Path=/', () => {
    expect(serializeCookie('__Secure-a', 'v', { secure: true })).toBe('__Secure-a=v; Secure');
    expect(serializeCookie('__Host-a', 'v', { secure: true, path: '/' })).toBe(
      '__Host-a=v; Path=/; Secure',
    );
  });

  it('does not touch the options object', () => {
    const options = Object.freeze({ path: '/', secure: true });
    serializeCookie('a', 'b', options);
    expect(options).toEqual({ path: '/', secure: true });
  });
});

describe('deleteCookie', () => {
  it('writes an empty value, Max-Age=0 and an Expires at the epoch', () => {
    expect(deleteCookie('sid', { path: '/' })).toBe(
      'sid=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT',
    );
  });

  it('keeps the prefix rules', () => {
    expect(() => deleteCookie('__Host-sid')).toThrow(TypeError);
  });
});

describe('parseSetCookie', () => {
  it('reads the name, value and attributes', () => {
    expect(
      parseSetCookie(
        'sid=abc; Expires=Wed, 09 Jun 2021 10:18:14 GMT; Max-Age=60; Domain=.Example.COM; Path=/app; ' +
          'Secure; HttpOnly; SameSite=lax; Partitioned; Priority=high',
      ),
    ).toEqual({
      name: 'sid',
      value: 'abc',
      expires: new Date(Date.UTC(2021, 5, 9, 10, 18, 14)),
      maxAge: 60,
      domain: 'example.com',
      path: '/app',
      secure: true,
      httpOnly: true,
      partitioned: true,
      sameSite: 'Lax',
      priority: 'High',
    });
  });

  it('keeps the raw value, quotes and escapes included', () => {
    expect(parseSetCookie('a="x%20y"')?.value).toBe('"x%20y"');
  });

  it('reads a pair without "=" as a nameless cookie', () => {
    expect(parseSetCookie('justvalue; Path=/')).toMatchObject({ name: '', value: 'justvalue' });
  });

  it.each([
    ['a control character', 'a=b\u0000c'],
    ['a CR LF', 'a=b\r\nSet-Cookie: c=d'],
    ['an empty name and value', '=; Path=/'],
    ['an empty string', ''],
    ['a name and value over 4096 characters', `a=${'x'.repeat(4096)}`],
  ])('ignores a header with %s', (_, header) => {
    expect(parseSetCookie(header)).toBeUndefined();
  });

  it.each([
    ['a non-numeric Max-Age', 'a=b; Max-Age=soon', 'maxAge', undefined],
    ['a Max-Age with a plus sign', 'a=b; Max-Age=+5', 'maxAge', undefined],
    ['a negative Max-Age', 'a=b; Max-Age=-5', 'maxAge', -5],
    ['an unreadable Expires', 'a=b; Expires=someday', 'expires', undefined],
    ['an empty Domain', 'a=b; Domain=', 'domain', undefined],
    ['a relative Path', 'a=b; Path=app', 'path', undefined],
    ['an unknown SameSite', 'a=b; SameSite=Loose', 'sameSite', undefined],
    ['an unknown Priority', 'a=b; Priority=Urgent', 'priority', undefined],
    [
      'an attribute value over 1024 characters',
      `a=b; Path=/${'p'.repeat(1024)}`,
      'path',
      undefined,
    ],
  ])('handles %s', (_, header, key, expected) => {
    expect((parseSetCookie(header) as unknown as Record<string, unknown>)[key]).toBe(expected);
  });

  it('ignores unknown attributes', () => {
    expect(parseSetCookie('a=b; Comment=hello; Version=1')).toEqual({
      name: 'a',
      value: 'b',
      secure: false,
      httpOnly: false,
      partitioned: false,
    });
  });

  it.each([
    ['Max-Age', 'a=b; Max-Age=1; Max-Age=2', 'maxAge', 2],
    ['Path', 'a=b; Path=/one; Path=/two', 'path', '/two'],
    ['Domain', 'a=b; Domain=one.com; Domain=two.com', 'domain', 'two.com'],
    ['an invalid Path after a valid one', 'a=b; Path=/one; Path=relative', 'path', undefined],
    [
      'an unknown SameSite after a known one',
      'a=b; SameSite=Strict; SameSite=x',
      'sameSite',
      undefined,
    ],
    ['an unreadable Max-Age after a valid one', 'a=b; Max-Age=1; Max-Age=x', 'maxAge', 1],
    ['a valid Priority', 'a=b; Priority=Low', 'priority', 'Low'],
    [
      'an unknown Priority after a known one',
      'a=b; Priority=Low; Priority=x',
      'priority',
      undefined,
    ],
  ])('keeps the last %s', (_, header, key, expected) => {
    expect((parseSetCookie(header) as unknown as Record<string, unknown>)[key]).toBe(expected);
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (header) => {
        expect(() => parseSetCookie(header)).not.toThrow();
      }),
    );
  });
});

const token = fc
  .stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}$/)
  .filter((n) => !n.toLowerCase().startsWith('__'));

const options = fc.record(
  {
    maxAge: fc.nat({ max: 10 ** 9 }),
    expires: fc.date({
      min: new Date('1970-01-01T00:00:00Z'),
      max: new Date('9999-12-31T00:00:00Z'),
      noInvalidDate: true,
    }),
    domain: fc.domain(),
    path: fc
      .webPath()
      .map((p) => `/${p.replace(/^\/+/, '')}`)
      .filter((p) => !p.includes(';')),
    secure: fc.boolean(),
    httpOnly: fc.boolean(),
    priority: fc.constantFrom('Low', 'Medium', 'High'),
  },
  { requiredKeys: [] },
);

describe('serializeCookie and the parsers', () => {
  it('round-trip through parseSetCookie', () => {
    fc.assert(
      fc.property(
        token,
        fc.string({ unit: 'binary', maxLength: 200 }),
        options,
        (name, value, opts) => {
          const parsed = parseSetCookie(serializeCookie(name, value, opts));
          expect(parsed?.name).toBe(name);
          expect(decodeURIComponent(parsed?.value ?? '')).toBe(value.toWellFormed());
          expect(parsed?.maxAge).toBe(opts.maxAge);
          expect(parsed?.expires?.getTime()).toBe(
            opts.expires && Math.floor(opts.expires.getTime() / 1000) * 1000,
          );
          expect(parsed?.domain).toBe(opts.domain?.toLowerCase());
          expect(parsed?.path).toBe(opts.path);
          expect(parsed?.secure).toBe(opts.secure ?? false);
          expect(parsed?.httpOnly).toBe(opts.httpOnly ?? false);
          expect(parsed?.priority).toBe(opts.priority);
        },
      ),
    );
  });

  it('round-trip a value through the Cookie header', () => {
    fc.assert(
      fc.property(token, fc.string({ unit: 'binary', maxLength: 200 }), (name, value) => {
        const pair = serializeCookie(name, value);
        expect(parseCookies(`x=1; ${pair}; y=2`).get(name)).toBe(
          name === 'x' ? '1' : value.toWellFormed(),
        );
      }),
    );
  });
});
