/**
 * Value dates and ad-hoc closures through the real API on the real system (sandbox banks, simulated clock):
 * - POST /batches/generate and POST /batches/{id}/redate refuse a weekend, a holiday, a closure, a past date and
 *   a date whose cutoff has passed, with problem+json naming the date and the reason, and build nothing;
 * - a closure declared at 05:00 on one of two instances sharing the database stops that day's 06:00 run on both,
 *   with the audit row, and both instances' calendars show it without a restart.
 * On PGlite the two instances share one embedded database; with TEST_DATABASE_URL each has its own connection.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../src/infra/db/connect.ts';
import { createApiToken } from '../src/infra/db/repositories/api-tokens.ts';
import { createLogger } from '../src/infra/telemetry/logger.ts';
import { createApp } from '../src/routes/create-app.ts';
import { type Simulation, startSimulation } from '../src/workflows/simulation.ts';
import { type Harness, startHarness, taipei } from './support/system-harness.ts';

const DAY = '2026-12-08'; // a Tuesday
const API = '/api/v1/banking-monitor';

function appFor(h: { database: DatabaseHandle; ops: Simulation['ops']; now(): Date }, config: Harness['config']) {
  return createApp({
    db: h.database.db,
    dbKind: h.database.kind,
    monitor: {
      banks: config.banks.map((b) => ({ bank_code: b.bank_code, bank_name: b.bank_name, cutoff_time: b.cutoff_time })),
      ports: h.ops.ports,
    },
    now: () => h.now(),
  });
}

async function call(app: ReturnType<typeof createApp>, token: string, method: string, path: string, body?: unknown) {
  const response = await app.request(`${API}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  };
}

describe('value dates refused on generate and re-date', () => {
  let h: Harness;
  let app: ReturnType<typeof createApp>;
  let token: string;
  let missedId: number;
  beforeAll(async () => {
    // 15:10: esun's cutoff (15:00) has passed, mega's (15:30) has not
    h = await startHarness({ start: taipei(DAY, '15:10'), seedInvoices: false });
    app = appFor(h, h.config);
    token = (await createApiToken(h.database.db, { name: 'ops', role: 'operator' })).token;
    await call(app, token, 'POST', '/calendar/closures', { date: '2026-12-10', reason: '颱風假' });
    const batch = await h.database.db
      .insertInto('payment_batches')
      .values({
        bank_code: 'mega',
        value_date: '2026-12-07',
        batch_seq: 1,
        batch_number: 'MEGA202612070001',
        file_format: 'fixed_width',
        file_name: 'PAY_20261207_0001.txt',
        state: 'cutoff_missed',
        transaction_count: 0,
        total_cents: 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    missedId = batch.id;
  }, 120_000);
  afterAll(() => h?.stop());

  const cases: Array<[string, string, string[], number, string]> = [
    ['a Sunday', '2026-12-13', ['mega'], 400, 'weekend'],
    ['a holiday', '2026-12-25', ['mega'], 400, 'holiday'],
    ['a closure', '2026-12-10', ['mega'], 409, 'closure'],
    ['a past date', '2026-12-01', ['mega'], 400, 'past'],
    ['today after the bank cutoff', DAY, ['esun'], 409, 'after_cutoff'],
  ];

  it.each(cases)('generate refuses %s (%s) and builds nothing', async (_, date, banks, status, reason) => {
    const r = await call(app, token, 'POST', '/batches/generate', { value_date: date, bank_codes: banks });
    expect(r.status).toBe(status);
    expect(r.type).toContain('application/problem+json');
    expect(r.body!.detail).toContain(date);
    expect(r.body!.errors).toEqual([
      expect.objectContaining({ field: 'value_date', message: expect.stringContaining(reason) }),
    ]);
    // (the start-up catch-up of the missed 06:00 run is for today; nothing is ever run for the refused date)
    const runs = await h.database.db.selectFrom('payment_runs').select(['value_date', 'bank_codes']).execute();
    expect(runs.filter((run) => run.value_date === date && (run.bank_codes as string[]).includes(banks[0]!))).toEqual(
      [],
    );
  });

  it.each(cases)('re-date refuses %s (%s); the batch keeps waiting', async (_, date, banks, status, reason) => {
    if (banks[0] === 'esun') {
      await h.database.db
        .updateTable('payment_batches')
        .set({ bank_code: 'esun' })
        .where('id', '=', missedId)
        .execute();
    }
    const r = await call(app, token, 'POST', `/batches/${missedId}/redate`, { value_date: date });
    expect(r.status).toBe(status);
    expect(r.body!.detail).toContain(date);
    expect(JSON.stringify(r.body!.errors)).toContain(reason);
    const batch = await h.database.db
      .selectFrom('payment_batches')
      .select('state')
      .where('id', '=', missedId)
      .executeTakeFirstOrThrow();
    expect(batch.state).toBe('cutoff_missed');
    expect(await h.database.db.selectFrom('payment_batches').select('id').execute()).toHaveLength(1);
  });

  it('accepts a business day before the cutoff', async () => {
    const r = await call(app, token, 'POST', '/batches/generate', { value_date: DAY, bank_codes: ['mega'] });
    expect(r.status).toBe(202);
    await h.ops.idle();
  });
});

describe('a closure declared at 05:00 stops the 06:00 run on both instances', () => {
  let a: Harness;
  let b: Simulation & { database: DatabaseHandle };
  let ownConnection: DatabaseHandle | null = null;
  beforeAll(async () => {
    a = await startHarness({ start: taipei(DAY, '04:55'), calendarPollMs: 200 });
    // the second instance: same database, same banks; the first instance serves the sandbox banks
    const database = (a.database as { url?: string }).url
      ? await connectDatabase({ url: (a.database as { url?: string }).url!, poolMax: 5 })
      : a.database;
    if (database !== a.database) ownConnection = database;
    const sim = await startSimulation({
      config: { ...a.config, sandbox: { ...a.config.sandbox, enabled: false } },
      database: { ...database, close: async () => {} },
      logger: createLogger({ level: 'warn', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
      start: taipei(DAY, '04:55'),
      instanceId: 'second',
      calendarPollMs: 200,
    }).catch((error: unknown) => {
      throw error;
    });
    b = { ...sim, database };
  }, 180_000);
  afterAll(async () => {
    await b?.stop();
    await ownConnection?.close();
    await a?.stop();
  });

  it('no run, no batch, the audit row, and both calendars show the closure', async () => {
    await Promise.all([a.advanceTo(taipei(DAY, '05:00')), b.advanceTo(taipei(DAY, '05:00'))]);
    const token = (await createApiToken(a.database.db, { name: 'ops-alice', role: 'operator' })).token;
    const r = await call(appFor(b, a.config), token, 'POST', '/calendar/closures', {
      date: DAY,
      reason: '颱風假 台北市停班',
    });
    expect(r.status).toBe(201);
    // every instance applies it within 10 s, without a restart
    await vi.waitFor(
      () => {
        expect(a.ops.calendar().isBusinessDay(DAY)).toBe(false);
        expect(b.ops.calendar().isBusinessDay(DAY)).toBe(false);
      },
      { timeout: 10_000, interval: 100 },
    );
    for (let t = taipei(DAY, '05:05').getTime(); t <= taipei(DAY, '06:30').getTime(); t += 5 * 60_000) {
      await Promise.all([a.advanceTo(new Date(t)), b.advanceTo(new Date(t))]);
    }
    const db = a.database.db;
    expect(await db.selectFrom('payment_runs').select('id').execute()).toEqual([]);
    expect(await db.selectFrom('payment_batches').select('id').execute()).toEqual([]);
    const generateTicks = await db
      .selectFrom('tick_dispatch')
      .select('event')
      .where('event', '=', 'PAYMENTS.GENERATE')
      .execute();
    expect(generateTicks).toEqual([]);
    const pending = await db.selectFrom('invoices').select('status').where('status', '!=', 'pending').execute();
    expect(pending).toEqual([]);
    const audit = await db
      .selectFrom('audit_log')
      .select(['actor', 'action', 'target', 'details', 'result', 'at'])
      .where('action', '=', 'calendar.close')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'calendar.close', target: DAY, result: 'success' });
    expect(audit[0]!.actor).toContain('ops-alice');
    expect(audit[0]!.details).toMatchObject({ reason: '颱風假 台北市停班' });
  }, 300_000);
});
