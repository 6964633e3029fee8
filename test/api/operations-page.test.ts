/**
 * The operations page and Swagger UI in real headless Chromium with the network off: every request that is
 * not to the service on 127.0.0.1 is recorded and aborted, and the test fails if there was any. An operator
 * acts from the page (retry, resolve, re-date) and each action is in the audit log; a viewer gets no buttons and
 * a forged form post is refused; sign-out ends the session; a batch change arrives over SSE without a reload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { listAudit } from '../../src/infra/db/repositories/audit-log.ts';
import { type HttpServer, serveHttp } from '../../src/infra/runtime/http.ts';
import { createTestApp, type TestApp } from '../../src/routes/test-helpers.ts';
import { launchChromium } from '../support/chromium.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { type Seeded, seedMonitorData } from './seed.ts';

let db: TestDatabase;
let t: TestApp;
let seeded: Seeded;
let server: HttpServer;
let browser: BrowserContext;
let profile: string;
let base: string;
const offNetwork: string[] = [];

beforeAll(async () => {
  db = await openTestDatabase();
  seeded = await seedMonitorData(db.db);
  t = await createTestApp(db.db, { eventsPollMs: 100 });
  server = await serveHttp(t.app.fetch, { port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${server.port}`;
  profile = mkdtempSync(join(tmpdir(), 'bsm-chromium-'));
  browser = await launchChromium(profile);
  // the network is off: only the service under test answers
  await browser.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(`${base}/`) || url === base) return route.continue();
    offNetwork.push(url);
    return route.abort('internetdisconnected');
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  expect(offNetwork).toEqual([]);
});

beforeEach(async () => {
  await browser.clearCookies();
});

async function signIn(page: Page, token: string) {
  await page.goto(`${base}/`);
  await page.fill('#token', token);
  await Promise.all([page.waitForURL(`${base}/`), page.click('form.login button[type=submit]')]);
  await page.waitForSelector('section.tile');
}

describe('Swagger UI', () => {
  it('renders the operations list from the service itself, with no request leaving the machine', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/docs`);
    await page.waitForSelector('.opblock-summary', { timeout: 20_000 });
    const operations = await page.locator('.opblock-summary-path').allTextContents();
    expect(operations).toContain('/api/v1/banking-monitor/health');
    expect(operations).toContain('/api/v1/banking-monitor/events');
    expect(operations.length).toBeGreaterThan(15);
    expect(errors).toEqual([]);
    expect(offNetwork).toEqual([]);
    await page.close();
  }, 60_000);
});

describe('operations page', () => {
  it('an operator retries a queue entry, resolves an exception and re-dates a batch; each is audited', async () => {
    const page = await browser.newPage();
    const cspViolations: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
    await signIn(page, t.operator);

    const retryRow = page.locator(`#retry-queue tr[data-entry="${seeded.retryEntryId}"]`);
    await Promise.all([page.waitForURL(`${base}/`), retryRow.locator('button', { hasText: 'Retry now' }).click()]);
    expect(await page.locator('#flash').textContent()).toContain(`Retry-queue entry ${seeded.retryEntryId}`);

    const exceptionRow = page.locator(`#exceptions tr[data-exception="${seeded.exceptionId}"]`);
    await exceptionRow.locator('input[name=resolution]').fill('bank confirmed the return by phone');
    await Promise.all([page.waitForURL(`${base}/`), exceptionRow.locator('button', { hasText: 'Resolve' }).click()]);
    expect(await page.locator('#flash').textContent()).toContain(`Exception ${seeded.exceptionId} is resolved`);
    expect(await page.locator(`#exceptions tr[data-exception="${seeded.exceptionId}"]`).count()).toBe(0);

    const batchRow = page.locator('#decisions tr[data-batch="MEGA202611260002"]');
    await batchRow.locator('input[name=value_date]').fill('2026-11-27');
    await Promise.all([page.waitForURL(`${base}/`), batchRow.locator('button', { hasText: 'Re-date' }).click()]);
    expect(await page.locator('#flash').getAttribute('class')).toBe('flash');

    const audit = (await listAudit(db.db, { limit: 10 })).reverse();
    const actions = audit.map((a) => ({ action: a.action, actor: a.actor, result: a.result, via: a.details.via }));
    expect(actions).toEqual(
      expect.arrayContaining([
        {
          action: 'retry_queue.retry',
          actor: expect.stringMatching(/^test-operator#/),
          result: 'success',
          via: 'page',
        },
        {
          action: 'exception.resolve',
          actor: expect.stringMatching(/^test-operator#/),
          result: 'success',
          via: 'page',
        },
        { action: 'batch.redate', actor: expect.stringMatching(/^test-operator#/), result: 'success', via: 'page' },
      ]),
    );
    expect(t.ports.calls.map((c) => c.method)).toEqual(expect.arrayContaining(['retryNow', 'redateBatch']));
    const redate = t.ports.calls.find((c) => c.method === 'redateBatch');
    expect(redate?.args.slice(0, 2)).toEqual([seeded.missedBatchId, '2026-11-27']);
    expect(cspViolations).toEqual([]);
    await page.close();
  }, 60_000);

  it('a viewer sees no action buttons, and a form post without the CSRF token is refused', async () => {
    const page = await browser.newPage();
    await signIn(page, t.viewer);
    expect(await page.locator('#live-content form').count()).toBe(0);
    expect(await page.locator('#retry-queue tbody tr').count()).toBeGreaterThan(0);
    const before = t.ports.calls.length;
    // a forged post from the signed-in browser: the session cookie goes along, the CSRF token does not
    const status = await page.evaluate(async (entry) => {
      const res = await fetch(`/actions/retry/${entry}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: '',
      });
      return res.status;
    }, seeded.retryEntryId);
    expect(status).toBe(403);
    expect(t.ports.calls.length).toBe(before);
    await page.close();
  }, 60_000);

  it('sign-out revokes the session', async () => {
    const page = await browser.newPage();
    await signIn(page, t.viewer);
    const session = (await browser.cookies()).find((c) => c.name === 'bsm_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    await Promise.all([page.waitForURL(`${base}/`), page.click('header button[type=submit]')]);
    await page.waitForSelector('#token');
    // the cookie a thief might have copied before sign-out no longer opens the page
    const replay = await fetch(`${base}/`, { headers: { cookie: `bsm_session=${session!.value}` } });
    expect(await replay.text()).toContain('name="token"');
    await page.close();
  }, 60_000);

  it('shows a batch state change without a reload, over the event stream', async () => {
    const page = await browser.newPage();
    await signIn(page, t.viewer);
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as { document: { getElementById(id: string): { textContent: string } } }
        ).document.getElementById('live').textContent === 'live',
    );
    await db.db
      .insertInto('batch_state_history')
      .values({
        batch_id: seeded.uploadedBatchId,
        from_state: 'uploaded',
        to_state: 'confirmed',
        actor: 'reconciliation',
      })
      .execute();
    await db.db
      .updateTable('payment_batches')
      .set({ state: 'confirmed' })
      .where('id', '=', seeded.uploadedBatchId)
      .execute();
    await page.waitForSelector('body[data-refreshed]', { timeout: 5_000 });
    expect(await page.locator('body').getAttribute('data-last-event')).toContain('"to_state":"confirmed"');
    expect(await page.locator('#batches').textContent()).toContain('confirmed');
    await page.close();
  }, 60_000);

  it('shows a batch on its own page, accounts masked to the last four digits', async () => {
    const page = await browser.newPage();
    await signIn(page, t.viewer);
    await Promise.all([page.waitForURL(/\/batches\/\d+$/), page.locator('#batches a').first().click()]);
    const text = (await page.locator('#batch-transactions').textContent()) ?? '';
    expect(text).toMatch(/\*\*\*\*900\d/);
    expect(await page.locator('#batch-states tbody tr').count()).toBeGreaterThan(0);
    await page.close();
  }, 60_000);
});
