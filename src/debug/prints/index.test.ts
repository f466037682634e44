import { setTimeout as sleep } from 'node:timers/promises';
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { isConfigError } from '../../core/config-error.ts';
import { Context } from '../../core/context.ts';
import type { Handler } from '../../core/handler.ts';
import { serve } from '../../server/index.ts';
import { TestApp } from '../../testing/index.ts';
import { PRINTS, prints, type PrintsOptions } from './index.ts';

const HTML = { 'content-type': 'text/html; charset=utf-8' };
const page = (body = '<p>content</p>'): Response =>
  new Response(`<!DOCTYPE html><html><head></head><body>${body}</body></html>`, { headers: HTML });

const call = async (
  handler: Handler,
  options: PrintsOptions = {},
  remoteAddr = '127.0.0.1',
): Promise<Response> => {
  const request = new Request('http://localhost/');
  return prints({ tee: false, ...options })(handler)(request, new Context(request, { remoteAddr }));
};

/** The captured text shown in a page, whichever way it was put there. */
const shown = (html: string): string => cheerio.load(html)('body > details pre').text();

describe('prints()', () => {
  it('shows the output of a request in a box right after <body>, escaped', async () => {
    const app = new TestApp(
      prints({ tee: false })(() => {
        console.log('rendering <b>home</b> & friends');
        return page();
      }),
    );
    const res = await app.get('/');
    expect(res.text).toMatch(/<body><details open[^>]*><summary[^>]*>Console output/);
    expect(res.text).toContain('rendering &lt;b&gt;home&lt;/b&gt; &amp; friends\n');
    expect(shown(res.text)).toBe('rendering <b>home</b> & friends\n');
    expect(cheerio.load(res.text)('body > p').text()).toBe('content');
  });

  it('puts the output into the page’s <pre id="trowel-debug-prints">', async () => {
    const res = await call(() => {
      console.log('into the pre');
      return page('<h1>t</h1><pre id="trowel-debug-prints"></pre>');
    });
    const text = await res.text();
    expect(text).toContain('<pre id="trowel-debug-prints">into the pre\n</pre>');
    expect(text).not.toContain('<details');
  });

  it('uses the configured id, as Paste’s paste-debug-prints pages need', async () => {
    const res = await call(
      () => {
        console.log('legacy');
        return page('<pre id="paste-debug-prints"></pre>');
      },
      { id: 'paste-debug-prints' },
    );
    expect(await res.text()).toContain('<pre id="paste-debug-prints">legacy\n</pre>');
  });

  it('sets stderr output in red', async () => {
    const res = await call(() => {
      console.error('failed');
      return page();
    });
    expect(await res.text()).toContain('<span style="color:#a00">failed\n</span>');
  });

  it('keeps two concurrent requests’ output apart', async () => {
    const turn = { a: Promise.withResolvers<undefined>(), b: Promise.withResolvers<undefined>() };
    const handler: Handler = async (request) => {
      const name = new URL(request.url).pathname.slice(1) as 'a' | 'b';
      const other = name === 'a' ? 'b' : 'a';
      console.log(`${name} starts`);
      turn[other].resolve(undefined);
      await turn[name].promise;
      await sleep(5);
      console.log(`${name} ends`);
      return page();
    };
    const app = new TestApp(prints({ tee: false })(handler));
    const [a, b] = await Promise.all([app.get('/a'), app.get('/b')]);
    expect(shown(a.text)).toBe('a starts\na ends\n');
    expect(shown(b.text)).toBe('b starts\nb ends\n');
  });

  it('captures output made while the HTML body streams', async () => {
    const res = await call(() => {
      const parts = ['<body>', '<p>streamed</p>', '</body>'];
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const next = parts.shift();
          if (next === undefined) {
            controller.close();
            return;
          }
          console.log(`chunk ${next}`);
          controller.enqueue(new TextEncoder().encode(next));
        },
      });
      return new Response(body, { headers: HTML });
    });
    expect(
      cheerio
        .load(await res.text())('details pre')
        .text(),
    ).toBe('chunk <body>\nchunk <p>streamed</p>\nchunk </body>\n');
  });

  it('leaves out output made after the response was built', async () => {
    const late = Promise.withResolvers<undefined>();
    const res = await call(() => {
      console.log('early');
      setTimeout(() => {
        console.log('late');
        late.resolve(undefined);
      }, 5);
      return page();
    });
    const text = await res.text();
    await late.promise;
    expect(shown(text)).toBe('early\n');
  });

  it('removes Content-Length and the ETag of a page it changes', async () => {
    const res = await call(() => {
      console.log('x');
      return new Response('<body></body>', {
        headers: { ...HTML, 'content-length': '13', etag: '"p1"' },
      });
    });
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('etag')).toBeNull();
  });

  it('leaves a page with no output byte for byte, headers included', async () => {
    const body = '\uFEFF<body>quiet</body>';
    const res = await call(
      () => new Response(body, { headers: { ...HTML, etag: '"q1"', 'x-app': '1' } }),
    );
    expect(res.headers.get('etag')).toBe('"q1"');
    expect(res.headers.get('x-app')).toBe('1');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new TextEncoder().encode(body));
  });

  it('leaves a non-HTML response alone', async () => {
    const res = await call(() => {
      console.log('ignored');
      return Response.json({ ok: true });
    });
    expect(await res.text()).toBe('{"ok":true}');
  });

  it('inserts into any type with force, as Paste’s force_content_type did', async () => {
    const res = await call(
      () => {
        console.log('forced');
        return new Response('plain', { headers: { 'content-type': 'text/plain' } });
      },
      { force: true },
    );
    const text = await res.text();
    expect(text).toMatch(/^<details open[^]*forced\n<\/pre><\/details>plain$/);
    expect(res.headers.get('content-type')).toBe('text/plain');
  });

  it('leaves a response alone when the application skips it through PRINTS', async () => {
    const res = await call((_, ctx) => {
      console.log('secret');
      expect(ctx.get(PRINTS)?.text).toBe('secret\n');
      ctx.get(PRINTS)?.skip();
      return page();
    });
    expect(await res.text()).not.toContain('secret');
  });

  it('sets PRINTS on a child context, not on the caller’s', async () => {
    const request = new Request('http://localhost/');
    const ctx = new Context(request, { remoteAddr: '::1' });
    let seen = false;
    await prints()((_, inner) => {
      seen = inner.get(PRINTS) !== undefined;
      return page();
    })(request, ctx);
    expect([seen, ctx.get(PRINTS)]).toEqual([true, undefined]);
  });

  it('notes how much output went past maxOutput', async () => {
    const res = await call(
      () => {
        console.log('0123456789');
        return page();
      },
      { maxOutput: 4 },
    );
    expect(shown(await res.text())).toBe('0123\n… 7 more characters not kept (maxOutput)\n');
  });

  it('passes a client that is not on loopback through untouched', async () => {
    const res = await call(
      () => {
        console.log('private');
        return page();
      },
      {},
      '203.0.113.9',
    );
    expect(await res.text()).not.toContain('private');
  });

  it('shows output to any client with allowRemote', async () => {
    const res = await call(
      () => {
        console.log('shared');
        return page();
      },
      { allowRemote: true },
      '203.0.113.9',
    );
    expect(shown(await res.text())).toBe('shared\n');
  });

  it('rethrows the application’s error', async () => {
    await expect(
      call(() => {
        console.log('before the crash');
        throw new Error('crash');
      }),
    ).rejects.toThrow('crash');
  });

  it('keeps concurrent requests apart over a real socket', async () => {
    const server = await serve(
      prints({ tee: false })(async (request) => {
        const n = new URL(request.url).searchParams.get('n') ?? '';
        for (let i = 0; i < 3; i++) {
          console.log(`request ${n} line ${String(i)}`);
          await sleep(Math.random() * 5);
        }
        return page();
      }),
      { port: 0, host: '127.0.0.1' },
    );
    try {
      const texts = await Promise.all(
        ['1', '2', '3', '4'].map(async (n) => (await fetch(`${server.url}/?n=${n}`)).text()),
      );
      texts.forEach((text, i) => {
        const n = String(i + 1);
        expect(shown(text)).toBe(`request ${n} line 0\nrequest ${n} line 1\nrequest ${n} line 2\n`);
      });
    } finally {
      await server.close();
    }
  });

  it.each<[string, PrintsOptions]>([
    ['tee', { tee: 'no' as unknown as boolean }],
    ['force', { force: 1 as unknown as boolean }],
    ['id', { id: '' }],
    ['id', { id: 'two words' }],
    ['id', { id: 'a"b' }],
    ['maxOutput', { maxOutput: -1 }],
    ['htmlLimit', { htmlLimit: 1.5 }],
    ['allowRemote', { allowRemote: 'yes' as unknown as boolean }],
  ])('refuses a bad %s with TROWEL_ERR_PRINTS_OPTIONS when built', (name, options) => {
    let error: unknown;
    try {
      prints(options);
    } catch (caught) {
      error = caught;
    }
    expect(isConfigError(error) && error.code).toBe('TROWEL_ERR_PRINTS_OPTIONS');
    expect(isConfigError(error) && error.message).toContain(name);
  });
});
