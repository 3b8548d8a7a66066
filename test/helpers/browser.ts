/**
 * Headless Chromium for the UI tests: Debian's package, driven by playwright-core, with the
 * flags this machine needs (no sandbox as root, no background or update traffic offline).
 */
import { chromium, type Browser } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
    timeout: 60_000,
  });
}
