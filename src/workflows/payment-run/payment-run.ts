/**
 * PAYMENTS.GENERATE, scheduled or triggered by an operator: for every active bank (at most
 * `max_concurrent_banks` at once) build the day's batches from pending invoices and hand each batch to its
 * bank for delivery. One run at a time across all instances (a unique index on running runs): a second trigger
 * gets the running run's id back as a conflict. A run left `running` by a dead process is declared abandoned
 * after ten minutes without a heartbeat; its batches are resumed by the bank actors from the ledger.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { FieldIssue } from '../../domain/bank-files/index.ts';
import type { BankConfig, Config } from '../../infra/config/schema.ts';
import { raiseException } from '../../infra/db/repositories/exceptions.ts';
import type { Database } from '../../infra/db/schema.ts';
import { mapWithConcurrency } from '../concurrency.ts';
import { type BuildResult, buildBatchesForBank } from './build-batches.ts';

const ABANDONED_AFTER_MS = 10 * 60_000;

export interface PaymentRunDeps {
  db: Kysely<Database>;
  config: Pick<Config, 'banks' | 'company' | 'max_concurrent_banks'>;
  now: () => Date;
  instanceId: string;
  /** Hands a generated batch to its bank's actor; resolves when the bank has taken it (not when uploaded). */
  deliver: (bank: BankConfig, batchId: number) => Promise<void>;
  onSetAside?: (bank: BankConfig, setAside: BuildResult['setAside']) => Promise<void>;
}

export interface PaymentRunRequest {
  trigger: 'schedule' | 'manual' | 'catch_up';
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

export async function startPaymentRun(deps: PaymentRunDeps, request: PaymentRunRequest): Promise<StartedRun> {
  const now = deps.now();
  await deps.db
    .updateTable('payment_runs')
    .set({ status: 'failed', error: 'abandoned: no heartbeat from its instance', finished_at: now })
    .where('status', '=', 'running')
    .where((eb) =>
      eb.or([
        eb('heartbeat_at', '<', new Date(now.getTime() - ABANDONED_AFTER_MS)),
        eb.and([eb('heartbeat_at', 'is', null), eb('started_at', '<', new Date(now.getTime() - ABANDONED_AFTER_MS))]),
      ]),
    )
    .execute();

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
        heartbeat_at: now,
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
  return { runId, done: executeRun(deps, runId, request.valueDate, banks) };
}

async function executeRun(
  deps: PaymentRunDeps,
  runId: string,
  valueDate: string,
  banks: BankConfig[],
): Promise<RunSummary> {
  const perBank = await mapWithConcurrency(banks, deps.config.max_concurrent_banks, async (bank) => {
    try {
      const built = await buildBatchesForBank(deps.db, {
        bank,
        company: deps.config.company,
        valueDate,
        runId,
        now: deps.now(),
      });
      await deps.db.updateTable('payment_runs').set({ heartbeat_at: deps.now() }).where('id', '=', runId).execute();
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
