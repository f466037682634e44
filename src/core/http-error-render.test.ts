import { describe, expect, it } from 'vitest';
import {
  BadRequest,
  Found,
  HttpClientError,
  InternalServerError,
  MethodNotAllowed,
  NotFound,
  NotModified,
  ServiceUnavailable,
} from './http-error.ts';
import { negotiate } from './http-error-render.ts';

const XSS = '<script>alert("x")</script> & \'quoted\'';

function get(accept?: string, method = 'GET'): Request {
  return new Request('http://example.test/page', {
    method,
    headers: accept === undefined ? {} : { accept },
  });
}

describe('negotiate', () => {
  it.each([
    [null, 'text/plain'],
    ['', 'text/plain'],
    ['*/*', 'text/plain'],
    ['text/*', 'text/plain'],
    ['text/html', 'text/html'],
    ['TEXT/HTML', 'text/html'],
    ['application/json', 'application/json'],
    ['application/*', 'application/json'],
    ['application/problem+json', 'application/problem+json'],
    ['application/json;q=0.9, text/html;q=0.1', 'application/json'],
    ['text/html;q=0.1, application/json;q=0.9', 'application/json'],
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'text/html'],
    ['text/html, */*', 'text/html'],
    ['*/*, application/json', 'application/json'],
    ['text/html;q=0, */*', 'text/plain'],
    ['text/*, text/plain;q=0', 'text/html'],
    ['*/*;q=0.5, text/plain;q=0.1', 'text/html'],
    // RFC 9110 §12.5.1: a range with parameters only matches an offer with the same parameters.
    ['text/html;level=1;q=0.5, application/json;q=0.4', 'application/json'],
    ['text/html;q=abc, application/json', 'application/json'],
    // An out-of-range weight is clamped to 1.
    ['text/html;q=1.5, application/json;q=0.2', 'text/html'],
    // A q inside a quoted parameter is not a weight: the range stays at q=1 but, having a parameter
    // the offer lacks, does not match it.
    ['text/html;foo="a,b;q=0", application/json;q=0.5', 'application/json'],
    ['text/html;foo="a\\",q=0", text/plain;q=0.5', 'text/plain'],
    ['text/html;q=0.1, text/html, application/json;q=0.5', 'application/json'],
    ['image/png', 'text/plain'],
    ['*/html, application/json', 'application/json'],
    ['text/plain;q=0, text/html;q=0, application/json;q=0, application/*;q=0', 'text/plain'],
  ])('serves Accept %j as %s', (accept, expected) => {
    expect(negotiate(accept)).toBe(expected);
  });
});

describe('HttpError.toResponse', () => {
  it('renders plain text with a utf-8 charset when the client accepts anything', async () => {
    const response = new NotFound('no page "about"').toResponse(get('*/*'));
    expect(response.status).toBe(404);
    expect(response.statusText).toBe('Not Found');
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toBe('404 Not Found\n\nno page "about"\n');
  });

  it('renders plain text when there is no request', async () => {
    const response = new BadRequest().toResponse();
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toBe('400 Bad Request\n');
  });

  it('escapes the detail in HTML and leaves no comments in the page', async () => {
    const response = new NotFound(XSS).toResponse(get('text/html'));
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    expect(html).toContain(
      '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39;</p>',
    );
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<!--');
    expect(html).toMatch(/^<!doctype html>\n/);
    expect(html).toContain('<title>404 Not Found</title>');
  });

  it('escapes a title from a user-defined class in HTML', async () => {
    class Weird extends HttpClientError {
      static override readonly status = 400;
      static override readonly title = 'Bad <b>Request</b>';
    }
    const html = await new Weird().toResponse(get('text/html')).text();
    expect(html).toContain('<h1>400 Bad &lt;b&gt;Request&lt;/b&gt;</h1>');
  });

  it('renders JSON that parses back to status, title and detail', async () => {
    const response = new NotFound(XSS).toResponse(get('application/json'));
    expect(response.headers.get('content-type')).toBe('application/json');
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ status: 404, title: 'Not Found', detail: XSS });
  });

  it('escapes characters in JSON that could close a script element or break a JS string', async () => {
    const detail = `${XSS} \u2028\u2029`;
    const text = await new NotFound(detail).toResponse(get('application/json')).text();
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect((JSON.parse(text) as { detail: string }).detail).toBe(detail);
  });

  it('leaves detail out of JSON when there is none', async () => {
    const text = await new NotFound().toResponse(get('application/json')).text();
    expect(text).toBe('{"status":404,"title":"Not Found"}');
  });

  it('labels JSON as problem details when the client asks for them by name', async () => {
    const response = new NotFound().toResponse(get('application/problem+json'));
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toEqual({ status: 404, title: 'Not Found' });
  });

  it.each([
    ['text/plain', '500 Internal Server Error\n'],
    ['application/json', '{"status":500,"title":"Internal Server Error"}'],
  ])('hides the detail of a server error as %s', async (accept, body) => {
    const error = new InternalServerError('password=hunter2 in /etc/app.conf');
    expect(await error.toResponse(get(accept)).text()).toBe(body);
  });

  it('hides the detail of a server error in HTML', async () => {
    const html = await new InternalServerError('hunter2').toResponse(get('text/html')).text();
    expect(html).not.toContain('hunter2');
  });

  it('shows the detail of a server error built with expose: true', async () => {
    const error = new ServiceUnavailable('back at noon', { expose: true });
    expect(await error.toResponse().text()).toBe('503 Service Unavailable\n\nback at noon\n');
  });

  it('hides the detail of a client error built with expose: false', async () => {
    const error = new BadRequest('internal parser state 7', { expose: false });
    expect(await error.toResponse().text()).toBe('400 Bad Request\n');
  });

  it('links to the redirect target in HTML, escaped', async () => {
    const html = await new Found("/a?b='c'&d").toResponse(get('text/html')).text();
    expect(html).toContain(
      '<p>Redirecting to <a href="/a?b=&#39;c&#39;&amp;d">/a?b=&#39;c&#39;&amp;d</a></p>',
    );
  });

  it('lists the allowed methods in the body of a 405', async () => {
    const error = new MethodNotAllowed(['GET', 'HEAD']);
    expect(await error.toResponse().text()).toBe(
      '405 Method Not Allowed\n\nAllowed methods: GET, HEAD.\n',
    );
    expect(await error.toResponse(get('text/html')).text()).toContain(
      '<p>Allowed methods: GET, HEAD.</p>',
    );
  });

  it.each(['text/plain', 'text/html', 'application/json'])(
    'answers HEAD with the header fields of GET and no body (%s)',
    (accept) => {
      const response = new NotFound('x').toResponse(get(accept, 'HEAD'));
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(accept);
      expect(response.body).toBeNull();
    },
  );

  it('renders 304 without a body or a Content-Type, keeping the validators', () => {
    const error = new NotModified('unused', {
      headers: { etag: '"v7"', 'content-type': 'text/html', 'cache-control': 'max-age=60' },
    });
    for (const accept of ['text/html', 'application/json', undefined]) {
      const response = error.toResponse(get(accept));
      expect(response.status).toBe(304);
      expect(response.body).toBeNull();
      expect(response.headers.has('content-type')).toBe(false);
      expect(response.headers.get('etag')).toBe('"v7"');
      expect(response.headers.get('cache-control')).toBe('max-age=60');
    }
  });

  it('marks the body as varying by Accept and not to be sniffed', () => {
    const response = new NotFound().toResponse(get('text/html'));
    expect(response.headers.get('vary')).toBe('Accept');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it.each([
    ['Origin', 'Origin, Accept'],
    ['origin, accept', 'origin, accept'],
    ['*', '*'],
  ])('merges Vary %j into %j', (vary, expected) => {
    const response = new NotFound(undefined, { headers: { vary } }).toResponse();
    expect(response.headers.get('vary')).toBe(expected);
  });

  it('replaces a Content-Type, Content-Length and Content-Encoding that describe another body', async () => {
    const error = new NotFound(undefined, {
      headers: { 'content-type': 'image/png', 'content-length': '99', 'content-encoding': 'gzip' },
    });
    const response = error.toResponse();
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(response.headers.has('content-length')).toBe(false);
    expect(response.headers.has('content-encoding')).toBe(false);
    expect(await response.text()).toBe('404 Not Found\n');
  });

  it('builds a fresh response each time and leaves the error unchanged', async () => {
    const error = new NotFound('again');
    const first = error.toResponse();
    first.headers.set('x-extra', '1');
    const second = error.toResponse();
    expect(second.headers.has('x-extra')).toBe(false);
    expect(error.headers.has('content-type')).toBe(false);
    expect(await first.text()).toBe(await second.text());
  });

  it('keeps a non-ASCII detail as UTF-8 in every format', async () => {
    const detail = 'Seite „Über“ fehlt ✓';
    const plain = new NotFound(detail).toResponse();
    expect(new TextDecoder().decode(await plain.arrayBuffer())).toContain(detail);
    expect(await new NotFound(detail).toResponse(get('text/html')).text()).toContain(detail);
  });
});
