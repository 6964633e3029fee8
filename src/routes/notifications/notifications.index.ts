/**
 * `GET /notifications`: the outbox of emails and webhooks, so a notice that could not be delivered is visible
 * (status failed, attempts, last error, when it is tried again; no next attempt = given up).
 */
import { createRoute, z } from '@hono/zod-openapi';
import { maskSensitiveText } from '../../domain/mask.ts';
import { listOutbox } from '../../infra/db/repositories/monitor-outbox.ts';
import { cursorOrProblem } from '../exceptions/exceptions.handlers.ts';
import { problems } from '../problem.ts';
import { createRouter, type MonitorContext } from '../router.ts';
import { CursorQuery, encodeCursor, Instant, LimitQuery, NullableInstant, security, taipeiIso } from '../schemas.ts';

const NotificationSchema = z
  .object({
    id: z.number().int(),
    channel: z.enum(['email', 'webhook']),
    subject: z.string(),
    status: z.enum(['pending', 'sent', 'failed', 'logged']),
    attempts: z.number().int(),
    error: z.string().nullable(),
    created_at: Instant,
    sent_at: NullableInstant,
    next_attempt_at: NullableInstant,
  })
  .openapi('Notification', {
    example: {
      id: 31,
      channel: 'email',
      subject: 'banking-sftp: bank ctbc is down (circuit breaker open)',
      status: 'failed',
      attempts: 2,
      error: 'connect ECONNREFUSED 10.0.0.25:25',
      created_at: '2026-11-26T09:02:00.000+08:00',
      sent_at: null,
      next_attempt_at: '2026-11-26T09:05:00.000+08:00',
    },
  });

export const listNotificationsRoute = createRoute({
  method: 'get',
  path: '/notifications',
  tags: ['notifications'],
  summary: 'Emails and webhooks sent or waiting for a retry, newest first',
  security,
  request: {
    query: z.object({
      status: z
        .enum(['pending', 'sent', 'failed', 'logged'])
        .optional()
        .openapi({ param: { name: 'status', in: 'query' } }),
      cursor: CursorQuery,
      limit: LimitQuery,
    }),
  },
  responses: {
    200: {
      description: 'One page of notices',
      content: {
        'application/json': {
          schema: z
            .object({ items: z.array(NotificationSchema), next_cursor: z.string().nullable() })
            .openapi('NotificationPage'),
        },
      },
    },
    ...problems(400, 401),
  },
});

export function notificationsRoutes(ctx: MonitorContext) {
  return createRouter().openapi(listNotificationsRoute, async (c) => {
    const q = c.req.valid('query');
    const page = await listOutbox(ctx.db, { status: q.status, beforeId: cursorOrProblem(q.cursor), limit: q.limit });
    return c.json(
      {
        items: page.items.map((n) => ({
          ...n,
          channel: n.channel,
          status: n.status as 'pending' | 'sent' | 'failed' | 'logged',
          subject: maskSensitiveText(n.subject),
          error: n.error ? maskSensitiveText(n.error) : null,
          created_at: taipeiIso(n.created_at),
          sent_at: taipeiIso(n.sent_at),
          next_attempt_at: taipeiIso(n.next_attempt_at),
        })),
        next_cursor: page.nextBeforeId === null ? null : encodeCursor(page.nextBeforeId),
      },
      200,
    );
  });
}
