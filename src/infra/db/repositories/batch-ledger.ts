/**
 * The outbound ledger: every state change of a payment batch is a compare-and-set (the row must still be in an
 * expected state) plus a history row, in one statement pair. Two instances racing on one batch: one wins, the
 * other sees `false` and leaves it alone.
 */
import type { Kysely } from 'kysely';
import type { BatchState, Database, PaymentBatchUpdate } from '../schema.ts';

export async function transitionBatch(
  db: Kysely<Database>,
  batchId: number,
  from: BatchState[],
  to: BatchState,
  options: { reason?: string; actor?: string; set?: PaymentBatchUpdate; now?: Date } = {},
): Promise<boolean> {
  const now = options.now ?? new Date();
  // Inside a caller's transaction (a state change that must land together with other rows) use it as is.
  const inTransaction = <T>(fn: (trx: Kysely<Database>) => Promise<T>) =>
    db.isTransaction ? fn(db) : db.transaction().execute(fn);
  return inTransaction(async (trx) => {
    const before = await trx
      .selectFrom('payment_batches')
      .select('state')
      .where('id', '=', batchId)
      .forUpdate()
      .executeTakeFirst();
    if (!before || !from.includes(before.state)) return false;
    await trx
      .updateTable('payment_batches')
      .set({ ...(options.set ?? {}), state: to, updated_at: now })
      .where('id', '=', batchId)
      .execute();
    await trx
      .insertInto('batch_state_history')
      .values({
        batch_id: batchId,
        from_state: before.state,
        to_state: to,
        reason: options.reason ?? null,
        actor: options.actor ?? 'system',
      })
      .execute();
    return true;
  });
}

export function getBatch(db: Kysely<Database>, batchId: number) {
  return db.selectFrom('payment_batches').selectAll().where('id', '=', batchId).executeTakeFirst();
}

/** Batches that still have to reach the bank: resumed on start and by retry processing. */
export function undeliveredBatches(db: Kysely<Database>, bankCode?: string) {
  let q = db
    .selectFrom('payment_batches')
    .select(['id', 'bank_code', 'state', 'value_date', 'file_name'])
    .where('state', 'in', ['generated', 'encrypted', 'uploading']);
  if (bankCode) q = q.where('bank_code', '=', bankCode);
  return q.orderBy('id').execute();
}
