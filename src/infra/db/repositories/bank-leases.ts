/**
 * Per-bank leases: which instance works for which bank (uploads, polls, health checks, retries, cutoffs).
 * Every instance calls `balanceLeases` on a heartbeat: it renews what it holds, gives back what exceeds its fair
 * share (banks / live instances, rounded up) and takes expired leases up to that share with
 * `FOR UPDATE SKIP LOCKED`, so two instances never take the same bank in one round and a dead instance's banks
 * are free once its leases expire. Times are the database's clock (`now()`), so instances with skewed clocks agree
 * on expiry; tests pass `now` to play rounds on simulated time. The ledger (deliver lock, batch states) still
 * refuses a double upload should two instances ever overlap.
 *
 * @example
 *   const round = await balanceLeases(db, { instanceId, bankCodes, now: new Date(), ttlMs: 30_000 });
 *   round.held; // ['ctbc', 'mega']
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../schema.ts';

export interface LeaseRound {
  held: string[];
  acquired: string[];
  released: string[];
  liveInstances: number;
}

const FREE = new Date(0);

export async function balanceLeases(
  db: Kysely<Database>,
  options: { instanceId: string; bankCodes: string[]; ttlMs: number; now?: Date },
): Promise<LeaseRound> {
  const { instanceId, bankCodes } = options;
  if (bankCodes.length === 0) return { held: [], acquired: [], released: [], liveInstances: 1 };
  const now: RawBuilder<Date> = options.now ? sql<Date>`${options.now}::timestamptz` : sql<Date>`now()`;
  const ttl = sql`make_interval(secs => ${options.ttlMs / 1000})`;
  const expires = sql<Date>`${now} + ${ttl}`;
  const liveSince = sql<Date>`${now} - ${ttl}`;
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('service_instances')
      .values({ instance_id: instanceId, heartbeat_at: now })
      .onConflict((oc) => oc.column('instance_id').doUpdateSet({ heartbeat_at: now }))
      .execute();
    await trx
      .insertInto('bank_leases')
      .values(bankCodes.map((bank_code) => ({ bank_code, expires_at: FREE })))
      .onConflict((oc) => oc.column('bank_code').doNothing())
      .execute();
    // Instances gone for long (instance ids are per process by default) leave the list.
    await trx.deleteFrom('service_instances').where('heartbeat_at', '<', sql<Date>`${now} - ${ttl} * 10`).execute();
    const live = await trx
      .selectFrom('service_instances')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('heartbeat_at', '>', liveSince)
      .executeTakeFirstOrThrow();
    const liveInstances = Math.max(1, Number(live.n));
    const fairShare = Math.ceil(bankCodes.length / liveInstances);

    const renewed = await trx
      .updateTable('bank_leases')
      .set({ expires_at: expires })
      .where('instance_id', '=', instanceId)
      .where('bank_code', 'in', bankCodes)
      .returning('bank_code')
      .execute();
    const held = renewed.map((r) => r.bank_code).sort();

    // More than our share (another instance came up): the last ones go back, for it to take.
    const released = held.splice(fairShare);
    if (released.length > 0) {
      await trx
        .updateTable('bank_leases')
        .set({ instance_id: '', expires_at: FREE })
        .where('instance_id', '=', instanceId)
        .where('bank_code', 'in', released)
        .execute();
    }

    const acquired: string[] = [];
    const want = fairShare - held.length;
    if (want > 0) {
      const free = await trx
        .selectFrom('bank_leases')
        .select('bank_code')
        .where('bank_code', 'in', bankCodes)
        .where('expires_at', '<=', now)
        .orderBy('bank_code')
        .limit(want)
        .forUpdate()
        .skipLocked()
        .execute();
      if (free.length > 0) {
        const taken = free.map((r) => r.bank_code);
        await trx
          .updateTable('bank_leases')
          .set({ instance_id: instanceId, expires_at: expires, acquired_at: now })
          .where('bank_code', 'in', taken)
          .execute();
        acquired.push(...taken);
      }
    }
    return { held: [...held, ...acquired].sort(), acquired, released, liveInstances };
  });
}

/** Gives every lease of this instance back at once (clean shutdown) and leaves the live list. */
export async function releaseLeases(db: Kysely<Database>, instanceId: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('bank_leases')
      .set({ instance_id: '', expires_at: FREE })
      .where('instance_id', '=', instanceId)
      .execute();
    await trx.deleteFrom('service_instances').where('instance_id', '=', instanceId).execute();
  });
}

export async function listLeases(db: Kysely<Database>) {
  return db
    .selectFrom('bank_leases')
    .select(['bank_code', 'instance_id', 'expires_at', 'acquired_at'])
    .orderBy('bank_code')
    .execute();
}
