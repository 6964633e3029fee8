import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { demoInvoices } from '../../infra/db/seed-demo.ts';
import { applyReconciliationFile, type ParsedFile } from './apply-file.ts';

describe('applyReconciliationFile', () => {
  let handle: TestDatabase;
  const txIds = ['TX202611260000000001', 'TX202611260000000002', 'TX202611260000000003'];
  const amounts: number[] = [];
  let batchId: number;

  beforeAll(async () => {
    handle = await openTestDatabase();
    const db = handle.db;
    const invoices = demoInvoices({ dueDate: '2026-11-26', bankCodes: ['mega'], perBank: 3 });
    const inserted = await db.insertInto('invoices').values(invoices).returning(['id', 'amount_cents']).execute();
    const batch = await db
      .insertInto('payment_batches')
      .values({
        bank_code: 'mega',
        value_date: '2026-11-26',
        batch_seq: 1,
        batch_number: 'MEGA202611260001',
        file_format: 'fixed_width',
        file_name: 'PAY_20261126_0001.txt',
        state: 'uploaded',
        transaction_count: 3,
        total_cents: inserted.reduce((s, r) => s + r.amount_cents, 0),
        created_at: new Date('2026-11-26T06:00:00+08:00'),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    batchId = batch.id;
    for (const [i, row] of inserted.entries()) {
      amounts.push(row.amount_cents);
      await db
        .insertInto('transactions')
        .values({
          transaction_id: txIds[i]!,
          invoice_id: row.id,
          batch_id: batch.id,
          seq: i + 1,
          bank_code: 'mega',
          direction: 'credit',
          amount_cents: row.amount_cents,
          account_last4: '0000',
          status: 'sent',
        })
        .execute();
    }
  });
  afterAll(() => handle.close());

  const file = (name: string, sha256: string, records: ParsedFile['records']): ParsedFile => ({
    bank_code: 'mega',
    format: 'fixed_width',
    remote_name: name,
    remote_size: 400,
    remote_mtime: 1_764_000_000,
    sha256,
    stored_path: null,
    records,
  });
  const rec = (type: 'D' | 'R', i: number, code: string, amount = amounts[i]!) => ({
    record_type: type,
    seq: i + 1,
    transaction_id: txIds[i]!,
    code,
    message: type === 'R' ? '餘額不足' : '交易成功',
    date: '2026-11-26',
    amount_cents: amount,
  });

  it('settles and returns transactions, records every line, raises exceptions for the rest, all at once', async () => {
    const summary = await applyReconciliationFile(
      handle.db,
      file('REC_20261126_0001.txt', 'a'.repeat(64), [
        rec('D', 0, '000'),
        rec('R', 1, 'R01'),
        rec('D', 2, '000', 1),
        { ...rec('D', 0, '000'), transaction_id: 'TX-NOT-OURS' },
      ]),
      new Date('2026-11-26T10:00:00+08:00'),
    );
    expect(summary).toMatchObject({ matched: 2, amount_mismatch: 1, unmatched: 1, settled: 1, returned: 1 });
    const txs = await handle.db
      .selectFrom('transactions')
      .select(['transaction_id', 'status', 'return_code'])
      .orderBy('id')
      .execute();
    expect(txs.map((t) => [t.status, t.return_code])).toEqual([
      ['settled', null],
      ['returned', 'R01'],
      ['sent', null],
    ]);
    const invoices = await handle.db.selectFrom('invoices').select('status').orderBy('id').execute();
    expect(invoices.map((i) => i.status)).toEqual(['paid', 'returned', 'pending']);
    const exceptions = await handle.db.selectFrom('exceptions').select(['kind', 'ref']).orderBy('id').execute();
    expect(exceptions.map((e) => e.kind)).toEqual(['amount_mismatch', 'unmatched']);
    const records = await handle.db.selectFrom('reconciliation_records').select('match_result').execute();
    expect(records).toHaveLength(4);
    const history = await handle.db.selectFrom('transaction_status_history').selectAll().execute();
    expect(history.map((h) => h.to_status).sort()).toEqual(['returned', 'settled']);
  });

  it('applies the same file delivered twice only once (same listing, or same content under another name)', async () => {
    const again = await applyReconciliationFile(
      handle.db,
      file('REC_20261126_0001.txt', 'a'.repeat(64), [rec('D', 2, '000')]),
      new Date(),
    );
    expect(again.alreadyApplied).toBe(true);
    const renamed = await applyReconciliationFile(
      handle.db,
      { ...file('REC_20261126_0001-copy.txt', 'a'.repeat(64), [rec('D', 2, '000')]), remote_size: 401 },
      new Date(),
    );
    expect(renamed.alreadyApplied).toBe(true);
    const tx = await handle.db
      .selectFrom('transactions')
      .select('status')
      .where('transaction_id', '=', txIds[2]!)
      .executeTakeFirstOrThrow();
    expect(tx.status).toBe('sent');
  });

  it('flags the same record in a later file as a duplicate and confirms the batch once all are answered', async () => {
    const summary = await applyReconciliationFile(
      handle.db,
      file('REC_20261126_0002.txt', 'b'.repeat(64), [rec('D', 0, '000'), rec('D', 2, '000')]),
      new Date('2026-11-26T12:00:00+08:00'),
    );
    expect(summary).toMatchObject({ duplicate: 1, matched: 1, settled: 1 });
    const batch = await handle.db
      .selectFrom('payment_batches')
      .select('state')
      .where('id', '=', batchId)
      .executeTakeFirstOrThrow();
    expect(batch.state).toBe('confirmed');
    const dup = await handle.db
      .selectFrom('exceptions')
      .select('kind')
      .where('kind', '=', 'duplicate_record')
      .execute();
    expect(dup).toHaveLength(1);
  });

  it('leaves nothing behind when the transaction fails midway', async () => {
    const before = await handle.db
      .selectFrom('reconciliation_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const broken = file('REC_20261126_0003.txt', 'c'.repeat(64), [
      rec('R', 0, 'R02'),
      // a date the column cannot hold: the insert of this line fails after the first line was applied
      { ...rec('D', 1, '000'), date: 'not-a-date' },
    ]);
    await expect(applyReconciliationFile(handle.db, broken, new Date())).rejects.toThrow();
    const after = await handle.db
      .selectFrom('reconciliation_records')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    const tx = await handle.db
      .selectFrom('transactions')
      .select('status')
      .where('transaction_id', '=', txIds[0]!)
      .executeTakeFirstOrThrow();
    expect(tx.status).toBe('settled');
    const fileRow = await handle.db
      .selectFrom('reconciliation_files')
      .select('id')
      .where('remote_name', '=', 'REC_20261126_0003.txt')
      .executeTakeFirst();
    expect(fileRow).toBeUndefined();
  });
});

describe('records that cannot be applied are named by what is wrong with them', () => {
  let handle: TestDatabase;
  const ids = ['TX202612080000000001', 'TX202612080000000002', 'TX202612080000000003'];
  const amounts: number[] = [];
  beforeAll(async () => {
    handle = await openTestDatabase();
    const invoices = demoInvoices({ dueDate: '2026-12-08', bankCodes: ['taishin'], perBank: 3 });
    const inserted = await handle.db
      .insertInto('invoices')
      .values(invoices)
      .returning(['id', 'amount_cents'])
      .execute();
    const batch = await handle.db
      .insertInto('payment_batches')
      .values({
        bank_code: 'taishin',
        value_date: '2026-12-08',
        batch_seq: 1,
        batch_number: 'TAISHIN202612080001',
        file_format: 'fixed_width',
        file_name: 'PAY_20261208_0001.txt',
        state: 'uploaded',
        transaction_count: 3,
        total_cents: inserted.reduce((s, r) => s + r.amount_cents, 0),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    for (const [i, row] of inserted.entries()) {
      amounts.push(row.amount_cents);
      await handle.db
        .insertInto('transactions')
        .values({
          transaction_id: ids[i]!,
          invoice_id: row.id,
          batch_id: batch.id,
          seq: i + 1,
          bank_code: 'taishin',
          direction: 'credit',
          amount_cents: row.amount_cents,
          account_last4: '4567',
          status: 'sent',
        })
        .execute();
    }
    // all three settle first
    await applyReconciliationFile(
      handle.db,
      recFile(
        'REC_TAISHIN_20261208_0001.txt',
        '1',
        ids.map((id, i) => record('D', id, '000', amounts[i]!)),
      ),
      new Date('2026-12-08T10:00:00+08:00'),
    );
  });
  afterAll(() => handle.close());

  const record = (type: 'D' | 'R', id: string, code: string, amount: number, extra: Record<string, unknown> = {}) => ({
    record_type: type,
    seq: null,
    transaction_id: id,
    code,
    message: type === 'R' ? '退件' : null,
    date: '2026-12-09',
    amount_cents: amount,
    ...extra,
  });
  const recFile = (name: string, digest: string, records: ParsedFile['records']): ParsedFile => ({
    bank_code: 'taishin',
    format: 'fixed_width',
    remote_name: name,
    remote_size: 100,
    remote_mtime: 1,
    sha256: digest.repeat(64),
    stored_path: null,
    records,
  });
  const statusOf = async (id: string) =>
    (
      await handle.db
        .selectFrom('transactions')
        .select('status')
        .where('transaction_id', '=', id)
        .executeTakeFirstOrThrow()
    ).status;

  it('a later R with an unknown return code raises an exception and leaves the settled status alone', async () => {
    const summary = await applyReconciliationFile(
      handle.db,
      recFile('REC_TAISHIN_20261208_0002.txt', '2', [record('R', ids[0]!, 'Z99', amounts[0]!, { unknown_code: true })]),
      new Date('2026-12-09T10:00:00+08:00'),
    );
    expect(summary).toMatchObject({ unknown_code: 1, returned: 0, matched: 0 });
    expect(await statusOf(ids[0]!)).toBe('settled');
    const exception = await handle.db
      .selectFrom('exceptions')
      .select(['kind', 'ref', 'message'])
      .where('kind', '=', 'unknown_return_code')
      .executeTakeFirstOrThrow();
    expect(exception.ref).toBe(`tx:${ids[0]}`);
    expect(exception.message).toContain('Z99');
    expect(exception.message).toContain('REC_TAISHIN_20261208_0002.txt');
  });

  it('an amount that differs on an answered transaction is an amount mismatch, not a duplicate', async () => {
    const summary = await applyReconciliationFile(
      handle.db,
      recFile('REC_TAISHIN_20261208_0003.txt', '3', [
        record('D', ids[1]!, '000', amounts[1]! + 100),
        record('D', ids[2]!, '000', amounts[2]!, { account_number: '00000009990001' }),
        record('D', ids[0]!, '000', amounts[0]!),
      ]),
      new Date('2026-12-09T11:00:00+08:00'),
    );
    expect(summary).toMatchObject({ amount_mismatch: 1, account_mismatch: 1, duplicate: 1 });
    const kinds = await handle.db
      .selectFrom('exceptions')
      .select(['kind', 'ref', 'message'])
      .where('kind', 'in', ['amount_mismatch', 'account_mismatch', 'duplicate_record'])
      .orderBy('id')
      .execute();
    expect(kinds.map((k) => [k.kind, k.ref])).toEqual([
      ['amount_mismatch', `tx:${ids[1]}`],
      ['account_mismatch', `tx:${ids[2]}`],
      ['duplicate_record', expect.stringMatching(/^file:\d+:line:3$/)],
    ]);
    expect(kinds[1]!.message).toContain('0001');
    expect(kinds[1]!.message).not.toContain('9990001');
    for (const id of ids) expect(await statusOf(id)).toBe('settled');
  });
});
