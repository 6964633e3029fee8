/**
 * The durable retry queue (docs/operations.md: work that exhausted its backoff, or arrived while a bank's breaker was
 * open, waits here for RETRY.PROCESS). Safe with several instances: entries are claimed with
 * `FOR UPDATE SKIP LOCKED` and a lease (locked_by/locked_until), so two instances never retry the same entry at
 * once and a crashed instance's claim runs out; one open entry per (bank, kind, ref) (partial unique index).
 *
 * @example
 *   await enqueueRetry(db, { bankCode: 'mega', kind: 'upload', ref: '42', dueAt, error: 'ECONNREFUSED' });
 *   const due = await claimDueRetries(db, { owner: 'instance-a', now: new Date(), leaseMs: 600_000 });
 */
import { type Kysely, sql } from 'kysely';
import type { Database, RetryEntry } from '../schema.ts';

type Db = Kysely<Database>;

const OPEN = ['pending', 'in_progress', 'manual_intervention'] as const;

export interface RetryEnqueue {
  bankCode: string;
  kind: string;
  ref: string;
  payload?: Record<string, unknown>;
  dueAt: Date;
  /** Attempts already made before the entry reached the queue. */
  attempts?: number;
  error?: string | null;
  errorClass?: string | null;
  /** Enqueue straight into manual intervention (a critical failure). */
  manual?: boolean;
}

/**
 * Adds the work, or updates the open entry for the same (bank, kind, ref): the work is never queued twice. An
 * entry waiting for an operator stays waiting; an earlier due time is kept.
 */
export async function enqueueRetry(db: Db, entry: RetryEnqueue): Promise<RetryEntry> {
  return db
    .insertInto('retry_queue')
    .values({
      bank_code: entry.bankCode,
      kind: entry.kind,
      ref: entry.ref,
      payload: JSON.stringify(entry.payload ?? {}),
      attempts: entry.attempts ?? 0,
      due_at: entry.dueAt,
      status: entry.manual ? 'manual_intervention' : 'pending',
      last_error: entry.error ?? null,
      error_class: entry.errorClass ?? null,
    })
    .onConflict((oc) =>
      oc
        .columns(['bank_code', 'kind', 'ref'])
        .where('status', 'in', OPEN)
        .doUpdateSet((eb) => ({
          payload: eb.ref('excluded.payload'),
          attempts: sql<number>`greatest(retry_queue.attempts, excluded.attempts)`,
          due_at: sql<Date>`least(retry_queue.due_at, excluded.due_at)`,
          status: entry.manual ? 'manual_intervention' : eb.ref('retry_queue.status'),
          last_error: sql<string | null>`coalesce(excluded.last_error, retry_queue.last_error)`,
          error_class: sql<string | null>`coalesce(excluded.error_class, retry_queue.error_class)`,
          updated_at: sql<Date>`now()`,
        })),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export interface ClaimOptions {
  /** Who holds the lease (instance id / bank actor). */
  owner: string;
  now: Date;
  /** How long the claim holds before another instance may take the entry over. */
  leaseMs: number;
  bankCode?: string;
  limit?: number;
}

/** Claims due entries (and entries whose lease ran out) for `owner`, oldest due first. */
export async function claimDueRetries(db: Db, options: ClaimOptions): Promise<RetryEntry[]> {
  const lockedUntil = new Date(options.now.getTime() + options.leaseMs);
  const bank = options.bankCode;
  const rows = await sql<RetryEntry>`
    update retry_queue set status = 'in_progress', locked_by = ${options.owner}, locked_until = ${lockedUntil},
           updated_at = now()
     where id in (
       select id from retry_queue
        where ((status = 'pending' and due_at <= ${options.now})
               or (status = 'in_progress' and locked_until < ${options.now}))
          and (${bank ?? null}::text is null or bank_code = ${bank ?? null})
        order by due_at, id
        limit ${options.limit ?? 100}
        for update skip locked)
    returning *`.execute(db);
  return rows.rows.sort((a, b) => a.due_at.getTime() - b.due_at.getTime() || a.id - b.id);
}

/** The retried work succeeded. */
export async function completeRetry(db: Db, id: number): Promise<void> {
  await db
    .updateTable('retry_queue')
    .set({ status: 'done', locked_by: null, locked_until: null, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

/** The retried work failed again: count the attempt and wait until `dueAt`. */
export async function rescheduleRetry(
  db: Db,
  id: number,
  update: { dueAt: Date; error: string; errorClass?: string | null },
): Promise<void> {
  await db
    .updateTable('retry_queue')
    .set((eb) => ({
      status: 'pending',
      attempts: eb('attempts', '+', 1),
      due_at: update.dueAt,
      last_error: update.error,
      error_class: update.errorClass ?? null,
      locked_by: null,
      locked_until: null,
      updated_at: sql`now()`,
    }))
    .where('id', '=', id)
    .execute();
}

/** A critical failure: the entry waits for an operator. */
export async function markRetryManual(db: Db, id: number, error: string, errorClass?: string | null): Promise<void> {
  await db
    .updateTable('retry_queue')
    .set((eb) => ({
      status: 'manual_intervention',
      attempts: eb('attempts', '+', 1),
      last_error: error,
      error_class: errorClass ?? null,
      locked_by: null,
      locked_until: null,
      updated_at: sql`now()`,
    }))
    .where('id', '=', id)
    .execute();
}

/** An operator resolved a bank's manual intervention: its entries are retried at `now`, or cancelled. */
export async function resolveManualRetries(
  db: Db,
  bankCode: string,
  decision: { retry: boolean; now: Date },
): Promise<number> {
  const result = await db
    .updateTable('retry_queue')
    .set({
      status: decision.retry ? 'pending' : 'cancelled',
      due_at: decision.now,
      locked_by: null,
      locked_until: null,
      updated_at: sql`now()`,
    })
    .where('bank_code', '=', bankCode)
    .where('status', '=', 'manual_intervention')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function cancelRetry(db: Db, id: number): Promise<void> {
  await db
    .updateTable('retry_queue')
    .set({ status: 'cancelled', locked_by: null, locked_until: null, updated_at: sql`now()` })
    .where('id', '=', id)
    .where('status', 'in', OPEN)
    .execute();
}

export interface RetryQueueStats {
  bankCode: string;
  /** Open entries: pending, in progress or waiting for an operator. */
  size: number;
  manual: number;
  /** Earliest due time of a pending entry. */
  nextDueAt: Date | null;
}

export async function retryQueueStats(db: Db): Promise<RetryQueueStats[]> {
  const rows = await db
    .selectFrom('retry_queue')
    .select((eb) => [
      'bank_code',
      eb.fn.countAll<number>().as('size'),
      sql<number>`count(*) filter (where status = 'manual_intervention')`.as('manual'),
      sql<Date | null>`min(due_at) filter (where status = 'pending')`.as('next_due_at'),
    ])
    .where('status', 'in', OPEN)
    .groupBy('bank_code')
    .orderBy('bank_code')
    .execute();
  return rows.map((r) => ({
    bankCode: r.bank_code,
    size: Number(r.size),
    manual: Number(r.manual),
    nextDueAt: r.next_due_at ? new Date(r.next_due_at) : null,
  }));
}

export async function listRetries(db: Db, filter: { bankCode?: string; open?: boolean } = {}): Promise<RetryEntry[]> {
  let query = db.selectFrom('retry_queue').selectAll().orderBy('due_at').orderBy('id');
  if (filter.bankCode) query = query.where('bank_code', '=', filter.bankCode);
  if (filter.open) query = query.where('status', 'in', OPEN);
  return query.execute();
}
