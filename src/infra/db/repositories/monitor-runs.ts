/** Payment runs as operators read them: the run row and the batches it built. */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export async function findPaymentRun(db: Kysely<Database>, runId: string) {
  const run = await db
    .selectFrom('payment_runs')
    .select(['id', 'trigger', 'value_date', 'bank_codes', 'status', 'error', 'started_at', 'finished_at', 'summary'])
    .where('id', '=', runId)
    .executeTakeFirst();
  if (!run) return undefined;
  const batches = await db
    .selectFrom('payment_batches')
    .select([
      'id',
      'batch_number',
      'bank_code',
      'value_date',
      'state',
      'transaction_count',
      'total_cents',
      'updated_at',
    ])
    .where('run_id', '=', runId)
    .orderBy('bank_code')
    .orderBy('batch_seq')
    .execute();
  return { ...run, batches };
}
