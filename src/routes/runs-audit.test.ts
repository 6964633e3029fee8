import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { createTestApp, type TestApp } from './test-helpers.ts';

let db: TestDatabase;
let t: TestApp;
const API = '/api/v1/banking-monitor';

beforeAll(async () => {
  db = await openTestDatabase();
  t = await createTestApp(db.db);
});
afterAll(async () => {
  await db?.close();
});

describe('payment runs', () => {
  it('POST /batches/generate points Location at the run, and GET /runs/{id} reads it', async () => {
    t.ports.nextRun = { runId: 'run-20261126-0912-a1b2' };
    const started = await t.app.request(`${API}/batches/generate`, { method: 'POST', headers: t.as(t.operator) });
    expect(started.status).toBe(202);
    const location = started.headers.get('location');
    expect(location).toBe(`${API}/runs/run-20261126-0912-a1b2`);
    expect((await t.app.request(location!, { headers: t.as(t.viewer) })).status).toBe(404);
    // the workflow writes the run row; the fake ports do not, so write what it would
    await db.db
      .insertInto('payment_runs')
      .values({
        id: 'run-20261126-0912-a1b2',
        trigger: 'api',
        value_date: '2026-11-26',
        bank_codes: JSON.stringify(['mega']),
        status: 'running',
      })
      .execute();
    const run = await t.app.request(location!, { headers: t.as(t.viewer) });
    expect(run.status).toBe(200);
    expect(await run.json()).toMatchObject({
      run_id: 'run-20261126-0912-a1b2',
      status: 'running',
      bank_codes: ['mega'],
      batches: [],
      finished_at: null,
    });
  });
});

describe('GET /audit', () => {
  it('is for operators, newest first, filtered by since, actor and action', async () => {
    expect((await t.app.request(`${API}/audit`, { headers: t.as(t.viewer) })).status).toBe(403);
    const body = async (path: string) => (await t.app.request(path, { headers: t.as(t.operator) })).json();
    const all = (await body(`${API}/audit`)) as { items: Array<{ action: string; actor: string; at: string }> };
    // only changes are audited (reads are not), so this is the run started above
    expect(all.items.map((e) => e.action)).toEqual(['payment_run.trigger']);
    const byAction = (await body(`${API}/audit?action=payment_run.trigger`)) as typeof all;
    expect(byAction.items.length).toBeGreaterThan(0);
    expect(byAction.items.every((e) => e.action === 'payment_run.trigger')).toBe(true);
    const byActor = (await body(`${API}/audit?actor=${encodeURIComponent('nobody#99')}`)) as typeof all;
    expect(byActor.items).toEqual([]);
    const future = encodeURIComponent('2099-01-01T00:00:00+08:00');
    expect(((await body(`${API}/audit?since=${future}`)) as typeof all).items).toEqual([]);
    const bad = await t.app.request(`${API}/audit?since=yesterday`, { headers: t.as(t.operator) });
    expect(bad.status).toBe(400);
  });
});

describe('/metrics behind a token', () => {
  it('answers 401 without a token and the exposition with one, when required', async () => {
    const { Hono } = await import('hono');
    const metrics = new Hono().get('/metrics', (c) => c.text('banking_up 1\n'));
    const app = await createTestApp(db.db, { metrics, metricsRequireToken: true });
    expect((await app.app.request('/metrics')).status).toBe(401);
    const ok = await app.app.request('/metrics', { headers: app.as(app.viewer) });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('banking_up 1\n');
    const open = await createTestApp(db.db, { metrics });
    expect((await open.app.request('/metrics')).status).toBe(200);
  });
});
