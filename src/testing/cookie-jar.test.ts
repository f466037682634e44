import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CookieJar, defaultPath, domainMatch, pathMatch } from './cookie-jar.ts';

const url = (s: string): URL => new URL(s);

function jarWith(from: string, ...setCookies: string[]): CookieJar {
  const jar = new CookieJar();
  jar.store(url(from), setCookies);
  return jar;
}

describe('domainMatch (RFC 6265 §5.1.3)', () => {
  it.each([
    ['example.com', 'example.com', true],
    ['www.example.com', 'example.com', true],
    ['a.b.example.com', 'example.com', true],
    ['badexample.com', 'example.com', false],
    ['example.com', 'www.example.com', false],
    ['192.168.0.1', '168.0.1', false],
    ['192.168.0.1', '192.168.0.1', true],
    ['[::1]', '[::1]', true],
  ])('%s against %s is %s', (host, domain, expected) => {
    expect(domainMatch(host, domain)).toBe(expected);
  });

  it('holds for every subdomain label', () => {
    fc.assert(
      fc.property(fc.domain(), fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), (domain, label) => {
        expect(domainMatch(`${label}.${domain}`, domain)).toBe(true);
        expect(domainMatch(`${label}${domain}`, domain)).toBe(false);
      }),
    );
  });
});

describe('pathMatch and defaultPath (RFC 6265 §5.1.4)', () => {
  it.each([
    ['/', '/', true],
    ['/a', '/', true],
    ['/a/b', '/a', true],
    ['/a/b', '/a/', true],
    ['/a', '/a', true],
    ['/ab', '/a', false],
    ['/a', '/a/', false],
    ['/', '/a', false],
  ])('request path %s against cookie path %s is %s', (request, cookie, expected) => {
    expect(pathMatch(request, cookie)).toBe(expected);
  });

  it.each([
    ['', '/'],
    ['x', '/'],
    ['/', '/'],
    ['/a', '/'],
    ['/a/', '/a'],
    ['/a/b', '/a'],
    ['/a/b/c', '/a/b'],
  ])('the default path of %j is %s', (path, expected) => {
    expect(defaultPath(path)).toBe(expected);
  });

  it('a path always path-matches its own default path', () => {
    fc.assert(
      fc.property(fc.webPath(), (path) => {
        const p = path.startsWith('/') ? path : `/${path}`;
        expect(pathMatch(p, defaultPath(p))).toBe(true);
      }),
    );
  });
});

describe('CookieJar', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends a host-only cookie to its host and not to a subdomain', () => {
    const jar = jarWith('http://example.com/', 'sid=1');
    expect(jar.header(url('http://example.com/x'))).toBe('sid=1');
    expect(jar.header(url('http://www.example.com/x'))).toBeUndefined();
  });

  it('sends a Domain cookie to the domain and its subdomains', () => {
    const jar = jarWith('http://www.example.com/', 'sid=1; Domain=.Example.com');
    expect(jar.header(url('http://example.com/'))).toBe('sid=1');
    expect(jar.header(url('http://a.b.example.com/'))).toBe('sid=1');
    expect(jar.header(url('http://other.com/'))).toBeUndefined();
  });

  it.each([
    ['a Domain the host is not in', 'http://example.com/', 'sid=1; Domain=other.com'],
    [
      'a Domain that is a subdomain of the host',
      'http://example.com/',
      'sid=1; Domain=www.example.com',
    ],
    ['a one-label Domain (a public suffix)', 'http://www.example.com/', 'sid=1; Domain=com'],
    ['a Secure cookie set over http', 'http://example.com/', 'sid=1; Secure'],
    ['a __Secure- cookie without Secure', 'https://example.com/', '__Secure-sid=1'],
    [
      'a __Host- cookie with a Domain',
      'https://www.example.com/',
      '__Host-sid=1; Secure; Path=/; Domain=example.com',
    ],
    ['a __Host- cookie without Path=/', 'https://example.com/a/b', '__Host-sid=1; Secure'],
    ['a cookie with Max-Age=0', 'http://example.com/', 'sid=1; Max-Age=0'],
    [
      'a cookie that expired',
      'http://example.com/',
      'sid=1; Expires=Thu, 01 Jan 1970 00:00:01 GMT',
    ],
    ['a header with a control character', 'http://example.com/', 'sid=1\u0001'],
  ])('refuses %s', (_, from, header) => {
    const jar = jarWith(from, header);
    expect(jar.size).toBe(0);
  });

  it('accepts Domain=localhost from localhost, as a host-only cookie', () => {
    const jar = jarWith('http://localhost/', 'sid=1; Domain=localhost');
    expect(jar.all()[0]).toMatchObject({ domain: 'localhost', hostOnly: true });
    expect(jar.header(url('http://localhost:8080/'))).toBe('sid=1');
  });

  it('accepts valid __Secure- and __Host- cookies over https', () => {
    const jar = jarWith(
      'https://example.com/',
      '__Secure-a=1; Secure',
      '__Host-b=2; Secure; Path=/',
    );
    expect(jar.header(url('https://example.com/'))).toBe('__Secure-a=1; __Host-b=2');
  });

  it('sends a Secure cookie over https only', () => {
    const jar = jarWith('https://example.com/', 'sid=1; Secure', 'plain=2');
    expect(jar.header(url('https://example.com/'))).toBe('sid=1; plain=2');
    expect(jar.header(url('http://example.com/'))).toBe('plain=2');
  });

  it('does not let a plain-http response overwrite a Secure cookie', () => {
    const jar = jarWith('https://example.com/', 'sid=secret; Secure');
    jar.store(url('http://example.com/'), ['sid=forged']);
    expect(jar.header(url('https://example.com/'))).toBe('sid=secret');
  });

  it('defaults the path to the directory of the request path', () => {
    const jar = jarWith('http://example.com/account/login', 'sid=1');
    expect(jar.all()[0]?.path).toBe('/account');
    expect(jar.header(url('http://example.com/account/home'))).toBe('sid=1');
    expect(jar.header(url('http://example.com/accounts'))).toBeUndefined();
    expect(jar.header(url('http://example.com/'))).toBeUndefined();
  });

  it('sends longer paths first, then older cookies first', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const jar = jarWith('http://example.com/', 'b=1; Path=/');
    vi.advanceTimersByTime(1000);
    jar.store(url('http://example.com/'), ['a=2; Path=/', 'c=3; Path=/docs']);
    expect(jar.header(url('http://example.com/docs/x'))).toBe('c=3; b=1; a=2');
  });

  it('replaces a cookie with the same name, domain and path, keeping its creation time', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const jar = jarWith('http://example.com/', 'a=1; Path=/');
    vi.advanceTimersByTime(1000);
    jar.store(url('http://example.com/'), ['b=1; Path=/']);
    vi.advanceTimersByTime(1000);
    jar.store(url('http://example.com/'), ['a=2; Path=/']);
    expect(jar.header(url('http://example.com/'))).toBe('a=2; b=1');
    expect(jar.size).toBe(2);
  });

  it('keeps cookies with the same name but different paths apart', () => {
    const jar = jarWith('http://example.com/', 'a=root; Path=/', 'a=docs; Path=/docs');
    expect(jar.header(url('http://example.com/docs'))).toBe('a=docs; a=root');
  });

  it('deletes a cookie when the server sends it again with Max-Age=0', () => {
    const jar = jarWith('http://example.com/', 'sid=1; Path=/');
    jar.store(url('http://example.com/'), ['sid=; Path=/; Max-Age=0']);
    expect(jar.header(url('http://example.com/'))).toBeUndefined();
  });

  it('expires a cookie after its Max-Age', () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const jar = jarWith('http://example.com/', 'sid=1; Max-Age=60');
    vi.advanceTimersByTime(59_000);
    expect(jar.header(url('http://example.com/'))).toBe('sid=1');
    vi.advanceTimersByTime(1_000);
    expect(jar.header(url('http://example.com/'))).toBeUndefined();
    expect(jar.size).toBe(0);
  });

  it('expires a cookie at its Expires date', () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const jar = jarWith('http://example.com/', 'sid=1; Expires=Tue, 01 Jan 2030 00:10:00 GMT');
    vi.setSystemTime(new Date('2030-01-01T00:09:59Z'));
    expect(jar.get(url('http://example.com/'), 'sid')).toBe('1');
    vi.setSystemTime(new Date('2030-01-01T00:10:00Z'));
    expect(jar.get(url('http://example.com/'), 'sid')).toBeUndefined();
  });

  it('lets Max-Age win over Expires', () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') });
    const jar = jarWith(
      'http://example.com/',
      'sid=1; Expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=60',
    );
    expect(jar.header(url('http://example.com/'))).toBe('sid=1');
  });

  it('sends a nameless cookie as its bare value', () => {
    const jar = jarWith('http://example.com/', 'justvalue');
    expect(jar.header(url('http://example.com/'))).toBe('justvalue');
  });

  it('ignores the port when matching', () => {
    const jar = jarWith('http://example.com:8080/', 'sid=1');
    expect(jar.header(url('http://example.com:9090/'))).toBe('sid=1');
  });

  it('sets a cookie by hand, host-only unless a domain is given', () => {
    const jar = new CookieJar();
    jar.set(url('http://example.com/'), 'a', '1');
    jar.set(url('http://example.com/'), 'b', '2', {
      domain: '.example.com',
      path: '/x',
      httpOnly: true,
    });
    expect(jar.header(url('http://www.example.com/x/y'))).toBe('b=2');
    expect(jar.header(url('http://example.com/x'))).toBe('b=2; a=1');
  });

  it('sets a Secure cookie by hand that only https requests get', () => {
    const jar = new CookieJar();
    jar.set(url('http://example.com/'), 'a', '1', { secure: true });
    expect(jar.get(url('http://example.com/'), 'a')).toBeUndefined();
    expect(jar.get(url('https://example.com/'), 'a')).toBe('1');
  });

  it('drops a hand-set cookie whose expiry has passed', () => {
    const jar = new CookieJar();
    jar.set(url('http://example.com/'), 'a', '1', { expires: new Date(0) });
    expect(jar.size).toBe(0);
  });

  it.each([
    ['a;b', '1'],
    ['a b', '1'],
    ['', '1'],
    ['a', '1;2'],
    ['a', 'x\ny'],
  ])('refuses to set the cookie %j=%j by hand', (name, value) => {
    expect(() => {
      new CookieJar().set(url('http://example.com/'), name, value);
    }).toThrow(TypeError);
  });

  it('empties on clear()', () => {
    const jar = jarWith('http://example.com/', 'a=1', 'b=2');
    jar.clear();
    expect(jar.header(url('http://example.com/'))).toBeUndefined();
    expect(jar.all()).toEqual([]);
  });

  it('keeps SameSite as data without enforcing it', () => {
    const jar = jarWith('http://example.com/', 'a=1; SameSite=Strict');
    expect(jar.all()[0]?.sameSite).toBe('Strict');
    expect(jar.header(url('http://example.com/'))).toBe('a=1');
  });
});
