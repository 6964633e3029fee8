/**
 * Recovery of a morning run whose process died between claiming the 06:00 tick and recording the run (found
 * by test/faults/payment-run-kill.test.ts): the claimed tick is never dispatched again, so the run must be
 * started from the dispatch log, for the banks whose cutoff is still ahead, and only once.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { loadConfig } from '../../infra/config/load.ts';
import { seedDemo } from '../../infra/db/seed-demo.ts';
import { type PaymentRunDeps, recoverUnstartedRuns } from './payment-run.ts';

const DAY = '2026-11-26';
const config = loadConfig('config/banking.json', {});

describe('a 06:00 tick claimed by a process that died before recording its run', () => {
  let handle: TestDatabase;
  const delivered: string[] = [];
  const deps = (at: string): PaymentRunDeps => ({
    db: handle.db,
    config,
    now: () => new Date(`${DAY}T${at}:00+08:00`),
    instanceId: 'recovering',
    abandonAfterMs: 60_000,
    deliver: async (bank) => {
      delivered.push(bank.bank_code);
    },
  });
  const claim = (dispatchedAgo: string) =>
    sql`insert into tick_dispatch (event, scheduled_at, instance_id, dispatched_at)
        values ('PAYMENTS.GENERATE', ${new Date(`${DAY}T06:00:00+08:00`)}, 'dead', now() - ${dispatchedAgo}::interval)
        on conflict (event, scheduled_at) do update set dispatched_at = excluded.dispatched_at`.execute(handle.db);

  beforeAll(async () => {
    handle = await openTestDatabase();
    await seedDemo(handle.db, { dueDate: DAY, bankCodes: config.banks.map((b) => b.bank_code), perBank: 3 });
  });
  afterAll(() => handle?.close());

  it('is left alone while the claim is fresh (its claimer may be recording the run right now)', async () => {
    await claim('5 seconds');
    expect(await recoverUnstartedRuns(deps('15:10'))).toEqual([]);
  });

  it('once stale, is run again for the banks whose cutoff is still ahead, and only once', async () => {
    await claim('2 minutes');
    const started = await recoverUnstartedRuns(deps('15:10'));
    expect(started).toHaveLength(1);
    const run = started[0]!;
    if (!('done' in run)) throw new Error('expected a started run');
    const summary = await run.done;
    expect(summary.banks.map((b) => b.bank_code).sort()).toEqual(['ctbc', 'first', 'mega']);
    expect(delivered.sort()).toEqual(['ctbc', 'first', 'mega']);
    const row = await handle.db.selectFrom('payment_runs').select(['trigger', 'value_date']).executeTakeFirstOrThrow();
    expect(row).toEqual({ trigger: 'recovery', value_date: DAY });
    // a run for the day now exists: the next check (hourly RETRY.PROCESS, or a restart) does nothing
    expect(await recoverUnstartedRuns(deps('15:20'))).toEqual([]);
  });
});
