import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { demoInvoices } from './seed-demo.ts';

describe('business rules held by the database', () => {
  let handle: TestDatabase;
  let invoiceId: number;
  beforeAll(async () => {
    handle = await openTestDatabase();
    const [invoice] = demoInvoices({ dueDate: '2026-11-26', bankCodes: ['ctbc'], perBank: 1 });
    const row = await handle.db.insertInto('invoices').values(invoice!).returning('id').executeTakeFirstOrThrow();
    invoiceId = row.id;
  });
  afterAll(() => handle.close());

  async function insertBatch(seq: number) {
    return handle.db
      .insertInto('payment_batches')
      .values({
        bank_code: 'ctbc',
        value_date: '2026-11-26',
        batch_seq: seq,
        batch_number: `CTBC2026112600${String(seq).padStart(2, '0')}`,
        file_format: 'fixed_width',
        file_name: `PAY_20261126_${String(seq).padStart(4, '0')}.txt`,
        transaction_count: 1,
        total_cents: 150000,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
  }

  function insertTransaction(batchId: number, txId: string, status: 'pending' | 'failed' = 'pending') {
    return handle.db
      .insertInto('transactions')
      .values({
        transaction_id: txId,
        invoice_id: invoiceId,
        batch_id: batchId,
        seq: 1,
        bank_code: 'ctbc',
        direction: 'credit',
        amount_cents: 150000,
        account_last4: '9012',
        status,
      })
      .execute();
  }

  it('refuses a second live transaction for the same invoice', async () => {
    const a = await insertBatch(1);
    const b = await insertBatch(2);
    await insertTransaction(a.id, 'TX-A');
    await expect(insertTransaction(b.id, 'TX-B')).rejects.toThrow(/transactions_one_live_per_invoice/);
  });

  it('allows a new transaction once the earlier one failed', async () => {
    await handle.db
      .updateTable('transactions')
      .set({ status: 'failed' })
      .where('transaction_id', '=', 'TX-A')
      .execute();
    const c = await insertBatch(3);
    await expect(insertTransaction(c.id, 'TX-C')).resolves.toBeDefined();
  });

  it('refuses a second batch with the same number for a bank and day', async () => {
    await expect(insertBatch(3)).rejects.toThrow(/duplicate key/);
  });

  it('refuses a zero or negative amount', async () => {
    const [invoice] = demoInvoices({ dueDate: '2026-11-27', bankCodes: ['mega'], perBank: 1 });
    await expect(
      handle.db
        .insertInto('invoices')
        .values({ ...invoice!, amount_cents: 0 })
        .execute(),
    ).rejects.toThrow(/check constraint/);
  });
});
