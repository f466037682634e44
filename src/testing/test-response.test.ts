import { AssertionError } from 'node:assert';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Handler } from '../core/handler.ts';
import { TestApp } from './index.ts';
import { decodeContent } from './test-response.ts';

const html = (body: string): Response =>
  new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8' } });

/** Serves `pages` by path; anything else echoes method, path, body and Referer as JSON. */
function site(pages: Record<string, () => Response>): TestApp {
  return new TestApp(async (request) => {
    const url = new URL(request.url);
    const page = pages[url.pathname];
    if (page) return page();
    if (request.method === 'HEAD') return new Response(null, { status: 204 });
    return Response.json({
      method: request.method,
      path: url.pathname + url.search,
      body: await request.text(),
      referer: request.headers.get('referer'),
    });
  });
}

interface Seen {
  method: string;
  path: string;
  body: string;
  referer: string | null;
}
const seen = (res: { json: unknown }): Seen => res.json as Seen;

describe('TestResponse body views', () => {
  it('decodes text in the charset of the Content-Type', async () => {
    const bytes = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
    const app = new TestApp(
      () => new Response(bytes, { headers: { 'content-type': 'text/plain; charset=iso-8859-1' } }),
    );
    expect((await app.get('/')).text).toBe('café');
  });

  it('decodes each response in its own charset, again and again', async () => {
    const latin1 = new Uint8Array([0x63, 0x61, 0x66, 0xe9]);
    const app = new TestApp((request) =>
      request.url.endsWith('/latin1')
        ? new Response(latin1, { headers: { 'content-type': 'text/plain; charset=iso-8859-1' } })
        : new Response('café', { headers: { 'content-type': 'text/plain; charset=utf-8' } }),
    );
    const texts = [];
    for (const path of ['/latin1', '/utf8', '/latin1', '/utf8'])
      texts.push((await app.get(path)).text);
    expect(texts).toEqual(Array(4).fill('café'));
  });

  it('reads text as UTF-8 when the charset is unknown', async () => {
    const app = new TestApp(
      () => new Response('ü', { headers: { 'content-type': 'text/plain; charset=nonsense' } }),
    );
    expect((await app.get('/')).text).toBe('ü');
  });

  it.each(['application/json', 'text/json', 'application/problem+json; charset=utf-8'])(
    'parses %s as JSON',
    async (type) => {
      const app = new TestApp(() => new Response('{"a":1}', { headers: { 'content-type': type } }));
      expect((await app.get('/')).json).toEqual({ a: 1 });
    },
  );

  it.each(['text/plain', 'application/jsonx', undefined])(
    'refuses to read %s as JSON',
    async (type) => {
      const headers: HeadersInit = type === undefined ? {} : { 'content-type': type };
      const app = new TestApp(() => new Response(new Uint8Array([0x7b, 0x7d]), { headers }), {
        lint: false,
      });
      const res = await app.get('/');
      expect(() => res.json).toThrow(/not JSON/);
    },
  );

  it('refuses to read a non-HTML response as HTML', async () => {
    const res = await new TestApp(() => Response.json({})).get('/');
    expect(() => res.html).toThrow(/not HTML/);
    expect(() => res.forms).toThrow(/not HTML/);
  });

  it('parses HTML with a real parser', async () => {
    const res = await new TestApp(() => html('<h1>Hi <b>there</h1><p>unclosed')).get('/');
    expect(res.html('h1').text()).toBe('Hi there');
    expect(res.html('p').text()).toBe('unclosed');
  });

  it.each([
    ['gzip', gzipSync],
    ['x-gzip', gzipSync],
    ['deflate', deflateSync],
    ['deflate', deflateRawSync],
    ['br', brotliCompressSync],
  ] as const)('undoes Content-Encoding %s', async (coding, compress) => {
    const app = new TestApp(
      () =>
        new Response(compress(Buffer.from('squeezed')), {
          headers: { 'content-type': 'text/plain', 'content-encoding': coding },
        }),
    );
    const res = await app.get('/');
    expect(res.text).toBe('squeezed');
    expect(res.rawBody.length).not.toBe(8);
  });

  it('undoes several codings, last applied first', () => {
    const twice = brotliCompressSync(gzipSync(Buffer.from('both')));
    expect(new TextDecoder().decode(decodeContent(twice, 'gzip, identity, br'))).toBe('both');
  });

  it('leaves bytes with an unknown coding as they are', () => {
    const bytes = new Uint8Array([1, 2, 3]);
    expect(decodeContent(bytes, 'compress')).toBe(bytes);
  });
});

describe('TestResponse assertions', () => {
  const page = site({ '/': () => html('<p>Hello,\n   <em>world</em>!</p>') });

  it('passes mustContain for text as written or with whitespace collapsed', async () => {
    const res = await page.get('/');
    expect(res.mustContain('Hello,', '<em>world</em>', 'Hello, <em>', /w.rld/)).toBe(res);
  });

  it('fails mustContain naming what is missing, with the body', async () => {
    const res = await page.get('/');
    const error: unknown = (() => {
      try {
        res.mustContain('Hello', 'Goodbye', 'farewell');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(AssertionError);
    expect((error as Error).message).toMatch(/does not contain "Goodbye", "farewell"\n\n<p>Hello/);
  });

  it('passes mustNotContain for absent text and fails it for present text', async () => {
    const res = await page.get('/');
    expect(res.mustNotContain('Goodbye', /xyz/)).toBe(res);
    expect(() => res.mustNotContain('Goodbye', 'world')).toThrow(/contains "world"/);
  });

  it('renders as status, sorted headers without Content-Length, then the non-blank body lines', async () => {
    const app = new TestApp(
      () =>
        new Response('a\n\n  \nb', {
          headers: { 'content-type': 'text/plain', 'x-b': '2', 'content-length': '7' },
        }),
    );
    expect(String(await app.get('/'))).toBe(
      'Response: 200 OK\nContent-Type: text/plain\nX-B: 2\n\na\nb',
    );
  });
});

describe('TestResponse redirects', () => {
  const redirect =
    (status: number, location: string): (() => Response) =>
    () =>
      new Response(null, { status, headers: { location } });

  it('follows a relative Location with a GET', async () => {
    const app = site({ '/a/b': redirect(302, 'c?x=1') });
    const res = await app.get('/a/b');
    expect(res.location).toBe('http://localhost/a/c?x=1');
    expect(seen(await res.follow())).toMatchObject({ method: 'GET', path: '/a/c?x=1' });
  });

  it('turns a POST into a GET on 303', async () => {
    const app = site({ '/form': redirect(303, '/done') });
    const res = await app.post('/form', { params: { a: '1' } });
    expect(seen(await res.follow())).toMatchObject({ method: 'GET', path: '/done', body: '' });
  });

  it.each([307, 308])('repeats the method and body on %i', async (code) => {
    const app = site({ '/old': redirect(code, '/new') });
    const res = await app.put('/old', { params: { a: '1' } });
    expect(seen(await res.follow())).toMatchObject({ method: 'PUT', path: '/new', body: 'a=1' });
  });

  it('keeps HEAD a HEAD', async () => {
    const app = site({ '/h': redirect(301, '/') });
    expect((await (await app.head('/h')).follow()).request.method).toBe('HEAD');
  });

  it('follows twice', async () => {
    const app = site({ '/1': redirect(302, '/2'), '/2': redirect(302, '/3') });
    const res = await (await (await app.get('/1')).follow()).follow();
    expect(seen(res).path).toBe('/3');
  });

  it('refuses to follow a response that is not a redirect', async () => {
    const res = await site({}).get('/');
    expect(() => res.follow()).toThrow(/can only follow a redirect with a Location, not 200 OK/);
  });

  it('refuses to follow a 3xx without a Location', async () => {
    const res = await site({ '/': () => new Response(null, { status: 304 }) }).get('/');
    expect(() => res.follow()).toThrow(AssertionError);
  });

  it('maybeFollow returns a non-redirect as it is', async () => {
    const res = await site({}).get('/');
    expect(await res.maybeFollow()).toBe(res);
  });

  it.each([1, 2])('maybeFollow follows a chain of %i', async (length) => {
    const app = site({ '/1': redirect(302, '/2'), '/2': redirect(302, '/end') });
    const res = await app.get(length === 1 ? '/2' : '/1');
    expect(seen(await res.maybeFollow()).path).toBe('/end');
  });

  it('maybeFollow gives up on an endless chain', async () => {
    const app = site({ '/loop': redirect(302, '/loop') });
    await expect((await app.get('/loop')).maybeFollow()).rejects.toThrow(
      /redirect chain looks infinite: more than 20 redirects/,
    );
  });

  it('maybeFollow with maxRedirects 0 refuses any redirect', async () => {
    const app = new TestApp(redirect(302, '/x'), { maxRedirects: 0 });
    await expect((await app.get('/')).maybeFollow()).rejects.toThrow(/more than 0 redirects/);
  });

  it('passes request options on when following', async () => {
    const app = site({ '/r': redirect(302, '/gone') });
    const res = await app.get('/r');
    const next = await res.follow({ headers: { 'x-a': '1' } });
    expect(next.request.headers.get('x-a')).toBe('1');
  });
});

describe('TestResponse links', () => {
  const links = `
    <base href="/docs/">
    <a href="#top">Top</a>
    <a href="javascript:void(0)">Script link</a>
    <a>No href</a>
    <a href="intro" id="first">Introduction</a>
    <a href="/guide" id="guide-link">The <b>user</b>
      guide</a>
    <a href="page?n=1" class="pager">Page 1</a>
    <a href="page?n=2" class="pager">Page 2</a>
    <nav><a href="/home">Home</a></nav>
    <script>document.write('<a href="/hidden">Hidden</a>')</script>
    <a href="/ü">Ünïcode</a>
    <button onclick="location.href='/go?via=button'" id="b1">Go</button>
    <input type="button" value="Jump" onclick="window.location = &quot;/jump&quot;">
    <button onclick="alert(1)">Nothing</button>`;
  const app = site({ '/': () => html(links) });

  it('clicks a link by its text, relative to the document base, with the page as Referer', async () => {
    const res = seen(await (await app.get('/')).click('Introduction'));
    expect(res).toMatchObject({ method: 'GET', path: '/docs/intro', referer: 'http://localhost/' });
  });

  it('matches the text of markup inside the link, whitespace collapsed', async () => {
    expect(seen(await (await app.get('/')).click('The user guide')).path).toBe('/guide');
  });

  it.each([
    [{ href: '/home' }, '/home'],
    [{ linkid: 'first' }, '/docs/intro'],
    [{ href: /n=2$/ }, '/docs/page?n=2'],
    [{ description: 'Page', index: 1 }, '/docs/page?n=2'],
    [{ selector: 'nav a' }, '/home'],
    [{ selector: 'a.pager', description: (t: string) => t.endsWith('1') }, '/docs/page?n=1'],
  ])('clicks the link matching %j', async (query, path) => {
    expect(seen(await (await app.get('/')).click(query)).path).toBe(path);
  });

  it('clicks a link by a RegExp over its text', async () => {
    expect(seen(await (await app.get('/')).click(/^Home$/)).path).toBe('/home');
  });

  it('clicks a link with non-ASCII text and href', async () => {
    expect(seen(await (await app.get('/')).click('Ünïcode')).path).toBe('/%C3%BC');
  });

  it.each(['Top', 'Script link', 'No href', 'Hidden'])(
    'never matches the %s link',
    async (text) => {
      const res = await app.get('/');
      expect(() => res.click(text)).toThrow(/no link matched description="/);
    },
  );

  it('lists the page links when none matches', async () => {
    const res = await app.get('/');
    expect(() => res.click('Missing')).toThrow(/0: "Introduction" -> intro #first/);
  });

  it('refuses several matches without an index', async () => {
    const res = await app.get('/');
    expect(() => res.click('Page')).toThrow(/2 links matched description="Page"; pass an index/);
  });

  it('refuses an index past the matches', async () => {
    const res = await app.get('/');
    expect(() => res.click({ description: 'Page', index: 2 })).toThrow(/there is no index 2/);
  });

  it('clicks a button through the URL its onclick goes to', async () => {
    const res = seen(await (await app.get('/')).clickbutton('Go'));
    expect(res).toMatchObject({ path: '/go?via=button', referer: 'http://localhost/' });
  });

  it.each([
    [{ buttonid: 'b1' }, '/go?via=button'],
    ['Jump', '/jump'],
    [{ href: 'jump' }, '/jump'],
  ])('clicks the button matching %j', async (query, path) => {
    expect(seen(await (await app.get('/')).clickbutton(query)).path).toBe(path);
  });

  it('does not click a button without a location', async () => {
    const res = await app.get('/');
    expect(() => res.clickbutton('Nothing')).toThrow(/no button matched/);
  });

  it('goes to a URL with another method through goto()', async () => {
    const res = seen(await (await app.get('/')).goto('/submit', { method: 'post', params: 'x=1' }));
    expect(res).toMatchObject({ method: 'POST', path: '/submit', body: 'x=1' });
  });

  it('keeps a Referer the test gives', async () => {
    const res = await app.get('/');
    const next = seen(await res.goto('/x', { headers: { referer: 'http://elsewhere/' } }));
    expect(next.referer).toBe('http://elsewhere/');
  });
});

describe('TestResponse forms', () => {
  const handler: Handler = (request) =>
    html(
      new URL(request.url).pathname === '/two'
        ? '<form id="a"></form><form id="b" action="/b"></form>'
        : new URL(request.url).pathname === '/one'
          ? '<form id="only"><input name="q"></form>'
          : '<p>no form</p>',
    );
  const app = new TestApp(handler);

  it('gives the only form', async () => {
    expect((await app.get('/one')).form.id).toBe('only');
  });

  it('refuses .form when there is no form', async () => {
    const res = await app.get('/none');
    expect(() => res.form).toThrow(/no form/);
    expect(res.forms).toEqual([]);
  });

  it('refuses .form when there are several', async () => {
    const res = await app.get('/two');
    expect(() => res.form).toThrow(/2 forms: use getForm/);
  });

  it('finds a form by index or id', async () => {
    const res = await app.get('/two');
    expect(res.getForm(1).action).toBe('/b');
    expect(res.getForm('a')).toBe(res.forms[0]);
    expect(() => res.getForm('c')).toThrow(/no form "c"; forms: a, b/);
    expect(() => res.getForm(5)).toThrow(/no form 5/);
  });
});
