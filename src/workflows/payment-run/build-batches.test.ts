/**
 * Month-end volumes: a bank with more pending invoices than one file holds gets several batches in one run,
 * consecutive numbers, each within 5,000 transactions and 10 MB as written; an invalid invoice is set aside with
 * its own exception and never blocks the valid ones (docs/operations.md, Batch splitting).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { MAX_FILE_BYTES, MAX_TRANSACTIONS } from '../../domain/formats/index.ts';
import { loadConfig } from '../../infra/config/load.ts';
import { demoInvoices, seedDemo } from '../../infra/db/seed-demo.ts';
import { buildBatchesForBank } from './build-batches.ts';
import { startPaymentRun } from './payment-run.ts';

const DAY = '2026-12-08';
const config = loadConfig('config/banking.json', {});
const bank = (code: string) => config.banks.find((b) => b.bank_code === code)!;
const now = new Date(`${DAY}T06:00:00+08:00`);

async function batchesOf(handle: TestDatabase, bankCode: string) {
  return handle.db
    .selectFrom('payment_batches')
    .select(['id', 'batch_seq', 'batch_number', 'file_name', 'transaction_count', 'byte_size', 'plaintext'])
    .where('bank_code', '=', bankCode)
    .orderBy('batch_seq')
    .execute();
}

async function paidInvoices(handle: TestDatabase, bankCode: string) {
  const rows = await handle.db
    .selectFrom('transactions')
    .select(['invoice_id'])
    .where('bank_code', '=', bankCode)
    .execute();
  return rows.map((r) => r.invoice_id);
}

describe('splitting a month-end volume into several batches', () => {
  let handle: TestDatabase;
  beforeEach(async () => {
    handle = await openTestDatabase();
  });
  afterEach(() => handle?.close());

  it('12,345 invoices for one bank in one run: 3 batches, consecutive numbers, every invoice paid once', async () => {
    const seeded = await seedDemo(handle.db, {
      dueDate: DAY,
      bankCodes: ['ctbc'],
      perBank: 12_345,
      unencodable: false,
    });
    expect(seeded).toBe(12_345);
    const built = await buildBatchesForBank(handle.db, {
      bank: bank('ctbc'),
      company: config.company,
      valueDate: DAY,
      runId: null,
      now,
    });
    expect(built.batchErrors).toEqual([]);
    expect(built.setAside).toEqual([]);
    expect(built.batches.map((b) => b.transaction_count)).toEqual([5000, 5000, 2345]);

    const rows = await batchesOf(handle, 'ctbc');
    expect(rows.map((b) => b.batch_number)).toEqual(['CTBC202612080001', 'CTBC202612080002', 'CTBC202612080003']);
    expect(rows.map((b) => b.file_name)).toEqual([
      'PAY_20261208_0001.txt',
      'PAY_20261208_0002.txt',
      'PAY_20261208_0003.txt',
    ]);
    for (const b of rows) {
      expect(b.transaction_count).toBeLessThanOrEqual(MAX_TRANSACTIONS);
      expect(b.plaintext!.length).toBe(b.byte_size);
      expect(b.byte_size).toBeLessThanOrEqual(MAX_FILE_BYTES);
    }
    const paid = await paidInvoices(handle, 'ctbc');
    expect(paid).toHaveLength(12_345);
    expect(new Set(paid).size).toBe(12_345);
    const pending = await handle.db.selectFrom('invoices').select('id').where('status', '!=', 'batched').execute();
    expect(pending).toEqual([]);
  });

  it('a CSV bank whose 5,000 transactions exceed 10 MB is split by size, each file within 10 MB', async () => {
    // ~3 KB a row in UTF-8: 5,000 rows are about 15 MB, so the byte limit is reached long before the count
    const invoices = demoInvoices({ dueDate: DAY, bankCodes: ['esun'], perBank: 5000, unencodable: false }).map(
      (inv, i) => ({ ...inv, description: `貨款${'款'.repeat(1000)}${i}` }),
    );
    for (let from = 0; from < invoices.length; from += 500) {
      await handle.db
        .insertInto('invoices')
        .values(invoices.slice(from, from + 500))
        .execute();
    }
    const built = await buildBatchesForBank(handle.db, {
      bank: bank('esun'),
      company: config.company,
      valueDate: DAY,
      runId: null,
      now,
    });
    expect(built.batchErrors).toEqual([]);
    expect(built.batches.length).toBeGreaterThanOrEqual(2);
    expect(built.batches.reduce((s, b) => s + b.transaction_count, 0)).toBe(5000);
    const rows = await batchesOf(handle, 'esun');
    expect(rows.map((b) => b.batch_seq)).toEqual(rows.map((_, i) => i + 1));
    for (const b of rows) {
      expect(b.plaintext!.length).toBeLessThanOrEqual(MAX_FILE_BYTES);
      expect(b.transaction_count).toBeLessThan(MAX_TRANSACTIONS);
    }
    // the split is by size, not a fixed count: the first file is filled close to the limit
    expect(rows[0]!.plaintext!.length).toBeGreaterThan(MAX_FILE_BYTES - 4 * 3100);
    expect(new Set(await paidInvoices(handle, 'esun')).size).toBe(5000);
  });

  it('one bad invoice among 6,000: 5,999 paid in two batches, one exception naming the invoice', async () => {
    const invoices = demoInvoices({ dueDate: DAY, bankCodes: ['ctbc'], perBank: 6000, unencodable: false });
    invoices[4321] = { ...invoices[4321]!, account_number: '12AB' };
    for (let from = 0; from < invoices.length; from += 1000) {
      await handle.db
        .insertInto('invoices')
        .values(invoices.slice(from, from + 1000))
        .execute();
    }
    const started = await startPaymentRun(
      { db: handle.db, config, now: () => now, instanceId: 'test', deliver: async () => {} },
      { trigger: 'manual', valueDate: DAY, bankCodes: ['ctbc'] },
    );
    if (!('done' in started)) throw new Error('expected a started run');
    const summary = await started.done;
    expect(summary.banks).toEqual([
      expect.objectContaining({ bank_code: 'ctbc', batches: 2, transactions: 5999, set_aside: 1, errors: [] }),
    ]);
    expect(summary.status).toBe('succeeded');
    const exceptions = await handle.db.selectFrom('exceptions').select(['kind', 'ref', 'message']).execute();
    expect(exceptions).toHaveLength(1);
    expect(exceptions[0]).toMatchObject({
      kind: 'invoice_set_aside',
      ref: `invoice:${invoices[4321]!.invoice_number}`,
    });
    expect(exceptions[0]!.message).toContain('account_number');
    const bad = await handle.db
      .selectFrom('invoices')
      .select('status')
      .where('invoice_number', '=', invoices[4321]!.invoice_number)
      .executeTakeFirstOrThrow();
    expect(bad.status).toBe('set_aside');
    expect(new Set(await paidInvoices(handle, 'ctbc')).size).toBe(5999);
  });
});
