/**
 * Debian's headless Chromium through playwright-core, started the way this machine's closed network needs:
 * no background networking, component updates or sync, so the only requests are the page's own.
 */
import { type BrowserContext, chromium } from 'playwright-core';

export function launchChromium(profileDir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: '/usr/bin/chromium',
    headless: true,
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
    viewport: { width: 1280, height: 1000 },
  });
}
