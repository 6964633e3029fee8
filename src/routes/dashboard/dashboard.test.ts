/**
 * The dashboard cache on a simulated clock: answers within `cacheMs` are reused; an older value is still
 * answered at once while one refresh runs (no caller waits on the database when the cache expires); after
 * `2 × cacheMs` without callers the next answer is fresh.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { createTestApp, type TestApp } from '../test-helpers.ts';
import { DashboardSchema } from './dashboard.routes.ts';

let db: TestDatabase;
let t: TestApp;

beforeAll(async () => {
  db = await openTestDatabase();
  t = await createTestApp(db.db, { dashboardCacheMs: 5_000 });
});
afterAll(async () => {
  await db?.close();
});

const start = new Date('2026-11-26T09:00:00+08:00');
const at = (seconds: number) => new Date(start.getTime() + seconds * 1000);

async function dashboard() {
  const response = await t.app.request('/api/v1/banking-monitor/dashboard?days=7', { headers: t.as(t.viewer) });
  expect(response.status).toBe(200);
  const body = DashboardSchema.parse(await response.json());
  const ctbcToday = body.banks.find((b) => b.bank_code === 'ctbc')?.days.find((d) => d.date === '2026-11-26');
  return { generatedAt: body.generated_at, ctbcTransfers: ctbcToday?.transfers.total };
}

async function transferAtCtbc() {
  await db.db
    .insertInto('transfers')
    .values({
      bank_code: 'ctbc',
      direction: 'upload',
      remote_path: '/incoming/payments/PAY_20261126_0001.txt',
      duration_ms: 120,
      result: 'success',
      started_at: at(-3600),
    })
    .execute();
}

describe('dashboard cache', () => {
  it('reuses, then answers stale while refreshing, then waits for fresh figures after a long idle', async () => {
    t.clock.now = at(0);
    expect(await dashboard()).toEqual({ generatedAt: '2026-11-26T09:00:00.000+08:00', ctbcTransfers: 0 });

    await transferAtCtbc();
    t.clock.now = at(4);
    expect(await dashboard()).toEqual({ generatedAt: '2026-11-26T09:00:00.000+08:00', ctbcTransfers: 0 });

    // expired: the previous figures come back at once, and the refresh started by this call lands shortly
    t.clock.now = at(6);
    expect(await dashboard()).toEqual({ generatedAt: '2026-11-26T09:00:00.000+08:00', ctbcTransfers: 0 });
    await vi.waitFor(async () =>
      expect(await dashboard()).toEqual({ generatedAt: '2026-11-26T09:00:06.000+08:00', ctbcTransfers: 1 }),
    );

    // nobody asked for more than 2 × cacheMs: the next caller gets fresh figures, not 17-second-old ones
    await transferAtCtbc();
    t.clock.now = at(17);
    expect(await dashboard()).toEqual({ generatedAt: '2026-11-26T09:00:17.000+08:00', ctbcTransfers: 2 });
  });
});
