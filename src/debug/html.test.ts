import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { htmlInsertionPoint, insertIntoHtml, readHtmlResponse, withHtmlBody } from './html.ts';

const F = '<!--F-->';

describe('insertIntoHtml', () => {
  it.each([
    ['before </body>', '<html><body><p>x</p></body></html>', '<html><body><p>x</p>F</body></html>'],
    ['before an upper-case </BODY >', '<BODY>x</BODY >', '<BODY>xF</BODY >'],
    ['before the last </body>', '<body>a</body>b</body>', '<body>a</body>bF</body>'],
    ['before </html> without </body>', '<html><p>x</html>', '<html><p>xF</html>'],
    ['at the end without either', '<p>x</p>', '<p>x</p>F'],
    ['past a </body> in a comment', '<body>x<!-- </body> -->', '<body>x<!-- </body> -->F'],
    [
      'past a </body> in a script',
      '<body><script>"</body>"</script>',
      '<body><script>"</body>"</script>F',
    ],
    [
      'past a </body> in a textarea',
      '<body><textarea></body></textarea>',
      '<body><textarea></body></textarea>F',
    ],
    [
      'past a </body> in a quoted attribute',
      "<body><a title='</body>'>",
      "<body><a title='</body>'>F",
    ],
  ])('inserts before-body-end %s', (_, html, expected) => {
    expect(insertIntoHtml(html, 'F', 'before-body-end')).toBe(expected);
  });

  it.each([
    ['after <body>', '<html><body><p>x</p></body>', '<html><body>F<p>x</p></body>'],
    ['after a <body> with attributes', '<body class="a>b" id=x>y', '<body class="a>b" id=x>Fy'],
    ['after a <Body/>', '<Body/>y', '<Body/>Fy'],
    ['after a doctype without <body>', '<!DOCTYPE html>\n<p>x', '<!DOCTYPE html>F\n<p>x'],
    ['at the start without body or doctype', '<p>x</p>', 'F<p>x</p>'],
    ['past a <body> in a comment', '<!-- <body> --><body>x', '<!-- <body> --><body>Fx'],
    ['past a <body> in a title', '<title><body></title><body>x', '<title><body></title><body>Fx'],
    [
      'past a <body> in a style',
      '<style>a<body>{}</style><body>x',
      '<style>a<body>{}</style><body>Fx',
    ],
    ['past a <bodyx> tag', '<bodyx><body>y', '<bodyx><body>Fy'],
    [
      'past a <?pi> and <!x>',
      '<?pi <body>?><!x <body>><body>y',
      '<?pi <body>?><!x <body>><body>Fy',
    ],
  ])('inserts after-body-start %s', (_, html, expected) => {
    expect(insertIntoHtml(html, 'F', 'after-body-start')).toBe(expected);
  });

  it.each([
    ['double-quoted', '<body><pre id="log">a</pre></body>', '<body><pre id="log">Fa</pre></body>'],
    ['single-quoted', "<body><pre class=x id='log'></pre>", "<body><pre class=x id='log'>F</pre>"],
    ['unquoted', '<body><pre ID=log></pre>', '<body><pre ID=log>F</pre>'],
    ['spaced around =', '<body><div id = "log"></div>', '<body><div id = "log">F</div>'],
  ])('inserts into the element with the id, %s', (_, html, expected) => {
    expect(insertIntoHtml(html, 'F', 'before-body-end', 'log')).toBe(expected);
  });

  it.each([
    ['another id', '<body><pre id="logs"></pre></body>'],
    ['an id in a comment', '<body><!-- <pre id="log"> --></body>'],
    ['an id in a script', '<body><script>x="<pre id=log>"</script></body>'],
    ['a data-id attribute', '<body><pre data-id="log"></pre></body>'],
    ['the id on an end tag', '<body></pre id="log"></body>'],
  ])('falls back to the position when there is only %s', (_, html) => {
    expect(insertIntoHtml(html, 'F', 'before-body-end', 'log')).toBe(
      html.replace('</body>', 'F</body>'),
    );
  });

  it('takes the first of duplicate id attributes', () => {
    expect(insertIntoHtml('<p id=a id=log>x', 'F', 'after-body-start', 'log')).toBe(
      'F<p id=a id=log>x',
    );
  });

  it.each([
    ['an unterminated comment', '<body>x<!-- </body>'],
    ['an unterminated tag', '<body>x<a href="</body>'],
    ['an unterminated script', '<body>x<script></body>'],
    ['a lone <', '<body>x <'],
  ])('appends when the page ends inside %s', (_, html) => {
    expect(insertIntoHtml(html, 'F', 'before-body-end')).toBe(`${html}F`);
  });

  it('keeps the page around the fragment whatever the input', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(
            '<',
            '>',
            '/',
            '!',
            '-',
            '"',
            "'",
            '=',
            ' ',
            'body',
            'script',
            'id',
            'x',
          ),
        }),
        fc.constantFrom('before-body-end' as const, 'after-body-start' as const),
        fc.option(fc.constant('x'), { nil: undefined }),
        (html, where, id) => {
          const out = insertIntoHtml(html, F, where, id);
          const at = out.indexOf(F);
          expect(at).toBeGreaterThanOrEqual(0);
          expect(out.slice(0, at) + out.slice(at + F.length)).toBe(html);
        },
      ),
    );
  });
});

describe('htmlInsertionPoint', () => {
  it('says when the place is inside the element with the id', () => {
    expect(htmlInsertionPoint('<body><pre id=log></pre>', 'after-body-start', 'log')).toEqual({
      offset: 18,
      intoElement: true,
    });
  });

  it('says when it fell back to the position', () => {
    expect(htmlInsertionPoint('<body><pre></pre>', 'after-body-start', 'log')).toEqual({
      offset: 6,
      intoElement: false,
    });
  });

  it('keeps a byte order mark first', () => {
    expect(htmlInsertionPoint('\uFEFF<p>x', 'after-body-start').offset).toBe(1);
  });
});

describe('readHtmlResponse', () => {
  const html = (
    body: BodyInit | null,
    headers: Record<string, string> = {},
    status = 200,
  ): Response =>
    new Response(body, {
      status,
      headers: { 'content-type': 'text/html; charset=utf-8', ...headers },
    });

  it('reads an HTML body as text', async () => {
    expect(await readHtmlResponse(html('<p>é</p>'), 100)).toBe('<p>é</p>');
  });

  it('keeps a byte order mark in the text', async () => {
    expect(await readHtmlResponse(html('\uFEFF<p>'), 100)).toBe('\uFEFF<p>');
  });

  it.each([
    ['another type', html('x', { 'content-type': 'text/plain' })],
    ['no content type', new Response(new Blob(['<p>']))],
    ['a gzip body', html('x', { 'content-encoding': 'gzip' })],
    ['a Latin-1 charset', html('x', { 'content-type': 'text/html; charset=iso-8859-1' })],
    ['bytes that are not UTF-8', html(new Uint8Array([0x3c, 0xff, 0x3e]))],
    ['a 206 part', html('x', {}, 206)],
    ['no body', html(null, {}, 204)],
    ['a declared length over the limit', html('x'.repeat(11), { 'content-length': '11' })],
  ])('answers undefined for %s', async (_, response) => {
    expect(await readHtmlResponse(response, 10)).toBeUndefined();
  });

  it('reads application/xhtml+xml when asked to', async () => {
    const response = html('<p/>', { 'content-type': 'application/xhtml+xml' });
    expect(await readHtmlResponse(response, 10, { types: ['application/xhtml+xml'] })).toBe('<p/>');
  });

  it('leaves a streamed body over the limit whole for the original response', async () => {
    const chunks = ['<p>', 'a'.repeat(8), 'b'.repeat(8), '</p>'];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const response = html(stream);
    expect(await readHtmlResponse(response, 10)).toBeUndefined();
    expect(await response.text()).toBe(`<p>${'a'.repeat(8)}${'b'.repeat(8)}</p>`);
  });

  it('leaves a failing stream to fail where the response is sent', async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.error(new Error('upstream went away'));
      },
    });
    const response = html(stream);
    expect(await readHtmlResponse(response, 10)).toBeUndefined();
    await expect(response.text()).rejects.toThrow('upstream went away');
  });
});

describe('withHtmlBody', () => {
  it('keeps status and headers and drops the old length, validator and digests', async () => {
    const old = new Response('old', {
      status: 404,
      statusText: 'Gone Fishing',
      headers: {
        'content-type': 'text/html',
        'content-length': '3',
        etag: '"v1"',
        'content-digest': 'sha-256=:x:',
        'set-cookie': 'a=1',
        'x-kept': 'yes',
      },
    });
    const res = withHtmlBody(old, '<p>né</p>');
    expect(res.status).toBe(404);
    expect(res.statusText).toBe('Gone Fishing');
    expect(Object.fromEntries(res.headers)).toEqual({
      'content-type': 'text/html',
      'set-cookie': 'a=1',
      'x-kept': 'yes',
    });
    expect(await res.text()).toBe('<p>né</p>');
  });
});
