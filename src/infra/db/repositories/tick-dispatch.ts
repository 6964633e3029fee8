/**
 * The dispatch log of the clock (table tick_dispatch, primary key (event, scheduled_at)). A tick is dispatched
 * only by the instance whose insert happened, so it runs at most once across all instances and leader changes.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, TickDispatchTable } from '../schema.ts';

type Db = Kysely<Database>;

export type TickDispatchRow = Selectable<TickDispatchTable>;

/** true when this call recorded the tick (dispatch it), false when someone already had. */
export async function claimTick(
  db: Db,
  tick: { event: string; scheduledAt: Date; instanceId: string; catchUp?: boolean },
): Promise<boolean> {
  const inserted = await db
    .insertInto('tick_dispatch')
    .values({
      event: tick.event,
      scheduled_at: tick.scheduledAt,
      instance_id: tick.instanceId,
      catch_up: tick.catchUp ?? false,
    })
    .onConflict((oc) => oc.columns(['event', 'scheduled_at']).doNothing())
    .returning('event')
    .execute();
  return inserted.length > 0;
}

export async function listDispatchedTicks(db: Db, range: { from: Date; to: Date }): Promise<TickDispatchRow[]> {
  return db
    .selectFrom('tick_dispatch')
    .selectAll()
    .where('scheduled_at', '>=', range.from)
    .where('scheduled_at', '<', range.to)
    .orderBy('scheduled_at')
    .orderBy('event')
    .execute();
}

/** Dispatch-log rows older than `before` (housekeeping: the log only has to outlive the catch-up window). */
export async function pruneDispatchedTicks(db: Db, before: Date): Promise<number> {
  const result = await db.deleteFrom('tick_dispatch').where('scheduled_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
