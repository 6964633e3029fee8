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
  const rows = await query.execute();
  return rows.map((r) => ({
    day: r.day,
    kind: r.kind,
    reason: r.reason,
    createdBy: r.created_by,
    createdAt: r.created_at,
  }));
}

/** Sets (or replaces) the override of a day. */
export async function setCalendarOverride(db: Db, override: CalendarOverride & { createdBy: string }): Promise<void> {
  const values = { kind: override.kind, reason: override.reason, created_by: override.createdBy };
  await db
    .insertInto('calendar_overrides')
    .values({ day: override.day, ...values })
    .onConflict((oc) => oc.column('day').doUpdateSet(values))
    .execute();
}

export async function removeCalendarOverride(db: Db, day: string): Promise<boolean> {
  const result = await db.deleteFrom('calendar_overrides').where('day', '=', day).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
