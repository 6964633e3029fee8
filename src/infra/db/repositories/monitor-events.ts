/**
 * What changed since the last look, for the monitor's live-update stream: batch state changes and new
 * exceptions by id (both tables only grow), retry-queue changes by their latest update. Read from the database,
 * so a subscriber on any instance sees changes made by every instance.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../schema.ts';

export interface ChangeMarks {
  batchHistoryId: number;
  exceptionId: number;
  retryUpdatedAt: number;
}

export async function currentMarks(db: Kysely<Database>): Promise<ChangeMarks> {
  const [history, exceptions, retry] = await Promise.all([
    db.selectFrom('batch_state_history').select(sql<number | null>`max(id)`.as('max')).executeTakeFirst(),
    db.selectFrom('exceptions').select(sql<number | null>`max(id)`.as('max')).executeTakeFirst(),
    db.selectFrom('retry_queue').select(sql<Date | null>`max(updated_at)`.as('max')).executeTakeFirst(),
  ]);
  return {
    batchHistoryId: Number(history?.max ?? 0),
    exceptionId: Number(exceptions?.max ?? 0),
    retryUpdatedAt: retry?.max ? new Date(retry.max).getTime() : 0,
  };
}

export async function batchChangesAfter(db: Kysely<Database>, afterId: number, limit = 200) {
  return db
    .selectFrom('batch_state_history as h')
    .innerJoin('payment_batches as b', 'b.id', 'h.batch_id')
    .select(['h.id', 'h.batch_id', 'b.batch_number', 'b.bank_code', 'h.from_state', 'h.to_state', 'h.actor', 'h.at'])
    .where('h.id', '>', afterId)
    .orderBy('h.id')
    .limit(limit)
    .execute();
}

export async function exceptionsAfter(db: Kysely<Database>, afterId: number, limit = 200) {
  return db
    .selectFrom('exceptions')
    .select(['id', 'bank_code', 'kind', 'ref', 'created_at'])
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute();
}
