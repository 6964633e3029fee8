import type { RouteHandler } from '@hono/zod-openapi';
import { maskSensitiveText } from '../../domain/mask.ts';
import { listTransfers } from '../../infra/db/repositories/monitor-transfers.ts';
import type { MonitorEnv } from '../auth/monitor-auth.ts';
import { Problem } from '../problem.ts';
import type { MonitorContext } from '../router.ts';
import { decodeCursor, encodeCursor } from '../schemas.ts';
import type { getTransferHistory } from './transfer-history.routes.ts';

const isDay = (value: string) => value.length === 10;

/** A Taipei day starts at its midnight; as an upper bound it includes the whole day. */
export function boundOf(value: string | undefined, edge: 'from' | 'to'): Date | undefined {
  if (!value) return undefined;
  if (!isDay(value)) return new Date(value);
  const start = new Date(`${value}T00:00:00+08:00`);
  return edge === 'from' ? start : new Date(start.getTime() + 86_400_000);
}

export const transferHistoryHandlers = (ctx: MonitorContext) => ({
  getTransferHistory: (async (c) => {
    const q = c.req.valid('query');
    const afterId = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    if (q.cursor !== undefined && afterId === undefined) {
      throw new Problem('validation', 'invalid cursor', {
        errors: [{ field: 'cursor', in: 'query', message: 'not a cursor returned by this API' }],
      });
    }
    const since = boundOf(q.from, 'from');
    const until = boundOf(q.to, 'to');
    if (since && until && since >= until) {
      throw new Problem('validation', 'invalid from, to', {
        errors: [{ field: 'to', in: 'query', message: '`to` must be after `from`' }],
      });
    }
    const page = await listTransfers(ctx.db, {
      bankCode: q.bank_code,
      direction: q.direction,
      result: q.status,
      since,
      until,
      afterId,
      limit: q.limit,
    });
    return c.json(
      {
        // a literal of one fixed shape per row: rest/spread here was the handler's costliest line under load
        items: page.items.map((t) => ({
          id: t.id,
          bank_code: t.bank_code,
          direction: t.direction,
          remote_path: t.remote_path,
          bytes: t.bytes,
          sha256: t.sha256,
          duration_ms: t.duration_ms,
          attempt: t.attempt,
          status: t.result,
          error: t.error ? maskSensitiveText(t.error) : null,
          error_class: t.error_class,
          batch_id: t.batch_id,
          started_at: t.started_at_taipei,
        })),
        next_cursor: page.nextAfterId === null ? null : encodeCursor(page.nextAfterId),
      },
      200,
    );
  }) satisfies RouteHandler<typeof getTransferHistory, MonitorEnv>,
});
