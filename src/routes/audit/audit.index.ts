/** `GET /audit`: the audit log, newest first, for operators (it names who did what; viewers get 403). */
import { createRoute, z } from '@hono/zod-openapi';
import { listAuditPage } from '../../infra/db/repositories/audit-log.ts';
import { cursorOrProblem } from '../exceptions/exceptions.handlers.ts';
import { maskJson } from '../mask-json.ts';
import { Problem, problems } from '../problem.ts';
import { createRouter, type MonitorContext } from '../router.ts';
import { CursorQuery, encodeCursor, freeText, Instant, LimitQuery, security, taipeiIso } from '../schemas.ts';

const AuditEntrySchema = z
  .object({
    id: z.number().int(),
    at: Instant,
    actor: z.string(),
    action: z.string(),
    target: z.string().nullable(),
    result: z.string(),
    details: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEntry', {
    example: {
      id: 812,
      at: '2026-11-26T09:12:03.120+08:00',
      actor: 'ops-alice#3',
      action: 'retry_queue.retry',
      target: 'retry:41',
      result: 'success',
      details: { method: 'POST', path: '/api/v1/banking-monitor/retry-queue/41/retry', status: 200 },
    },
  });

export const listAuditRoute = createRoute({
  method: 'get',
  path: '/audit',
  tags: ['audit'],
  summary: 'Audit log entries, newest first (operator role)',
  security,
  request: {
    query: z.object({
      since: Instant.optional().openapi({ param: { name: 'since', in: 'query' } }),
      actor: freeText(z.string().max(200))
        .optional()
        .openapi({ param: { name: 'actor', in: 'query' }, example: 'ops-alice#3' }),
      action: freeText(z.string().max(100))
        .optional()
        .openapi({ param: { name: 'action', in: 'query' }, example: 'batch.redate' }),
      cursor: CursorQuery,
      limit: LimitQuery,
    }),
  },
  responses: {
    200: {
      description: 'One page of entries',
      content: {
        'application/json': {
          schema: z
            .object({ items: z.array(AuditEntrySchema), next_cursor: z.string().nullable() })
            .openapi('AuditPage'),
        },
      },
    },
    ...problems(400, 401, 403),
  },
});

export function auditRoutes(ctx: MonitorContext) {
  return createRouter().openapi(listAuditRoute, async (c) => {
    if (c.get('principal').role !== 'operator') {
      throw new Problem('forbidden', 'the audit log needs an operator token');
    }
    const q = c.req.valid('query');
    const beforeId = cursorOrProblem(q.cursor);
    const page = await listAuditPage(ctx.db, {
      since: q.since ? new Date(q.since) : undefined,
      actor: q.actor,
      action: q.action,
      beforeId,
      limit: q.limit,
    });
    return c.json(
      {
        items: page.items.map((e) => ({
          ...e,
          at: taipeiIso(e.at),
          details: maskJson(e.details) as Record<string, unknown>,
        })),
        next_cursor: page.nextBeforeId === null ? null : encodeCursor(page.nextBeforeId),
      },
      200,
    );
  });
}
