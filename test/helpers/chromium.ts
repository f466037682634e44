/**
 * Debian's Chromium, headless, for the tests that need a real browser (compression decoding, the
 * error page screenshot). CI installs it with apt; without it those tests skip, saying why.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Debian installs Chromium. */
export const CHROMIUM = '/usr/bin/chromium';

/** True when Chromium is installed. */
export const hasChromium: boolean = existsSync(CHROMIUM);

/**
 * Launches headless Chromium with the flags a closed, root-run sandbox needs: no sandbox, no GPU,
 * no QUIC, and none of the background connections to Google's hosts that this network refuses.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
