/**
 * PAYMENTS.GENERATE, scheduled or triggered by an operator: for every active bank (at most
 * `max_concurrent_banks` at once) build the day's batches from pending invoices and hand each batch to its
 * bank for delivery. One run at a time across all instances (a unique index on running runs): a second trigger
 * gets the running run's id back as a conflict. A running run beats its heartbeat; a run whose heartbeat stops
 * (its process died) is declared abandoned and run again for the same day (`recoverAbandonedRuns`): building is
 * idempotent (only still-pending invoices are taken), and batches already built are resumed from the ledger.
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { FieldIssue } from '../../domain/formats/index.ts';
import { taipeiDate, taipeiInstant } from '../../domain/taipei-time.ts';
import type { BankConfig, Config } from '../../infra/config/schema.ts';
import { raiseException } from '../../infra/db/repositories/exceptions.ts';
import type { Database } from '../../infra/db/schema.ts';
import { withSpan } from '../../infra/telemetry/tracing.ts';
import { mapWithConcurrency } from '../concurrency.ts';
import { type BuildResult, buildBatchesForBank } from './build-batches.ts';

const DEFAULT_ABANDON_AFTER_MS = 60_000;

export interface PaymentRunDeps {
  db: Kysely<Database>;
  config: Pick<Config, 'banks' | 'company' | 'max_concurrent_banks'>;
  now: () => Date;
  instanceId: string;
  /** Hands a generated batch to its bank's actor; resolves when the bank has taken it (not when uploaded). */
  deliver: (bank: BankConfig, batchId: number) => Promise<void>;
  onSetAside?: (bank: BankConfig, setAside: BuildResult['setAside']) => Promise<void>;
  /**
   * Why the value date is not a business day for the bank (weekend, holiday, closure), or null: a bank is not
   * built on such a day on any path, recovery runs included (docs/operations.md, Value dates).
   */
  closedDay?: (bank: BankConfig, valueDate: string) => string | null;
  /** A running run whose heartbeat is older than this belongs to a dead process (default 60 s). */
  abandonAfterMs?: number;
}

export interface PaymentRunRequest {
  trigger: 'schedule' | 'manual' | 'catch_up' | 'recovery';
  valueDate: string;
  bankCodes?: string[];
  actor?: string;
}

export type StartedRun = { runId: string; done: Promise<RunSummary> } | { conflict: true; runId: string };

export interface RunSummary {
  runId: string;
  status: 'succeeded' | 'partial' | 'failed';
  banks: Array<{
    bank_code: string;
    batches: number;
    transactions: number;
    set_aside: number;
    errors: FieldIssue[];
    error?: string;
  }>;
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || /duplicate key value/.test(e?.message ?? '');
}

/** Marks runs whose process stopped beating as failed; returns them (to be run again). */
async function abandonStaleRuns(deps: PaymentRunDeps) {
  // Heartbeats are written with the database clock, so instances with skewed clocks agree on staleness.
  const staleAfter = `${Math.round((deps.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS) / 1000)} seconds`;
  return deps.db
    .updateTable('payment_runs')
    .set({ status: 'failed', error: 'abandoned: its process stopped (no heartbeat)', finished_at: deps.now() })
    .where('status', '=', 'running')
    .where(sql<boolean>`coalesce(heartbeat_at, started_at) < now() - ${staleAfter}::interval`)
    .returning(['id', 'value_date', 'bank_codes'])
    .execute();
}

/** Runs again, for the same day and banks, every run whose process died before it finished. */
export async function recoverAbandonedRuns(deps: PaymentRunDeps): Promise<StartedRun[]> {
  const abandoned = await abandonStaleRuns(deps);
  const started: StartedRun[] = [];
  for (const run of abandoned) {
    started.push(
      await startPaymentRun(deps, {
        trigger: 'recovery',
        valueDate: run.value_date,
        bankCodes: run.bank_codes as string[],
      }),
    );
  }
  return started;
}

/**
 * Today's PAYMENTS.GENERATE tick claimed by a process that died before it recorded its run: the dispatch log
 * keeps the tick from running again, and no run row exists for `recoverAbandonedRuns` to find, so without this
 * the day's payments would never be generated. Started again for the banks whose cutoff is still ahead (as a
 * catch-up would), once the claim is older than the heartbeat staleness (a live claimer records its run at once).
 */
export async function recoverUnstartedRuns(deps: PaymentRunDeps): Promise<StartedRun[]> {
  const now = deps.now();
  const today = taipeiDate(now);
  const staleAfter = `${Math.round((deps.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS) / 1000)} seconds`;
  const claimed = await deps.db
    .selectFrom('tick_dispatch')
    .select('scheduled_at')
    .where('event', '=', 'PAYMENTS.GENERATE')
    .where('scheduled_at', '>=', taipeiInstant(today, '00:00'))
    .where('scheduled_at', '<=', now)
    .where(sql<boolean>`dispatched_at < now() - ${staleAfter}::interval`)
    .execute();
  if (claimed.length === 0) return [];
  const runs = await deps.db.selectFrom('payment_runs').select('id').where('value_date', '=', today).execute();
  if (runs.length > 0) return [];
  const bankCodes = deps.config.banks
    .filter((b) => b.active && taipeiInstant(today, b.cutoff_time) > now)
    .map((b) => b.bank_code);
  if (bankCodes.length === 0) return [];
  return [await startPaymentRun(deps, { trigger: 'recovery', valueDate: today, bankCodes })];
}

export async function startPaymentRun(deps: PaymentRunDeps, request: PaymentRunRequest): Promise<StartedRun> {
  await abandonStaleRuns(deps);

  const banks = deps.config.banks.filter(
    (b) => b.active && (!request.bankCodes || request.bankCodes.includes(b.bank_code)),
  );
  const runId = randomUUID();
  try {
    await deps.db
      .insertInto('payment_runs')
      .values({
        id: runId,
        trigger: request.trigger,
        value_date: request.valueDate,
        bank_codes: JSON.stringify(banks.map((b) => b.bank_code)),
        instance_id: deps.instanceId,
        heartbeat_at: sql<Date>`now()` as unknown as Date,
      })
      .execute();
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    const running = await deps.db
      .selectFrom('payment_runs')
      .select('id')
      .where('status', '=', 'running')
      .executeTakeFirst();
    return { conflict: true, runId: running?.id ?? 'unknown' };
  }
  const beatEvery = (deps.abandonAfterMs ?? DEFAULT_ABANDON_AFTER_MS) / 4;
  const heartbeat = setInterval(() => {
    deps.db
      .updateTable('payment_runs')
      .set({ heartbeat_at: sql<Date>`now()` as unknown as Date })
      .where('id', '=', runId)
      .execute()
      .catch(() => {});
  }, beatEvery);
  heartbeat.unref?.();
  return { runId, done: executeRun(deps, runId, request.valueDate, banks).finally(() => clearInterval(heartbeat)) };
}

function executeRun(deps: PaymentRunDeps, runId: string, valueDate: string, banks: BankConfig[]): Promise<RunSummary> {
  return withSpan('payment_run', { 'run.id': runId, 'run.value_date': valueDate }, () =>
    executeRunInSpan(deps, runId, valueDate, banks),
  );
}

async function executeRunInSpan(
  deps: PaymentRunDeps,
  runId: string,
  valueDate: string,
  banks: BankConfig[],
): Promise<RunSummary> {
  const perBank = await mapWithConcurrency(banks, deps.config.max_concurrent_banks, async (bank) => {
    const closed = deps.closedDay?.(bank, valueDate) ?? null;
    if (closed) {
      return { bank_code: bank.bank_code, batches: 0, transactions: 0, set_aside: 0, errors: [], error: closed };
    }
    try {
      const built = await withSpan('payment_run.build_batches', { 'bank.code': bank.bank_code, 'run.id': runId }, () =>
        buildBatchesForBank(deps.db, {
          bank,
          company: deps.config.company,
          valueDate,
          runId,
          now: deps.now(),
        }),
      );
      if (built.batchErrors.length > 0) {
        await raiseException(deps.db, {
          bank_code: bank.bank_code,
          kind: 'batch_invalid',
          ref: `run:${runId}`,
          message: `payment run for ${bank.bank_code} on ${valueDate} refused: ${built.batchErrors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
        });
      }
      if (built.setAside.length > 0) {
        for (const item of built.setAside) {
          await raiseException(deps.db, {
            bank_code: bank.bank_code,
            kind: 'invoice_set_aside',
            ref: `invoice:${item.invoice_number}`,
            message: `${item.invoice_number} set aside: ${item.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`,
            details: { errors: item.errors },
          });
        }
        await deps.onSetAside?.(bank, built.setAside);
      }
      for (const batch of built.batches) await deps.deliver(bank, batch.id);
      return {
        bank_code: bank.bank_code,
        batches: built.batches.length,
        transactions: built.batches.reduce((s, b) => s + b.transaction_count, 0),
        set_aside: built.setAside.length,
        errors: built.batchErrors,
      };
    } catch (error) {
      return {
        bank_code: bank.bank_code,
        batches: 0,
        transactions: 0,
        set_aside: 0,
        errors: [],
        error: (error as Error).message,
      };
    }
  });
  const failed = perBank.filter((b) => b.error || b.errors.length > 0).length;
  const status = failed === 0 ? 'succeeded' : failed === perBank.length ? 'failed' : 'partial';
  const summary: RunSummary = { runId, status, banks: perBank };
  await deps.db
    .updateTable('payment_runs')
    .set({ status, finished_at: deps.now(), summary: JSON.stringify(summary) })
    .where('id', '=', runId)
    .execute();
  return summary;
}
