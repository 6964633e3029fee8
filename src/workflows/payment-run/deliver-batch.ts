/**
 * Moves one batch from `generated` to `uploaded`: encrypt once (the ciphertext and its SHA-256 are stored, so
 * every re-attempt uploads the same bytes under the same name), check the cutoff, upload idempotently, record
 * the transfer, mark the transactions `sent`. Safe to call again at any point after a crash: each step starts
 * from the persisted state. Failures are rethrown for the bank actor to classify (retry table); the batch keeps
 * its state, so nothing is dropped.
 */
import type { Kysely } from 'kysely';
import { isOperationalError, OperationalError } from '../../domain/failure.ts';
import { taipeiInstant } from '../../domain/taipei-time.ts';
import type { BankConfig } from '../../infra/config/schema.ts';
import { getBatch, transitionBatch } from '../../infra/db/repositories/batch-ledger.ts';
import { closureFor } from '../../infra/db/repositories/calendar-overrides.ts';
import { raiseException } from '../../infra/db/repositories/exceptions.ts';
import type { Database } from '../../infra/db/schema.ts';
import { withSpan } from '../../infra/telemetry/tracing.ts';
import type { BankCrypto, BankTransport } from '../ports.ts';
import { sha256Hex } from '../sha256.ts';
import { stopBatchesOfClosedDay } from './closures.ts';

export interface DeliverDeps {
  db: Kysely<Database>;
  crypto: BankCrypto;
  transport: BankTransport;
  now: () => Date;
  instanceId: string;
  /** The day the bank's result is due for a batch of this value date (the bank's result window). */
  expectedResultBy?: (bank: BankConfig, valueDate: string) => string;
}

export type DeliverOutcome = 'uploaded' | 'already_done' | 'cutoff_missed' | 'value_date_closed' | 'skipped';

export function cutoffInstant(bank: BankConfig, valueDate: string): Date {
  return taipeiInstant(valueDate, bank.cutoff_time);
}

async function markCutoffMissed(deps: DeliverDeps, bank: BankConfig, batchId: number, from: string[]) {
  const moved = await transitionBatch(deps.db, batchId, from as never, 'cutoff_missed', {
    reason: `not uploaded by the ${bank.cutoff_time} cutoff; waiting for an operator to re-date or cancel`,
    now: deps.now(),
  });
  if (moved) {
    const batch = await getBatch(deps.db, batchId);
    await raiseException(deps.db, {
      bank_code: bank.bank_code,
      kind: 'cutoff_missed',
      ref: `batch:${batchId}`,
      message: `${batch?.batch_number} (${batch?.transaction_count} transactions) missed the ${bank.cutoff_time} cutoff of ${batch?.value_date}; re-date or cancel it`,
      details: { batch_id: batchId, value_date: batch?.value_date },
    });
  }
}

export async function deliverBatch(deps: DeliverDeps, bank: BankConfig, batchId: number, signal?: AbortSignal) {
  let batch = await getBatch(deps.db, batchId);
  if (!batch) throw new OperationalError('batch_not_found', 'critical', `batch ${batchId} does not exist`);
  if (!['generated', 'encrypted', 'uploading'].includes(batch.state)) return 'skipped' as DeliverOutcome;

  // Nothing is ever sent late: past the cutoff the batch waits for an operator decision.
  if (deps.now() >= cutoffInstant(bank, batch.value_date)) {
    await markCutoffMissed(deps, bank, batchId, ['generated', 'encrypted', 'uploading']);
    return 'cutoff_missed' as DeliverOutcome;
  }
  // Read fresh, not from this instance's calendar: a closure declared a second ago elsewhere stops the upload.
  const closure = await closureFor(deps.db, batch.value_date, bank.bank_code);
  if (closure) {
    await stopBatchesOfClosedDay(deps.db, {
      day: batch.value_date,
      bankCode: bank.bank_code,
      reason: closure.reason,
      now: deps.now(),
    });
    return 'value_date_closed' as DeliverOutcome;
  }

  if (batch.state === 'generated') {
    const ciphertext = await deps.crypto.protect(bank, batch.file_name, batch.plaintext!);
    await transitionBatch(deps.db, batchId, ['generated'], 'encrypted', {
      set: { ciphertext, ciphertext_sha256: sha256Hex(ciphertext) },
      reason: bank.pgp.encrypt ? 'signed and encrypted for the bank' : 'bank profile sends plaintext',
      now: deps.now(),
    });
    batch = (await getBatch(deps.db, batchId))!;
  }
  if (batch.state === 'encrypted') {
    await transitionBatch(deps.db, batchId, ['encrypted'], 'uploading', { now: deps.now() });
  }

  const previous = await deps.db
    .selectFrom('transfers')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('batch_id', '=', batchId)
    .where('direction', '=', 'upload')
    .executeTakeFirst();
  const attempt = Number(previous?.n ?? 0) + 1;
  const started = deps.now();
  const ciphertext = batch.ciphertext!;
  try {
    const result = await withSpan('sftp.upload', { 'bank.code': bank.bank_code, 'file.bytes': ciphertext.length }, () =>
      deps.transport.upload(bank, { name: batch.file_name, bytes: ciphertext }, signal),
    );
    if (result.sha256 !== batch.ciphertext_sha256) {
      throw new OperationalError(
        'upload_digest_mismatch',
        'critical',
        `bank ${bank.bank_code}: ${batch.file_name} arrived with SHA-256 ${result.sha256}, the ledger holds ${batch.ciphertext_sha256}`,
      );
    }
    // The transfer, the batch's `uploaded` state and its transactions' `sent` status land together: a crash
    // between them would leave an uploaded batch whose payments stay `pending`, and a restart only resumes
    // batches that are not `uploaded` yet. Nothing committed: the retry finds the file `already_done`.
    await withSpan('batch.record', { 'bank.code': bank.bank_code, 'batch.id': batchId }, () =>
      deps.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('transfers')
          .values({
            bank_code: bank.bank_code,
            direction: 'upload',
            remote_path: result.remotePath,
            bytes: result.bytes,
            sha256: result.sha256,
            duration_ms: Math.round(result.durationMs),
            attempt,
            result: result.outcome === 'already_done' ? 'already_done' : 'success',
            batch_id: batchId,
            instance_id: deps.instanceId,
            started_at: started,
          })
          .execute();
        await transitionBatch(trx, batchId, ['uploading'], 'uploaded', {
          set: { uploaded_at: deps.now() },
          reason: result.outcome === 'already_done' ? 'already at the bank with the same SHA-256' : 'uploaded',
          now: deps.now(),
        });
        await markTransactionsSent(trx, batchId, deps.now(), deps.expectedResultBy?.(bank, batch.value_date) ?? null);
      }),
    );
    return result.outcome as DeliverOutcome;
  } catch (error) {
    await deps.db
      .insertInto('transfers')
      .values({
        bank_code: bank.bank_code,
        direction: 'upload',
        remote_path: `${bank.upload_path}/${batch.file_name}`,
        bytes: 0,
        sha256: batch.ciphertext_sha256,
        duration_ms: Math.max(0, deps.now().getTime() - started.getTime()),
        attempt,
        result: 'failure',
        error: (error as Error).message,
        error_class: isOperationalError(error) ? `${error.code}:${error.retryClass}` : 'unknown:backoff',
        batch_id: batchId,
        instance_id: deps.instanceId,
        started_at: started,
      })
      .execute();
    await deps.db
      .updateTable('payment_batches')
      .set({ last_error: (error as Error).message, updated_at: deps.now() })
      .where('id', '=', batchId)
      .execute();
    throw error;
  }
}

async function markTransactionsSent(trx: Kysely<Database>, batchId: number, now: Date, expectedBy: string | null) {
  const moved = await trx
    .updateTable('transactions')
    .set({ status: 'sent', updated_at: now, ...(expectedBy ? { expected_result_by: expectedBy } : {}) })
    .where('batch_id', '=', batchId)
    .where('status', '=', 'pending')
    .returning('id')
    .execute();
  if (moved.length > 0) {
    await trx
      .insertInto('transaction_status_history')
      .values(
        moved.map((r) => ({ transaction_id: r.id, from_status: 'pending', to_status: 'sent', reason: 'uploaded' })),
      )
      .execute();
  }
}

/** Cutoff passed for every undelivered batch of this bank whose value date is today: mark them. */
export async function raiseCutoffMissed(deps: DeliverDeps, bank: BankConfig, valueDate: string): Promise<number> {
  const pending = await deps.db
    .selectFrom('payment_batches')
    .select('id')
    .where('bank_code', '=', bank.bank_code)
    .where('value_date', '<=', valueDate)
    .where('state', 'in', ['generated', 'encrypted', 'uploading'])
    .execute();
  for (const row of pending) await markCutoffMissed(deps, bank, row.id, ['generated', 'encrypted', 'uploading']);
  return pending.length;
}
