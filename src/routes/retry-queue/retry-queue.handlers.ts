import type { RouteHandler } from '@hono/zod-openapi';
import { maskSensitiveText } from '../../domain/mask.ts';
import { getRetryEntry, listRetryQueue } from '../../infra/db/repositories/monitor-retry-queue.ts';
import type { MonitorEnv } from '../auth/monitor-auth.ts';
import { cursorOrProblem } from '../exceptions/exceptions.handlers.ts';
import { Problem } from '../problem.ts';
import type { MonitorContext } from '../router.ts';
import { encodeCursor, taipeiIso } from '../schemas.ts';
import type { listRetryQueueRoute, retryNowRoute } from './retry-queue.routes.ts';

type Entry = NonNullable<Awaited<ReturnType<typeof getRetryEntry>>>;

const entryJson = (e: Entry) => ({
  ...e,
  last_error: e.last_error ? maskSensitiveText(e.last_error) : null,
  due_at: taipeiIso(e.due_at),
  created_at: taipeiIso(e.created_at),
  updated_at: taipeiIso(e.updated_at),
});

export const retryQueueHandlers = (ctx: MonitorContext) => ({
  listRetryQueue: (async (c) => {
    const q = c.req.valid('query');
    const beforeId = cursorOrProblem(q.cursor);
    const page = await listRetryQueue(ctx.db, {
      status: q.status,
      bankCode: q.bank_code,
      limit: q.limit,
      ...(beforeId === undefined ? {} : { beforeId }),
    });
    return c.json(
      {
        items: page.items.map(entryJson),
        next_cursor: page.nextBeforeId === null ? null : encodeCursor(page.nextBeforeId),
      },
      200,
    );
  }) satisfies RouteHandler<typeof listRetryQueueRoute, MonitorEnv>,

  retryNow: (async (c) => {
    const { id } = c.req.valid('param');
    c.set('audit', { action: 'retry_queue.retry', target: `retry:${id}` });
    const entry = await getRetryEntry(ctx.db, id);
    if (!entry) throw new Problem('not-found', `retry-queue entry ${id} does not exist`);
    if (entry.status !== 'pending' && entry.status !== 'manual_intervention') {
      throw new Problem('conflict', `retry-queue entry ${id} is ${entry.status}`);
    }
    await ctx.ports.retryNow(id, c.get('principal').actor);
    const after = (await getRetryEntry(ctx.db, id)) ?? entry;
    c.set('audit', { action: 'retry_queue.retry', target: `retry:${id}`, details: { outcome: after.status } });
    return c.json(entryJson(after), 200);
  }) satisfies RouteHandler<typeof retryNowRoute, MonitorEnv>,
});
