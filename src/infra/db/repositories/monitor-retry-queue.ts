/** The durable retry queue as operators see it. */
import { type Kysely, sql } from 'kysely';
import type { Database, RetryStatus } from '../schema.ts';

const columns = [
  'id',
  'bank_code',
  'kind',
  'ref',
  'attempts',
  'due_at',
  'status',
  'last_error',
  'error_class',
  'created_at',
  'updated_at',
] as const;

export async function listRetryQueue(
  db: Kysely<Database>,
  filter: { status?: RetryStatus | undefined; bankCode?: string | undefined; beforeId?: number; limit: number },
) {
  let query = db
    .selectFrom('retry_queue')
    .select(columns)
    .orderBy('id', 'desc')
    .limit(filter.limit + 1);
  query = filter.status
    ? query.where('status', '=', filter.status)
    : query.where('status', 'in', ['pending', 'in_progress', 'manual_intervention']);
  if (filter.bankCode) query = query.where('bank_code', '=', filter.bankCode);
  if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
  const rows = await query.execute();
  const page = rows.slice(0, filter.limit);
  return { items: page, nextBeforeId: rows.length > filter.limit ? (page.at(-1)?.id ?? null) : null };
}

export async function getRetryEntry(db: Kysely<Database>, id: number) {
  return db.selectFrom('retry_queue').select(columns).where('id', '=', id).executeTakeFirst();
}

/** An operator's "retry now" while no service runs: due at once (pending again), attempts and error kept. */
export async function makeRetryDueNow(db: Kysely<Database>, id: number): Promise<void> {
  await db
    .updateTable('retry_queue')
    .set({ status: 'pending', due_at: sql`now()`, locked_by: null, locked_until: null, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', 'in', ['pending', 'in_progress', 'manual_intervention'])
    .execute();
}
