import type { RouteHandler } from '@hono/zod-openapi';
import { taipeiDate } from '../../domain/taipei-time.ts';
import {
  ClosureRefused,
  declareClosure as declare,
  listClosures as list,
  reopenClosure as reopen,
} from '../../workflows/payment-run/closures.ts';
import type { MonitorEnv } from '../auth/monitor-auth.ts';
import { Problem } from '../problem.ts';
import type { MonitorContext } from '../router.ts';
import { taipeiIso } from '../schemas.ts';
import type { declareClosure, listClosures, reopenClosure } from './calendar.routes.ts';

function asProblem(error: unknown): never {
  if (error instanceof ClosureRefused) {
    const kind = error.reason === 'not_found' ? 'not-found' : error.reason === 'past' ? 'conflict' : 'validation';
    throw new Problem(kind, error.message, {
      errors: [{ field: 'date', in: error.reason === 'not_found' ? 'path' : 'body', message: error.message }],
    });
  }
  throw error;
}

export const calendarHandlers = (ctx: MonitorContext) => ({
  listClosures: (async (c) => {
    const { from } = c.req.valid('query');
    const rows = await list(ctx.db, from ?? taipeiDate(ctx.now()));
    return c.json(
      {
        closures: rows.map((r) => ({
          date: r.day,
          bank_code: r.bankCode ?? '*',
          reason: r.reason,
          created_by: r.createdBy,
          created_at: taipeiIso(r.createdAt),
        })),
      },
      200,
    );
  }) satisfies RouteHandler<typeof listClosures, MonitorEnv>,

  declareClosure: (async (c) => {
    const body = c.req.valid('json');
    const actor = c.get('principal').actor;
    const known = new Set(ctx.banks.map((b) => b.bank_code));
    if (body.bank_code && !known.has(body.bank_code)) {
      throw new Problem('validation', `unknown or inactive bank ${body.bank_code}`, {
        errors: [{ field: 'bank_code', in: 'body', message: 'not an active bank' }],
      });
    }
    c.set('audit', {
      action: 'calendar.close',
      target: body.date,
      details: { date: body.date, bank_code: body.bank_code ?? '*', reason: body.reason },
    });
    const result = await declare(ctx.db, {
      day: body.date,
      reason: body.reason,
      actor,
      now: ctx.now(),
      ...(body.bank_code ? { bankCode: body.bank_code } : {}),
    }).catch(asProblem);
    c.set('audit', {
      action: 'calendar.close',
      target: body.date,
      details: {
        date: body.date,
        bank_code: body.bank_code ?? '*',
        reason: body.reason,
        stopped_batches: result.stoppedBatches,
      },
    });
    const row = (await list(ctx.db, body.date)).find(
      (r) => r.day === body.date && (r.bankCode ?? '*') === (body.bank_code ?? '*'),
    )!;
    return c.json(
      {
        date: row.day,
        bank_code: row.bankCode ?? '*',
        reason: row.reason,
        created_by: row.createdBy,
        created_at: taipeiIso(row.createdAt),
        stopped_batches: result.stoppedBatches,
      },
      201,
    );
  }) satisfies RouteHandler<typeof declareClosure, MonitorEnv>,

  reopenClosure: (async (c) => {
    const { date } = c.req.valid('param');
    const { bank_code } = c.req.valid('query');
    c.set('audit', { action: 'calendar.reopen', target: date, details: { date, bank_code: bank_code ?? '*' } });
    await reopen(ctx.db, {
      day: date,
      actor: c.get('principal').actor,
      now: ctx.now(),
      ...(bank_code ? { bankCode: bank_code } : {}),
    }).catch(asProblem);
    return c.body(null, 204);
  }) satisfies RouteHandler<typeof reopenClosure, MonitorEnv>,
});
