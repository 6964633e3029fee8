/**
 * The actors' ports implemented on the database repositories (bank_state, retry_queue, tick_dispatch,
 * leadership). main.ts builds these once and hands them to `createActorSystem`.
 *
 * @example
 *   const store = createDbBankStore(db, { owner: instanceId });
 *   const ticks = createDbTickLog(db, { instanceId, leadership: createLeadership(db, kind) });
 */
import type { Kysely } from 'kysely';
import type { Tick } from '../domain/schedule.ts';
import { loadBankState, saveBankState, toBankStateWrite } from '../infra/db/repositories/bank-state.ts';
import type { Leadership } from '../infra/db/repositories/leadership.ts';
import {
  claimDueRetries,
  completeRetry,
  enqueueRetry,
  markRetryManual,
  rescheduleRetry,
  resolveManualRetries,
  retryQueueStats,
} from '../infra/db/repositories/retry-queue.ts';
import { claimTick } from '../infra/db/repositories/tick-dispatch.ts';
import type { Database } from '../infra/db/schema.ts';
import type { BankStore, TickLog, WorkKind } from './ports.ts';

export function createDbBankStore(
  db: Kysely<Database>,
  options: { owner: string; leaseMs?: number; claimLimit?: number },
): BankStore {
  const leaseMs = options.leaseMs ?? 15 * 60_000;
  return {
    saveState: (state) => saveBankState(db, state),
    loadState: async (bankCode) => {
      const row = await loadBankState(db, bankCode);
      return row ? toBankStateWrite(row) : null;
    },
    enqueue: async (entry) => {
      await enqueueRetry(db, entry);
    },
    claimDue: async (bankCode, now) => {
      const rows = await claimDueRetries(db, {
        owner: `${options.owner}:${bankCode}`,
        now,
        leaseMs,
        bankCode,
        limit: options.claimLimit ?? 50,
      });
      return rows.map((r) => ({
        id: r.id,
        kind: r.kind as WorkKind,
        ref: r.ref,
        payload: r.payload,
        attempts: r.attempts,
      }));
    },
    complete: (id) => completeRetry(db, id),
    reschedule: (id, dueAt, error, errorClass) => rescheduleRetry(db, id, { dueAt, error, errorClass }),
    markManual: (id, error, errorClass) => markRetryManual(db, id, error, errorClass),
    resolveManual: async (bankCode, retry, now) => {
      await resolveManualRetries(db, bankCode, { retry, now });
    },
    queueStats: async () =>
      (await retryQueueStats(db)).map(({ bankCode, size, nextDueAt }) => ({ bankCode, size, nextDueAt })),
  };
}

export function createDbTickLog(
  db: Kysely<Database>,
  options: { instanceId: string; leadership: Leadership },
): TickLog {
  return {
    isLeader: () => options.leadership.isLeader(),
    claim: (tick: Tick) =>
      claimTick(db, {
        event: tick.key,
        scheduledAt: tick.scheduledAt,
        instanceId: options.instanceId,
        catchUp: tick.catchUp,
      }),
  };
}
