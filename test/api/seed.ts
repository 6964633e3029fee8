/**
 * A small, fixed picture of a working day (2026-11-26, Asia/Taipei) for API and page tests: two batches at
 * mega (one uploaded, one cutoff_missed), transactions with histories, transfers over the week, an open
 * exception and retry-queue entries.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../src/infra/db/schema.ts';

export interface Seeded {
  uploadedBatchId: number;
  missedBatchId: number;
  exceptionId: number;
  retryEntryId: number;
  doneRetryEntryId: number;
}

const at = (iso: string) => new Date(iso);

export async function seedMonitorData(db: Kysely<Database>): Promise<Seeded> {
  const invoices = await db
    .insertInto('invoices')
    .values(
      [1, 2, 3, 4].map((n) => ({
        invoice_number: `INV-${n}`,
        bank_code: 'mega',
        direction: 'debit' as const,
        counterparty_name: '王小明',
        counterparty_id_number: 'A123456789',
        account_bank_code: '017',
        account_branch_code: '0077',
        account_number: `12345678${9000 + n}`,
        amount_cents: 100_000 * n,
        due_date: '2026-11-26',
        status: 'batched' as const,
      })),
    )
    .returning('id')
    .execute();
  const batch = (values: { seq: number; state: 'uploaded' | 'cutoff_missed'; total: number; count: number }) =>
    db
      .insertInto('payment_batches')
      .values({
        bank_code: 'mega',
        value_date: '2026-11-26',
        batch_seq: values.seq,
        batch_number: `MEGA2026112600${String(values.seq).padStart(2, '0')}`,
        file_format: 'fixed_width',
        file_name: `PAY_20261126_000${values.seq}.txt`,
        state: values.state,
        transaction_count: values.count,
        total_cents: values.total,
        plaintext_sha256: 'a'.repeat(64),
        ciphertext_sha256: 'b'.repeat(64),
        byte_size: 4096,
        warnings: JSON.stringify([{ transaction_id: 'TX1', field: 'account_holder', message: 'truncated' }]),
        validation_errors: JSON.stringify([{ field: 'account_number', message: 'account 12345678901234 is closed' }]),
        created_at: at('2026-11-26T06:00:02+08:00'),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
  const uploaded = await batch({ seq: 1, state: 'uploaded', total: 300_000, count: 2 });
  const missed = await batch({ seq: 2, state: 'cutoff_missed', total: 700_000, count: 2 });
  await db
    .insertInto('batch_state_history')
    .values([
      {
        batch_id: uploaded.id,
        from_state: null,
        to_state: 'generated',
        actor: 'clock',
        at: at('2026-11-26T06:00:02+08:00'),
      },
      {
        batch_id: uploaded.id,
        from_state: 'encrypted',
        to_state: 'uploaded',
        actor: 'mega',
        at: at('2026-11-26T06:00:41+08:00'),
      },
      {
        batch_id: missed.id,
        from_state: 'uploading',
        to_state: 'cutoff_missed',
        reason: 'breaker open at cutoff',
        actor: 'clock',
      },
    ])
    .execute();
  const txs = await db
    .insertInto('transactions')
    .values(
      invoices.map((inv, i) => ({
        transaction_id: `TX2026112600000${i + 1}`,
        invoice_id: inv.id,
        batch_id: i < 2 ? uploaded.id : missed.id,
        seq: (i % 2) + 1,
        bank_code: 'mega',
        direction: 'debit' as const,
        amount_cents: 100_000 * (i + 1),
        account_last4: `${9001 + i}`,
        status: i === 1 ? ('returned' as const) : ('sent' as const),
        return_code: i === 1 ? 'R01' : null,
        return_reason: i === 1 ? '餘額不足' : null,
        created_at: at('2026-11-26T06:00:02+08:00'),
      })),
    )
    .returning('id')
    .execute();
  await db
    .insertInto('transaction_status_history')
    .values([
      { transaction_id: txs[0]!.id, from_status: 'pending', to_status: 'sent', reason: 'uploaded' },
      { transaction_id: txs[1]!.id, from_status: 'pending', to_status: 'sent', reason: 'uploaded' },
      { transaction_id: txs[1]!.id, from_status: 'sent', to_status: 'returned', reason: 'R01 餘額不足' },
    ])
    .execute();
  // a week of transfers: one success per bank per day, plus a failure at ctbc today
  const transfers = [];
  for (let d = 0; d < 7; d++) {
    const day = new Date(Date.parse('2026-11-26T06:00:30+08:00') - d * 86_400_000);
    for (const bank of ['mega', 'ctbc', 'esun', 'cathay', 'taishin']) {
      transfers.push({
        bank_code: bank,
        direction: 'upload' as const,
        remote_path: `/incoming/payments/PAY_${d}.txt`,
        bytes: 4096,
        sha256: 'b'.repeat(64),
        duration_ms: 100 + d * 10,
        result: 'success' as const,
        batch_id: bank === 'mega' && d === 0 ? uploaded.id : null,
        started_at: day,
      });
    }
  }
  transfers.push({
    bank_code: 'ctbc',
    direction: 'upload' as const,
    remote_path: '/incoming/payments/PAY_x.txt',
    bytes: 0,
    sha256: null,
    duration_ms: 30_000,
    result: 'failure' as const,
    batch_id: null,
    started_at: at('2026-11-26T07:00:00+08:00'),
  });
  await db.insertInto('transfers').values(transfers).execute();
  const exception = await db
    .insertInto('exceptions')
    .values({
      bank_code: 'mega',
      kind: 'amount_mismatch',
      ref: 'TX20261126000002',
      message: 'amount differs for account 12345678909002',
      details: JSON.stringify({ line: 3 }),
      created_at: at('2026-11-26T08:30:00+08:00'),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const retry = await db
    .insertInto('retry_queue')
    .values([
      { bank_code: 'ctbc', kind: 'upload', ref: '99', due_at: at('2026-11-26T10:00:00+08:00'), attempts: 5 },
      { bank_code: 'ctbc', kind: 'upload', ref: '98', due_at: at('2026-11-26T05:00:00+08:00'), status: 'done' },
    ])
    .returning('id')
    .execute();
  return {
    uploadedBatchId: uploaded.id,
    missedBatchId: missed.id,
    exceptionId: exception.id,
    retryEntryId: retry[0]!.id,
    doneRetryEntryId: retry[1]!.id,
  };
}
