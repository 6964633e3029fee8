/**
 * Batch reads for the monitor API: one batch with its file states, transactions (account as last 4 only) and
 * histories; the batches of a day for the operations page.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

/** A numeric reference is the batch id, anything else its batch number (e.g. CTBC202611260001). */
export async function findBatch(db: Kysely<Database>, ref: string) {
  const query = db
    .selectFrom('payment_batches')
    .select([
      'id',
      'bank_code',
      'value_date',
      'batch_seq',
      'batch_number',
      'run_id',
      'file_format',
      'file_name',
      'state',
      'transaction_count',
      'total_cents',
      'plaintext_sha256',
      'ciphertext_sha256',
      'byte_size',
      'warnings',
      'validation_errors',
      'last_error',
      'created_at',
      'updated_at',
      'uploaded_at',
      'confirmed_at',
    ]);
  return /^\d{1,15}$/.test(ref)
    ? query.where('id', '=', Number(ref)).executeTakeFirst()
    : query.where('batch_number', '=', ref).executeTakeFirst();
}

export type BatchRow = NonNullable<Awaited<ReturnType<typeof findBatch>>>;

export async function batchDetail(db: Kysely<Database>, batch: BatchRow) {
  const [history, transactions, txHistory, transfers] = await Promise.all([
    db
      .selectFrom('batch_state_history')
      .select(['from_state', 'to_state', 'reason', 'actor', 'at'])
      .where('batch_id', '=', batch.id)
      .orderBy('id')
      .execute(),
    db
      .selectFrom('transactions')
      .select([
        'id',
        'transaction_id',
        'seq',
        'direction',
        'amount_cents',
        'account_last4',
        'status',
        'return_code',
        'return_reason',
        'bank_reference',
        'warnings',
        'expected_result_by',
      ])
      .where('batch_id', '=', batch.id)
      .orderBy('seq')
      .execute(),
    db
      .selectFrom('transaction_status_history as h')
      .innerJoin('transactions as t', 't.id', 'h.transaction_id')
      .select(['h.transaction_id', 'h.from_status', 'h.to_status', 'h.reason', 'h.at'])
      .where('t.batch_id', '=', batch.id)
      .orderBy('h.id')
      .execute(),
    db
      .selectFrom('transfers')
      .select(['id', 'direction', 'remote_path', 'bytes', 'sha256', 'result', 'attempt', 'error', 'started_at'])
      .where('batch_id', '=', batch.id)
      .orderBy('id')
      .execute(),
  ]);
  const historyByTx = new Map<number, typeof txHistory>();
  for (const h of txHistory) {
    const list = historyByTx.get(h.transaction_id) ?? [];
    list.push(h);
    historyByTx.set(h.transaction_id, list);
  }
  return {
    history,
    transfers,
    transactions: transactions.map((t) => ({ ...t, history: historyByTx.get(t.id) ?? [] })),
  };
}

/** Batches for a value date, newest first (the operations page shows today's). */
export async function batchesForDay(db: Kysely<Database>, day: string) {
  return db
    .selectFrom('payment_batches')
    .select(['id', 'bank_code', 'batch_number', 'file_name', 'state', 'transaction_count', 'total_cents', 'updated_at'])
    .where('value_date', '=', day)
    .orderBy('bank_code')
    .orderBy('batch_seq')
    .limit(200)
    .execute();
}
