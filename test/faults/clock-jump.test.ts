/**
 * Fault: the process was not running at 06:00 (down overnight, host suspended) and starts later in the business
 * day. The whole system runs on simulated time (sandbox banks, real PGP and database). Catch-up per
 * docs/operations.md (schedule): the missed morning run happens at start, for the banks whose cutoff is still ahead,
 * and is uploaded; of the missed reconciliation polls only the latest runs; nothing already dispatched before a
 * restart runs twice (the dispatch log), and the schedule carries on normally afterwards.
 * Runs on PGlite or PostgreSQL (TEST_DATABASE_URL).
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { taipeiTime } from '../../src/domain/taipei-time.ts';
import { createLogger } from '../../src/infra/telemetry/logger.ts';
import { startSimulation } from '../../src/workflows/simulation.ts';
import { type Harness, startHarness, taipei } from '../support/system-harness.ts';

const DAY = '2026-11-26'; // a Thursday, no holiday
const BANKS = ['mega', 'ctbc', 'esun', 'first', 'taishin'];
const LATE_CUTOFF = ['ctbc', 'first', 'mega']; // 15:30; esun and taishin close at 15:00

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

/**
 * The instants `event` was dispatched for, once each. Per-bank ticks (polls, health checks, retries) are claimed
 * by each bank's lease holder as `<event>:<bank>`: an instant counts when every bank's tick for it was dispatched.
 */
async function dispatched(harness: Harness, event: string) {
  const rows = await harness.database.db
    .selectFrom('tick_dispatch')
    .selectAll()
    .where((eb) => eb.or([eb('event', '=', event), eb('event', 'like', `${event}:%`)]))
    .orderBy('scheduled_at')
    .execute();
  const perBank = rows.some((r) => r.event !== event);
  const slots = new Map<string, { at: string; catchUp: boolean; banks: Set<string> }>();
  for (const r of rows) {
    const at = taipeiTime(r.scheduled_at).slice(0, 5);
    const slot = slots.get(at) ?? { at, catchUp: r.catch_up, banks: new Set<string>() };
    slot.banks.add(r.event);
    slots.set(at, slot);
  }
  return [...slots.values()]
    .filter((slot) => !perBank || slot.banks.size === BANKS.length)
    .map(({ at, catchUp }) => ({ at, catchUp }));
}

async function uploadedBanks(harness: Harness): Promise<string[]> {
  const rows = await harness.database.db
    .selectFrom('payment_batches')
    .select('bank_code')
    .where('value_date', '=', DAY)
    .where('state', 'in', ['uploaded', 'confirmed'])
    .execute();
  return rows.map((r) => r.bank_code).sort();
}

describe('clock jump: the process starts after a missed 06:00 tick', () => {
  it('started at 09:10: the morning run happens at once for every bank, and only the 09:00 poll is caught up', async () => {
    h = await startHarness({ start: taipei(DAY, '09:10') });
    await h.settle();
    const runs = await h.database.db.selectFrom('payment_runs').selectAll().execute();
    expect(runs.map((r) => [r.trigger, r.value_date])).toEqual([['catch_up', DAY]]);
    expect(await uploadedBanks(h)).toEqual([...BANKS].sort());
    expect(await dispatched(h, 'PAYMENTS.GENERATE')).toEqual([{ at: '06:00', catchUp: true }]);
    expect(await dispatched(h, 'RECONCILIATION.POLL')).toEqual([{ at: '09:00', catchUp: true }]);
    expect(await dispatched(h, 'REPORT.DAILY')).toEqual([]);

    // then the day goes on by the schedule, and the banks' answers are applied
    await h.advanceTo(taipei(DAY, '10:05'));
    expect(await dispatched(h, 'RECONCILIATION.POLL')).toEqual([
      { at: '09:00', catchUp: true },
      { at: '09:30', catchUp: false },
      { at: '10:00', catchUp: false },
    ]);
    expect(await dispatched(h, 'PAYMENTS.GENERATE')).toHaveLength(1);
    const applied = await h.database.db
      .selectFrom('reconciliation_files')
      .select('bank_code')
      .where('status', '=', 'applied')
      .execute();
    expect(new Set(applied.map((a) => a.bank_code))).toEqual(new Set(BANKS));
  });

  it('started at 15:10: only the banks whose cutoff is still ahead are paid; the others wait, nothing is sent late', async () => {
    h = await startHarness({ start: taipei(DAY, '15:10') });
    await h.settle();
    expect(await uploadedBanks(h)).toEqual(LATE_CUTOFF);
    const runs = await h.database.db.selectFrom('payment_runs').selectAll().execute();
    expect(runs).toHaveLength(1);
    expect([...(runs[0]!.bank_codes as string[])].sort()).toEqual(LATE_CUTOFF);
    // the 15:00 banks' invoices are neither batched nor lost: still pending for an operator or the next day
    const waiting = await h.database.db
      .selectFrom('invoices')
      .select(['bank_code', 'status'])
      .where('bank_code', 'in', ['esun', 'taishin'])
      .execute();
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.every((i) => i.status === 'pending')).toBe(true);
    const late = await h.database.db
      .selectFrom('payment_batches')
      .select('id')
      .where('bank_code', 'in', ['esun', 'taishin'])
      .execute();
    expect(late).toEqual([]);
  });

  it('restarted at 09:10 after a normal 06:00 run: nothing is run twice', async () => {
    h = await startHarness({ start: taipei(DAY, '05:55') });
    await h.advanceTo(taipei(DAY, '09:05'));
    const before = await uploadedBanks(h);
    expect(before).toEqual([...BANKS].sort());
    const sentBefore = await h.database.db
      .selectFrom('transfers')
      .select('id')
      .where('direction', '=', 'upload')
      .execute();
    const pollsBefore = await dispatched(h, 'RECONCILIATION.POLL');

    // the process stops at 09:05 and a new one starts on the same database at 09:10
    await h.ops.stop();
    const restarted = await startSimulation({
      config: h.config,
      database: h.database,
      logger: createLogger({ level: 'silent', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
      start: taipei(DAY, '09:10'),
      instanceId: 'restarted',
    });
    try {
      await restarted.settle();
      await restarted.advanceTo(taipei(DAY, '09:35'));
    } finally {
      await restarted.stop();
    }
    const runs = await h.database.db.selectFrom('payment_runs').select('trigger').execute();
    expect(runs.map((r) => r.trigger)).toEqual(['schedule']);
    expect(await dispatched(h, 'PAYMENTS.GENERATE')).toEqual([{ at: '06:00', catchUp: false }]);
    const sentAfter = await h.database.db
      .selectFrom('transfers')
      .select('id')
      .where('direction', '=', 'upload')
      .execute();
    expect(sentAfter.length).toBe(sentBefore.length);
    // 09:00 ran before the restart and is not repeated; 09:30 runs on the new process
    expect(await dispatched(h, 'RECONCILIATION.POLL')).toEqual([...pollsBefore, { at: '09:30', catchUp: false }]);
  });
});
