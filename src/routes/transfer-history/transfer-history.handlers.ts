import type { RouteHandler } from '@hono/zod-openapi';
import { maskSensitiveText } from '../../domain/mask.ts';
import { listTransfers } from '../../infra/db/repositories/monitor-transfers.ts';
import type { MonitorEnv } from '../auth/monitor-auth.ts';
import { jsonText } from '../json-text.ts';
import { Problem } from '../problem.ts';
import type { MonitorContext } from '../router.ts';
import { decodeCursor, encodeCursor } from '../schemas.ts';
import { type getTransferHistory, TransferPageSchema } from './transfer-history.routes.ts';

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
    // The rows arrive as JSON text (see listTransfers); only `error` is masked and added here.
    const items = page.items.map(
      (t) => `${t.json.slice(0, -1)},"error":${t.error ? JSON.stringify(maskSensitiveText(t.error)) : 'null'}}`,
    );
    const next = page.nextAfterId === null ? 'null' : `"${encodeCursor(page.nextAfterId)}"`;
    return jsonText(c, TransferPageSchema, `{"items":[${items.join(',')}],"next_cursor":${next}}`, 200);
  }) satisfies RouteHandler<typeof getTransferHistory, MonitorEnv>,
});
