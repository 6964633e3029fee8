/**
 * Ad-hoc closures (typhoon days, 颱風假) declared by an operator through the API or the CLI
 * (docs/operations.md, Ad-hoc closures). A closure is a calendar override of kind `holiday` for one day, for
 * every bank or one; the change moves the calendar version every instance polls. Batches already built for a
 * newly closed day stop where they are (`value_date_closed`) and wait for re-date or cancel, like
 * `cutoff_missed`; the upload checks the closure again right before it sends (deliver-batch.ts).
 */
import type { Kysely } from 'kysely';
import { isIsoDay } from '../../domain/calendar/days.ts';
import { taipeiDate } from '../../domain/taipei-time.ts';
import { recordAudit } from '../../infra/db/repositories/audit-log.ts';
import { transitionBatch } from '../../infra/db/repositories/batch-ledger.ts';
import {
  type CalendarOverrideRow,
  listCalendarOverrides,
  removeCalendarOverride,
  setCalendarOverride,
} from '../../infra/db/repositories/calendar-overrides.ts';
import { raiseException } from '../../infra/db/repositories/exceptions.ts';
import type { Database } from '../../infra/db/schema.ts';

/** Batch states that have not reached the bank yet: a closure of their value date stops them. */
export const NOT_YET_UPLOADED = ['generated', 'encrypted', 'uploading'] as const;

export class ClosureRefused extends Error {
  override readonly name = 'ClosureRefused';
  constructor(
    readonly reason: 'invalid' | 'past' | 'not_found',
    message: string,
  ) {
    super(message);
  }
}

export interface ClosureChange {
  day: string;
  /** One bank only; absent = every bank. */
  bankCode?: string;
  actor: string;
  now: Date;
  /** The CLI writes its own audit row; the API's middleware writes the request's. */
  audit?: boolean;
}

function refuseUnchangeable(day: string, now: Date) {
  if (!isIsoDay(day)) throw new ClosureRefused('invalid', `date ${day} is not a date (YYYY-MM-DD)`);
  const today = taipeiDate(now);
  if (day < today)
    throw new ClosureRefused('past', `date ${day} is in the past (today is ${today}); it cannot be changed`);
}

/** Marks the not-yet-uploaded batches of a closed day `value_date_closed`, each with its exception. */
export async function stopBatchesOfClosedDay(
  db: Kysely<Database>,
  options: { day: string; bankCode?: string; reason: string; now: Date },
): Promise<number[]> {
  let query = db
    .selectFrom('payment_batches')
    .select(['id', 'bank_code', 'batch_number', 'file_name', 'transaction_count'])
    .where('value_date', '=', options.day)
    .where('state', 'in', [...NOT_YET_UPLOADED]);
  if (options.bankCode) query = query.where('bank_code', '=', options.bankCode);
  const stopped: number[] = [];
  for (const batch of await query.execute()) {
    const moved = await transitionBatch(db, batch.id, [...NOT_YET_UPLOADED], 'value_date_closed', {
      reason: `value date ${options.day} closed (${options.reason}); waiting for re-date or cancel`,
      now: options.now,
    });
    if (!moved) continue;
    stopped.push(batch.id);
    await raiseException(db, {
      bank_code: batch.bank_code,
      kind: 'value_date_closed',
      ref: `batch:${batch.id}`,
      message: `${batch.batch_number} (${batch.file_name}, ${batch.transaction_count} transactions) is dated ${options.day}, which was closed (${options.reason}); re-date or cancel it`,
      details: { batch_id: batch.id, value_date: options.day, reason: options.reason },
    });
  }
  return stopped;
}

export async function declareClosure(
  db: Kysely<Database>,
  change: ClosureChange & { reason: string },
): Promise<{ stoppedBatches: number[] }> {
  refuseUnchangeable(change.day, change.now);
  const reason = change.reason?.trim() ?? '';
  if (reason === '') throw new ClosureRefused('invalid', 'a closure needs a reason');
  return db.transaction().execute(async (trx) => {
    await setCalendarOverride(trx, {
      day: change.day,
      kind: 'holiday',
      reason,
      createdBy: change.actor,
      ...(change.bankCode ? { bankCode: change.bankCode } : {}),
    });
    const stoppedBatches = await stopBatchesOfClosedDay(trx, {
      day: change.day,
      reason,
      now: change.now,
      ...(change.bankCode ? { bankCode: change.bankCode } : {}),
    });
    if (change.audit) {
      await recordAudit(trx, {
        actor: change.actor,
        action: 'calendar.close',
        target: change.day,
        result: 'success',
        details: { date: change.day, bank_code: change.bankCode ?? '*', reason, stopped_batches: stoppedBatches },
      });
    }
    return { stoppedBatches };
  });
}

export async function reopenClosure(db: Kysely<Database>, change: ClosureChange): Promise<void> {
  refuseUnchangeable(change.day, change.now);
  await db.transaction().execute(async (trx) => {
    const removed = await removeCalendarOverride(trx, change.day, change.bankCode ?? '*');
    if (!removed) {
      throw new ClosureRefused(
        'not_found',
        `no closure on ${change.day}${change.bankCode ? ` for ${change.bankCode}` : ' for every bank'}`,
      );
    }
    if (change.audit) {
      await recordAudit(trx, {
        actor: change.actor,
        action: 'calendar.reopen',
        target: change.day,
        result: 'success',
        details: { date: change.day, bank_code: change.bankCode ?? '*' },
      });
    }
  });
}

/** Closures from `from` on (default: all), oldest first. */
export async function listClosures(db: Kysely<Database>, from?: string): Promise<CalendarOverrideRow[]> {
  const rows = await listCalendarOverrides(db, from ? { from } : {});
  return rows.filter((r) => r.kind === 'holiday');
}
