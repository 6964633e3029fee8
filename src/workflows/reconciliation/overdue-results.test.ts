import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { createBusinessCalendar } from '../../domain/calendar/business-calendar.ts';
import { demoInvoices } from '../../infra/db/seed-demo.ts';
import { applyReconciliationFile } from './apply-file.ts';
import { expectedResultDay, raiseOverdueResults } from './overdue-results.ts';

describe('no result past the expected day', () => {
  let handle: TestDatabase;
  // 2026-11-27 is a Friday: the business day after it is Monday 2026-11-30
  const calendar = createBusinessCalendar([{ year: 2026, provisional: false, holidays: [], workdays: [] }]);

  beforeAll(async () => {
    handle = await openTestDatabase();
    const [invoice] = demoInvoices({ dueDate: '2026-11-27', bankCodes: ['mega'], perBank: 1 });
    const inv = await handle.db.insertInto('invoices').values(invoice!).returning('id').executeTakeFirstOrThrow();
    const batch = await handle.db
      .insertInto('payment_batches')
      .values({
        bank_code: 'mega',
        value_date: '2026-11-27',
        batch_seq: 1,
        batch_number: 'MEGA202611270001',
        file_format: 'fixed_width',
        file_name: 'PAY_20261127_0001.txt',
        state: 'uploaded',
        transaction_count: 1,
        total_cents: invoice!.amount_cents,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await handle.db
      .insertInto('transactions')
      .values({
        transaction_id: 'TX202611270000000001',
        invoice_id: inv.id,
        batch_id: batch.id,
        seq: 1,
        bank_code: 'mega',
        direction: 'credit',
        amount_cents: invoice!.amount_cents,
        account_last4: '0000',
        status: 'sent',
      })
      .execute();
  });
  afterAll(() => handle.close());

  it('is not raised while the answer may still come (through the next business day)', async () => {
    expect(await raiseOverdueResults(handle.db, calendar, '2026-11-28')).toBe(0);
    expect(await raiseOverdueResults(handle.db, calendar, '2026-11-30')).toBe(0);
  });

  it('is raised once the next business day has passed, once, and closed by the late answer', async () => {
    expect(await raiseOverdueResults(handle.db, calendar, '2026-12-01')).toBe(1);
    expect(await raiseOverdueResults(handle.db, calendar, '2026-12-02')).toBe(0);
    const open = await handle.db
      .selectFrom('exceptions')
      .selectAll()
      .where('kind', '=', 'no_result')
      .executeTakeFirstOrThrow();
    expect(open).toMatchObject({ status: 'open', ref: 'tx:TX202611270000000001' });
    const tx = await handle.db.selectFrom('transactions').select('amount_cents').executeTakeFirstOrThrow();
    await applyReconciliationFile(
      handle.db,
      {
        bank_code: 'mega',
        format: 'fixed_width',
        remote_name: 'REC_20261127_0001.txt',
        remote_size: 200,
        remote_mtime: 1,
        sha256: 'd'.repeat(64),
        stored_path: null,
        records: [
          {
            record_type: 'D',
            seq: 1,
            transaction_id: 'TX202611270000000001',
            code: '000',
            message: null,
            date: '2026-12-02',
            amount_cents: tx.amount_cents,
          },
        ],
      },
      new Date(),
    );
    const closed = await handle.db
      .selectFrom('exceptions')
      .selectAll()
      .where('kind', '=', 'no_result')
      .executeTakeFirstOrThrow();
    expect(closed.status).toBe('resolved');
  });
});

describe("expected_result_by: the value date plus the bank's result window", () => {
  const calendar = createBusinessCalendar([
    { year: 2026, provisional: false, holidays: [{ date: '2026-12-25', name: '行憲紀念日' }], workdays: [] },
  ]);
  it('counts business days: a Friday plus 1 is Monday, a Thursday before a holiday plus 2 skips it', () => {
    expect(expectedResultDay(calendar, '2026-11-27', 1)).toBe('2026-11-30');
    expect(expectedResultDay(calendar, '2026-12-24', 2)).toBe('2026-12-29');
    expect(expectedResultDay(calendar, '2026-12-08', 0)).toBe('2026-12-08');
  });

  let handle: TestDatabase;
  beforeAll(async () => {
    handle = await openTestDatabase();
    const [invoice] = demoInvoices({ dueDate: '2026-12-08', bankCodes: ['esun'], perBank: 1 });
    const inv = await handle.db.insertInto('invoices').values(invoice!).returning('id').executeTakeFirstOrThrow();
    const batch = await handle.db
      .insertInto('payment_batches')
      .values({
        bank_code: 'esun',
        value_date: '2026-12-08',
        batch_seq: 1,
        batch_number: 'ESUN202612080001',
        file_format: 'csv',
        file_name: 'PAY_20261208_0001.csv',
        state: 'uploaded',
        transaction_count: 1,
        total_cents: invoice!.amount_cents,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await handle.db
      .insertInto('transactions')
      .values({
        transaction_id: 'TX202612080000000009',
        invoice_id: inv.id,
        batch_id: batch.id,
        seq: 1,
        bank_code: 'esun',
        direction: 'credit',
        amount_cents: invoice!.amount_cents,
        account_last4: '0000',
        status: 'sent',
        // a bank with a 3-day window: the answer may come until Friday
        expected_result_by: '2026-12-11',
      })
      .execute();
  });
  afterAll(() => handle.close());

  it('is what the overdue check waits for, instead of the next business day', async () => {
    expect(await raiseOverdueResults(handle.db, calendar, '2026-12-10')).toBe(0);
    expect(await raiseOverdueResults(handle.db, calendar, '2026-12-11')).toBe(0);
    expect(await raiseOverdueResults(handle.db, calendar, '2026-12-14')).toBe(1);
    const row = await handle.db.selectFrom('exceptions').select('message').executeTakeFirstOrThrow();
    expect(row.message).toContain('expected by 2026-12-11');
    expect(row.message).toContain('ESUN202612080001');
  });
});
