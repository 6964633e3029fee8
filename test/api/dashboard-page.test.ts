/**
 * The operations page in real headless Chromium: sign in with a viewer token, five bank tiles, the bank with an
 * open breaker drawn red. Saves test/artifacts/dashboard.png for CI.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpServer, serveHttp } from '../../src/infra/runtime/http.ts';
import { createTestApp, type TestApp } from '../../src/routes/test-helpers.ts';
import { launchChromium } from '../support/chromium.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { seedMonitorData } from './seed.ts';

let db: TestDatabase;
let t: TestApp;
let server: HttpServer;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  db = await openTestDatabase();
  t = await createTestApp(db.db);
  await seedMonitorData(db.db);
  server = await serveHttp(t.app.fetch, { port: 0, host: '127.0.0.1' });
  profile = mkdtempSync(join(tmpdir(), 'bsm-chromium-'));
  browser = await launchChromium(profile);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** Runs in the page: the computed CSS value of one property (the test's TypeScript has no DOM lib). */
const cssOf = (el: unknown, prop: string) =>
  (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(el)[
    prop
  ] as string;

describe('operations dashboard page', () => {
  it('signs in with a viewer token and shows five tiles, the open breaker in red', async () => {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${server.port}/`);
    await page.fill('#token', t.viewer);
    await Promise.all([page.waitForURL(`http://127.0.0.1:${server.port}/`), page.click('button[type=submit]')]);
    await page.waitForSelector('section.tile');

    expect(await page.locator('section.tile').count()).toBe(5);
    const ctbc = page.locator('section.tile[data-bank="ctbc"]');
    expect(await ctbc.locator('.breaker').textContent()).toBe('open');
    const badge = await ctbc.locator('.breaker').evaluate(cssOf, 'backgroundColor');
    expect(badge).toBe('rgb(198, 40, 40)');
    const border = await ctbc.evaluate(cssOf, 'borderLeftColor');
    expect(border).toBe('rgb(198, 40, 40)');
    const megaBadge = await page.locator('section.tile[data-bank="mega"] .breaker').evaluate(cssOf, 'backgroundColor');
    expect(megaBadge).toBe('rgb(46, 125, 50)');

    expect(await page.locator('#batches tbody tr').count()).toBe(2);
    expect(await page.locator('#exceptions tbody tr').count()).toBe(1);
    expect(await page.locator('svg.chart rect.bar').count()).toBe(7);
    const cookies = await browser.cookies();
    expect(cookies.find((c) => c.name === 'bsm_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    mkdirSync('test/artifacts', { recursive: true });
    await page.screenshot({ path: 'test/artifacts/dashboard.png', fullPage: true });
  });
});
