import type { RouteHandler } from '@hono/zod-openapi';
import { ValueDateRefused } from '../../domain/calendar/value-date.ts';
import { maskSensitiveText } from '../../domain/mask.ts';
import { batchDetail, findBatch } from '../../infra/db/repositories/monitor-batches.ts';
import type { MonitorEnv } from '../auth/monitor-auth.ts';
import { notes } from '../mask-json.ts';
import { Problem } from '../problem.ts';
import type { MonitorContext } from '../router.ts';
import { runLocation } from '../runs/runs.index.ts';
import { taipeiIso } from '../schemas.ts';
import type { cancelBatch, generateBatches, getBatch, redateBatch } from './batches.routes.ts';

const mask = (text: string | null) => (text ? maskSensitiveText(text) : null);

async function batchOr404(ctx: MonitorContext, ref: string) {
  const batch = await findBatch(ctx.db, ref);
  if (!batch) throw new Problem('not-found', `batch ${ref} does not exist`);
  return batch;
}

async function summary(ctx: MonitorContext, id: number) {
  const b = await batchOr404(ctx, String(id));
  return {
    id: b.id,
    batch_number: b.batch_number,
    bank_code: b.bank_code,
    value_date: b.value_date,
    state: b.state,
    transaction_count: b.transaction_count,
    total_cents: b.total_cents,
    updated_at: taipeiIso(b.updated_at),
  };
}

async function cutoffMissedOr409(ctx: MonitorContext, ref: string) {
  const batch = await batchOr404(ctx, ref);
  if (batch.state !== 'cutoff_missed' && batch.state !== 'value_date_closed') {
    throw new Problem(
      'conflict',
      `batch ${batch.batch_number} is ${batch.state}, not cutoff_missed or value_date_closed`,
    );
  }
  return batch;
}

/**
 * A refused value date is a problem naming the date and why: 400 for a date that can never be one (not a date,
 * past, weekend, holiday), 409 for one the current state refuses (a closure, the cutoff already passed).
 */
async function withValueDateProblem<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof ValueDateRefused)) throw error;
    const kind = error.reason === 'closure' || error.reason === 'after_cutoff' ? 'conflict' : 'validation';
    throw new Problem(kind, error.message, {
      errors: [{ field: 'value_date', in: 'body', message: `${error.reason}: ${error.message}` }],
    });
  }
}

export const batchesHandlers = (ctx: MonitorContext) => ({
  getBatch: (async (c) => {
    const b = await batchOr404(ctx, c.req.valid('param').batch_id);
    const detail = await batchDetail(ctx.db, b);
    return c.json(
      {
        id: b.id,
        batch_number: b.batch_number,
        bank_code: b.bank_code,
        value_date: b.value_date,
        batch_seq: b.batch_seq,
        run_id: b.run_id,
        state: b.state,
        transaction_count: b.transaction_count,
        total_cents: b.total_cents,
        last_error: mask(b.last_error),
        created_at: taipeiIso(b.created_at),
        updated_at: taipeiIso(b.updated_at),
        uploaded_at: taipeiIso(b.uploaded_at),
        confirmed_at: taipeiIso(b.confirmed_at),
        file: {
          format: b.file_format,
          name: b.file_name,
          plaintext_sha256: b.plaintext_sha256,
          ciphertext_sha256: b.ciphertext_sha256,
          byte_size: b.byte_size,
          states: detail.history.map((h) => ({ ...h, reason: mask(h.reason), at: taipeiIso(h.at) })),
          transfers: detail.transfers.map(({ result, ...t }) => ({
            ...t,
            status: result,
            error: mask(t.error),
            started_at: taipeiIso(t.started_at),
          })),
        },
        warnings: notes(b.warnings),
        validation_errors: notes(b.validation_errors),
        transactions: detail.transactions.map((t) => ({
          transaction_id: t.transaction_id,
          seq: t.seq,
          direction: t.direction,
          amount_cents: t.amount_cents,
          account: `****${t.account_last4.slice(-4)}`,
          status: t.status,
          return_code: t.return_code,
          return_reason: mask(t.return_reason),
          bank_reference: t.bank_reference,
          expected_result_by: t.expected_result_by,
          warnings: notes(t.warnings),
          history: t.history.map((h) => ({
            from_status: h.from_status,
            to_status: h.to_status,
            reason: mask(h.reason),
            at: taipeiIso(h.at),
          })),
        })),
      },
      200,
    );
  }) satisfies RouteHandler<typeof getBatch, MonitorEnv>,

  generateBatches: (async (c) => {
    // the body is optional: an empty POST means every active bank, today
    const body = (c.req.valid('json') ?? {}) as { bank_codes?: string[]; value_date?: string };
    const known = new Set(ctx.banks.map((b) => b.bank_code));
    const unknown = (body.bank_codes ?? []).flatMap((code, i) => (known.has(code) ? [] : [{ code, i }]));
    if (unknown.length > 0) {
      throw new Problem('validation', `unknown or inactive bank ${unknown.map((u) => u.code).join(', ')}`, {
        errors: unknown.map((u) => ({ field: `bank_codes.${u.i}`, in: 'body', message: 'not an active bank' })),
      });
    }
    const principal = c.get('principal');
    c.set('audit', { action: 'payment_run.trigger', target: body.bank_codes?.join(',') ?? 'all', details: body });
    const result = await withValueDateProblem(() =>
      ctx.ports.triggerPaymentRun({
        ...(body.bank_codes ? { bankCodes: [...new Set(body.bank_codes)] } : {}),
        ...(body.value_date ? { valueDate: body.value_date } : {}),
        actor: principal.actor,
      }),
    );
    if ('conflict' in result) {
      throw new Problem('payment-run-in-progress', `payment run ${result.runId} is still running`, {
        run_id: result.runId,
      });
    }
    c.set('audit', {
      action: 'payment_run.trigger',
      target: result.runId,
      details: { ...body, run_id: result.runId },
    });
    return c.json({ run_id: result.runId, status: 'running' as const }, 202, { location: runLocation(result.runId) });
  }) satisfies RouteHandler<typeof generateBatches, MonitorEnv>,

  redateBatch: (async (c) => {
    const { batch_id } = c.req.valid('param');
    const { value_date, note } = c.req.valid('json');
    c.set('audit', { action: 'batch.redate', target: `batch:${batch_id}`, details: { value_date, note } });
    const batch = await cutoffMissedOr409(ctx, batch_id);
    await withValueDateProblem(() => ctx.ports.redateBatch(batch.id, value_date, c.get('principal').actor));
    return c.json(await summary(ctx, batch.id), 200);
  }) satisfies RouteHandler<typeof redateBatch, MonitorEnv>,

  cancelBatch: (async (c) => {
    const { batch_id } = c.req.valid('param');
    const { reason } = c.req.valid('json');
    c.set('audit', { action: 'batch.cancel', target: `batch:${batch_id}`, details: { reason } });
    const batch = await cutoffMissedOr409(ctx, batch_id);
    await ctx.ports.cancelBatch(batch.id, c.get('principal').actor, reason);
    return c.json(await summary(ctx, batch.id), 200);
  }) satisfies RouteHandler<typeof cancelBatch, MonitorEnv>,
});
