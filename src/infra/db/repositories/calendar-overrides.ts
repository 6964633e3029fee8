/**
 * Operator changes to the business calendar (typhoon closures, extra working days), table calendar_overrides.
 * Audit logging is the caller's (API/CLI) job; the calendar itself takes these rows as data.
 */
import type { Kysely } from 'kysely';
import type { CalendarOverride } from '../../../domain/calendar/types.ts';
import type { Database } from '../schema.ts';

type Db = Kysely<Database>;

export interface CalendarOverrideRow extends CalendarOverride {
  createdBy: string;
  createdAt: Date;
}

export async function listCalendarOverrides(
  db: Db,
  range: { from?: string; to?: string } = {},
): Promise<CalendarOverrideRow[]> {
  let query = db.selectFrom('calendar_overrides').selectAll().orderBy('day');
  if (range.from) query = query.where('day', '>=', range.from);
  if (range.to) query = query.where('day', '<=', range.to);
  const rows = await query.orderBy('bank_code').execute();
  return rows.map((r) => ({
    day: r.day,
    kind: r.kind,
    reason: r.reason,
    bankCode: r.bank_code,
    createdBy: r.created_by,
    createdAt: r.created_at,
  }));
}

/** Sets (or replaces) the override of a day (for one bank, or '*' for all); moves the calendar version. */
export async function setCalendarOverride(db: Db, override: CalendarOverride & { createdBy: string }): Promise<void> {
  const values = { kind: override.kind, reason: override.reason, created_by: override.createdBy };
  await db
    .insertInto('calendar_overrides')
    .values({ day: override.day, bank_code: override.bankCode ?? '*', ...values })
    .onConflict((oc) => oc.columns(['day', 'bank_code']).doUpdateSet(values))
    .execute();
  await bumpCalendarVersion(db);
}

export async function removeCalendarOverride(db: Db, day: string, bankCode = '*'): Promise<boolean> {
  const result = await db
    .deleteFrom('calendar_overrides')
    .where('day', '=', day)
    .where('bank_code', '=', bankCode)
    .executeTakeFirst();
  const removed = Number(result.numDeletedRows) > 0;
  if (removed) await bumpCalendarVersion(db);
  return removed;
}

/** The number every instance polls: it moves with each change of the overrides. */
export async function calendarVersion(db: Db): Promise<string> {
  const row = await db.selectFrom('calendar_version').select('version').where('id', '=', 1).executeTakeFirst();
  return String(row?.version ?? 0);
}

async function bumpCalendarVersion(db: Db): Promise<void> {
  await db
    .updateTable('calendar_version')
    .set((eb) => ({ version: eb('version', '+', 1), changed_at: new Date() }))
    .where('id', '=', 1)
    .execute();
}

/** The closure in force for a bank on a day (its own or every bank's), read fresh from the database. */
export async function closureFor(db: Db, day: string, bankCode: string): Promise<{ reason: string } | null> {
  const row = await db
    .selectFrom('calendar_overrides')
    .select('reason')
    .where('day', '=', day)
    .where('kind', '=', 'holiday')
    .where('bank_code', 'in', ['*', bankCode])
    .executeTakeFirst();
  return row ?? null;
}
