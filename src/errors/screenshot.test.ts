import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start } from '../../test/server/helpers.ts';
import { errors } from './index.ts';
import { hasChromium, launchChromium } from '../../test/helpers/chromium.ts';

describe.skipIf(!hasChromium)(
  'the debug page in headless Chromium (needs /usr/bin/chromium)',
  () => {
    let browser: Browser;
    let dir: string;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'trowel-errors-'));
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser.close();
      await rm(dir, { recursive: true, force: true });
    });

    it.each(['html', 'cgitb'] as const)(
      'renders the %s layout with the error, its source and no injected script',
      async (format) => {
        const app = errors({ debug: true, format, log: () => undefined })(() => {
          throw new RangeError('quantity <script>window.__pwned = true</script> out of range');
        });
        const server = await start(app);
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        try {
          const response = await page.goto(`${server.url}/cart?item=<img src=x onerror=alert(1)>`);
          expect(response?.status()).toBe(500);
          expect(await page.title()).toMatch(
            /^RangeError: quantity <script>window\.__pwned = true<\/script> out of range · E-[2-9A-Z]{5}$/,
          );
          expect(await page.locator('h1').first().innerText()).toBe('RangeError');
          // The innermost frame is first in trowel's layout, last in cgitb's.
          const here = page.locator('.here');
          const thrower = format === 'html' ? here.first() : here.last();
          expect(await thrower.innerText()).toContain('throw new RangeError');
          expect(await page.evaluate(() => 'alert' in window && !('__pwned' in window))).toBe(true);
          expect(await page.locator('script, img').count()).toBe(0);
          const file = join(dir, `debug-${format}.png`);
          await page.screenshot({ path: file, fullPage: true });
          expect((await stat(file)).size).toBeGreaterThan(20_000);
        } finally {
          await page.close();
        }
      },
    );
  },
);
