/**
 * Exceptions: everything a person has to look at. One open exception per (bank, kind, ref): finding the same
 * problem again on the next poll updates nothing and loses nothing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.ts';

export interface NewException {
  bank_code: string;
  kind: string;
  ref: string;
  message: string;
  details?: Record<string, unknown>;
}

/** Returns the new exception's id, or null when the same one is already open. */
export async function raiseException(db: Kysely<Database>, exception: NewException): Promise<number | null> {
  const row = await db
    .insertInto('exceptions')
    .values({ ...exception, details: JSON.stringify(exception.details ?? {}) })
    .onConflict((oc) => oc.columns(['bank_code', 'kind', 'ref']).where('status', '=', 'open').doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}

export function unnotifiedExceptions(db: Kysely<Database>) {
  return db.selectFrom('exceptions').selectAll().where('notified_at', 'is', null).orderBy('id').execute();
}

export async function markNotified(db: Kysely<Database>, ids: number[], now: Date) {
  if (ids.length === 0) return;
  await db.updateTable('exceptions').set({ notified_at: now }).where('id', 'in', ids).execute();
}
