import { createRoute, z } from '@hono/zod-openapi';
import { problems } from '../problem.ts';
import { BankCodeSchema, CursorQuery, IdParam, Instant, LimitQuery, security } from '../schemas.ts';

const RetryStatus = z.enum(['pending', 'in_progress', 'done', 'manual_intervention', 'cancelled']);

export const RetryEntrySchema = z
  .object({
    id: z.number().int(),
    bank_code: BankCodeSchema,
    kind: z.string(),
    ref: z.string(),
    attempts: z.number().int(),
    due_at: Instant,
    status: RetryStatus,
    last_error: z.string().nullable(),
    error_class: z.string().nullable(),
    created_at: Instant,
    updated_at: Instant,
  })
  .openapi('RetryEntry', {
    example: {
      id: 9,
      bank_code: 'mega',
      kind: 'upload',
      ref: '17',
      attempts: 5,
      due_at: '2026-11-26T10:00:00.000+08:00',
      status: 'pending',
      last_error: 'connect ECONNREFUSED 127.0.0.1:20017',
      error_class: 'connection',
      created_at: '2026-11-26T06:00:45.000+08:00',
      updated_at: '2026-11-26T06:05:31.000+08:00',
    },
  });

export const listRetryQueueRoute = createRoute({
  method: 'get',
  path: '/retry-queue',
  tags: ['retry-queue'],
  summary: 'Retry-queue entries, newest first (open ones unless status is given)',
  security,
  request: {
    query: z.object({
      status: RetryStatus.optional().openapi({ param: { name: 'status', in: 'query' } }),
      bank_code: BankCodeSchema.optional().openapi({ param: { name: 'bank_code', in: 'query' } }),
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
            .object({ items: z.array(RetryEntrySchema), next_cursor: z.string().nullable() })
            .openapi('RetryEntryPage'),
        },
      },
    },
    ...problems(400, 401, 403),
  },
});

export const retryNowRoute = createRoute({
  method: 'post',
  path: '/retry-queue/{id}/retry',
  tags: ['retry-queue'],
  summary: 'Re-attempt one entry now (also entries parked in manual_intervention, once the cause is fixed)',
  security,
  request: { params: z.object({ id: IdParam }) },
  responses: {
    200: {
      description: 'The entry after the attempt',
      content: { 'application/json': { schema: RetryEntrySchema } },
    },
    ...problems(400, 401, 403, 404, 409, 422),
  },
});
