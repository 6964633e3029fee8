import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { loadConfig } from '../../infra/config/load.ts';
import { seedDemo } from '../../infra/db/seed-demo.ts';
import { buildBatchesForBank } from './build-batches.ts';
import { BatchActionRefused, releaseCutoffMissedBatch } from './operator-actions.ts';

describe('operator decisions on a batch that missed its cutoff', () => {
  let handle: TestDatabase;
  const config = loadConfig('config/banking.json', {});
  const bank = config.banks.find((b) => b.bank_code === 'mega')!;
  let batchId: number;

  beforeAll(async () => {
    handle = await openTestDatabase();
    await seedDemo(handle.db, { dueDate: '2026-11-26', bankCodes: ['mega'], perBank: 3 });
    const built = await buildBatchesForBank(handle.db, {
      bank,
      company: config.company,
      valueDate: '2026-11-26',
      runId: null,
      now: new Date('2026-11-26T06:00:00+08:00'),
    });
    batchId = built.batches[0]!.id;
    await handle.db.updateTable('payment_batches').set({ state: 'cutoff_missed' }).where('id', '=', batchId).execute();
    await handle.db
      .insertInto('exceptions')
      .values({ bank_code: 'mega', kind: 'cutoff_missed', ref: `batch:${batchId}`, message: 'missed' })
      .execute();
  });
  afterAll(() => handle.close());

  it('refuses a batch that is not cutoff_missed', async () => {
    await handle.db.updateTable('payment_batches').set({ state: 'uploaded' }).where('id', '=', batchId).execute();
    await expect(
      releaseCutoffMissedBatch(handle.db, batchId, { actor: 'op', reason: 'x', now: new Date() }),
    ).rejects.toBeInstanceOf(BatchActionRefused);
    await handle.db.updateTable('payment_batches').set({ state: 'cutoff_missed' }).where('id', '=', batchId).execute();
  });

  it('re-dating releases the invoices and batches them again under a new name, each paid once', async () => {
    const released = await releaseCutoffMissedBatch(handle.db, batchId, {
      actor: 'op#1',
      reason: 're-dated to 2026-11-27 by op#1',
      now: new Date('2026-11-26T16:00:00+08:00'),
    });
    expect(released).toMatchObject({ bankCode: 'mega', invoices: 3 });
    const old = await handle.db
      .selectFrom('payment_batches')
      .selectAll()
      .where('id', '=', batchId)
      .executeTakeFirstOrThrow();
    expect(old.state).toBe('cancelled');
    const exception = await handle.db
      .selectFrom('exceptions')
      .selectAll()
      .where('ref', '=', `batch:${batchId}`)
      .executeTakeFirstOrThrow();
    expect(exception).toMatchObject({ status: 'resolved', resolved_by: 'op#1' });

    const rebuilt = await buildBatchesForBank(handle.db, {
      bank,
      company: config.company,
      valueDate: '2026-11-27',
      runId: null,
      now: new Date('2026-11-26T16:00:00+08:00'),
    });
    expect(rebuilt.batches).toHaveLength(1);
    expect(rebuilt.batches[0]!.file_name).toBe('PAY_20261127_0001.txt');
    expect(rebuilt.batches[0]!.transaction_count).toBe(3);
    const live = await handle.db
      .selectFrom('transactions')
      .select(['invoice_id', 'status'])
      .where('status', 'not in', ['cancelled', 'failed'])
      .execute();
    expect(live).toHaveLength(3);
    expect(new Set(live.map((t) => t.invoice_id)).size).toBe(3);
  });
});
