/**
 * compress() against headless Chromium: each coding the browser asks for, it decodes back to the
 * page and the data the page fetches. Over HTTPS, because browsers offer `br` and `zstd` only on
 * secure connections. Skipped, saying why, where /usr/bin/chromium is not installed.
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  removeCertificate,
  selfSignedCertificate,
  type SelfSigned,
} from '../../test/helpers/tls.ts';
import type { Handler } from '../core/handler.ts';
import { serve, type TrowelServer } from '../server/index.ts';
import { compress, HAS_ZSTD, type Encoding } from './index.ts';
import { hasChromium, launchChromium } from '../../test/helpers/chromium.ts';

const ENCODINGS: Encoding[] = HAS_ZSTD
  ? ['gzip', 'deflate', 'br', 'zstd']
  : ['gzip', 'deflate', 'br'];
const TEXT = Array.from({ length: 300 }, (_, i) => `Sentence ${i} of the article.`).join(' ');
const DATA = { items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item ${i}` })) };
const PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>compressed</title></head>
<body><p id="text">${TEXT}</p>
<script>
  fetch('data.json').then((r) => r.json()).then((data) => {
    document.body.dataset.items = String(data.items.length);
  });
</script></body></html>`;

/** What the browser asked for, per request path. */
const asked = new Map<string, string>();

const app: Handler = (request) => {
  const url = new URL(request.url);
  asked.set(url.pathname, request.headers.get('accept-encoding') ?? '');
  if (url.pathname.endsWith('/data.json')) return Response.json(DATA);
  return new Response(PAGE, { headers: { 'content-type': 'text/html; charset=utf-8' } });
};

/** `/<coding>/…` is served by a compress() that offers only that coding. */
const perEncoding = new Map(ENCODINGS.map((e) => [e, compress({ encodings: [e] })(app)]));
const root: Handler = (request, ctx) => {
  const coding = new URL(request.url).pathname.split('/')[1] ?? '';
  const handler = perEncoding.get(coding as Encoding);
  return handler ? handler(request, ctx) : new Response('no such coding', { status: 404 });
};

describe.skipIf(!hasChromium)('compress() in headless Chromium', () => {
  let tls: SelfSigned | undefined;
  let server: TrowelServer;
  let browser: Browser;
  let context: BrowserContext;

  beforeAll(async () => {
    tls = await selfSignedCertificate({ subjectAltName: 'IP:127.0.0.1' });
    server = await serve(root, {
      port: 0,
      host: '127.0.0.1',
      tls: { cert: tls.cert, key: tls.key },
    });
    browser = await launchChromium();
    context = await browser.newContext({ ignoreHTTPSErrors: true });
  }, 60_000);

  afterAll(async () => {
    await context.close();
    await browser.close();
    await server.close({ timeout: 0 });
    await removeCertificate(tls);
  });

  it.for(ENCODINGS)('shows the page and its data sent in %s', async (encoding, { skip }) => {
    const page = await context.newPage();
    try {
      const data = page.waitForResponse((r) => r.url().endsWith('/data.json'));
      const response = await page.goto(`${server.url}/${encoding}/index.html`);
      const accepted = asked.get(`/${encoding}/index.html`) ?? '';
      if (!accepted.split(',').some((c) => c.trim().split(';')[0] === encoding)) {
        skip(`this Chromium does not ask for ${encoding} (Accept-Encoding: ${accepted})`);
      }
      expect(response?.status()).toBe(200);
      expect((await response?.allHeaders())?.['content-encoding']).toBe(encoding);
      expect(await page.textContent('#text')).toBe(TEXT);
      await page.waitForSelector('body[data-items]');
      expect(await page.getAttribute('body', 'data-items')).toBe('200');
      expect((await (await data).allHeaders())['content-encoding']).toBe(encoding);
    } finally {
      await page.close();
    }
  });
});
