/** Reads only the operations page needs: batches waiting for an operator decision, today's reconciliation. */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

/**
 * States in which a batch waits for re-date or cancel (docs/operations.md): the cutoff passed, or its value date
 * was declared closed after it was built.
 */
export const DECISION_STATES = ['cutoff_missed', 'value_date_closed'] as const;

export async function batchesAwaitingDecision(db: Kysely<Database>, limit = 100) {
  return db
    .selectFrom('payment_batches')
    .select([
      'id',
      'bank_code',
      'batch_number',
      'value_date',
      'state',
      'transaction_count',
      'total_cents',
      'last_error',
    ])
    .where(sql<boolean>`state in (${sql.join(DECISION_STATES.map((s) => sql.lit(s)))})`)
    .orderBy('value_date')
    .orderBy('id')
    .limit(limit)
    .execute();
}

export interface BankReconciliation {
  bank_code: string;
  files: number;
  settled: number;
  returned: number;
  unmatched: number;
}

/** Per bank, for files received in [from, to): files, records that settled or returned a payment, unmatched. */
export async function reconciliationBetween(db: Kysely<Database>, from: Date, to: Date): Promise<BankReconciliation[]> {
  const rows = await db
    .selectFrom('reconciliation_files as f')
    .leftJoin('reconciliation_records as r', 'r.file_id', 'f.id')
    .leftJoin('transactions as t', 't.id', 'r.matched_transaction')
    .select([
      'f.bank_code',
      sql<number>`count(distinct f.id)`.as('files'),
      sql<number>`count(r.id) filter (where r.match_result = 'matched' and t.status = 'settled')`.as('settled'),
      sql<number>`count(r.id) filter (where r.match_result = 'matched' and t.status = 'returned')`.as('returned'),
      sql<number>`count(r.id) filter (where r.match_result <> 'matched')`.as('unmatched'),
    ])
    .where('f.received_at', '>=', from)
    .where('f.received_at', '<', to)
    .groupBy('f.bank_code')
    .execute();
  return rows.map((r) => ({
    bank_code: r.bank_code,
    files: Number(r.files),
    settled: Number(r.settled),
    returned: Number(r.returned),
    unmatched: Number(r.unmatched),
  }));
}
