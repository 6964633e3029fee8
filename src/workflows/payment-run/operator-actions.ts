/**
 * Operator decisions on a batch that missed its cutoff. Both release the batch's invoices back to `pending`
 * (so nothing is forgotten) and close its transactions as `cancelled` (so the "one live transaction per invoice"
 * rule lets them be paid in a new batch):
 * - re-date: the invoices are batched again at once for the new value date (a new file, a new name);
 * - cancel: the invoices wait for the next payment run; an operator cancels an invoice itself separately.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../../infra/db/schema.ts';

export class BatchActionRefused extends Error {
  override name = 'BatchActionRefused';
  constructor(
    readonly reason: 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

/** States a batch waits in for an operator decision (re-date or cancel). */
export const AWAITING_DECISION = ['cutoff_missed', 'value_date_closed'] as const;

/** Cancels a cutoff_missed or value_date_closed batch and releases its invoices; returns the bank code. */
export async function releaseCutoffMissedBatch(
  db: Kysely<Database>,
  batchId: number,
  options: { actor: string; reason: string; now: Date },
): Promise<{ bankCode: string; invoices: number }> {
  return db.transaction().execute(async (trx) => {
    const batch = await trx
      .selectFrom('payment_batches')
      .select(['id', 'state', 'bank_code', 'batch_number', 'value_date'])
      .where('id', '=', batchId)
      .forUpdate()
      .executeTakeFirst();
    if (!batch) throw new BatchActionRefused('not_found', `batch ${batchId} does not exist`);
    if (!(AWAITING_DECISION as readonly string[]).includes(batch.state)) {
      throw new BatchActionRefused(
        'conflict',
        `batch ${batch.batch_number} is ${batch.state}, not cutoff_missed or value_date_closed`,
      );
    }
    await trx
      .updateTable('payment_batches')
      .set({ state: 'cancelled', updated_at: options.now, last_error: options.reason })
      .where('id', '=', batchId)
      .execute();
    await trx
      .insertInto('batch_state_history')
      .values({
        batch_id: batchId,
        from_state: batch.state,
        to_state: 'cancelled',
        reason: options.reason,
        actor: options.actor,
      })
      .execute();
    const txs = await trx
      .updateTable('transactions')
      .set({ status: 'cancelled', updated_at: options.now })
      .where('batch_id', '=', batchId)
      .where('status', '=', 'pending')
      .returning(['id', 'invoice_id'])
      .execute();
    if (txs.length > 0) {
      await trx
        .insertInto('transaction_status_history')
        .values(
          txs.map((t) => ({
            transaction_id: t.id,
            from_status: 'pending',
            to_status: 'cancelled',
            reason: options.reason,
          })),
        )
        .execute();
      await trx
        .updateTable('invoices')
        .set({ status: 'pending', updated_at: options.now })
        .where(
          'id',
          'in',
          txs.map((t) => t.invoice_id),
        )
        .execute();
    }
    await trx
      .updateTable('exceptions')
      .set({ status: 'resolved', resolved_at: options.now, resolved_by: options.actor, resolution: options.reason })
      .where('kind', 'in', [...AWAITING_DECISION])
      .where('ref', '=', `batch:${batchId}`)
      .where('status', '=', 'open')
      .execute();
    return { bankCode: batch.bank_code, invoices: txs.length, valueDate: batch.value_date };
  });
}
