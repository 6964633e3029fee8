import { createRoute, z } from '@hono/zod-openapi';
import { problems } from '../problem.ts';
import {
  BankCodeSchema,
  CursorQuery,
  freeText,
  IdParam,
  Instant,
  LimitQuery,
  NullableInstant,
  security,
} from '../schemas.ts';

export const ExceptionSchema = z
  .object({
    id: z.number().int(),
    bank_code: BankCodeSchema,
    kind: z.string(),
    ref: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()),
    status: z.enum(['open', 'resolved']),
    created_at: Instant,
    notified_at: NullableInstant,
    resolved_at: NullableInstant,
    resolved_by: z.string().nullable(),
    resolution: z.string().nullable(),
  })
  .openapi('Exception', {
    example: {
      id: 5,
      bank_code: 'mega',
      kind: 'amount_mismatch',
      ref: 'TX20261126000002',
      message: 'reconciliation amount 99800 differs from 99900',
      details: { file: 'REC_20261126_01.txt', line: 3 },
      status: 'open',
      created_at: '2026-11-26T10:30:04.000+08:00',
      notified_at: '2026-11-26T10:30:05.000+08:00',
      resolved_at: null,
      resolved_by: null,
      resolution: null,
    },
  });

export const listExceptionsRoute = createRoute({
  method: 'get',
  path: '/exceptions',
  tags: ['exceptions'],
  summary: 'Exceptions, newest first (open ones unless status=resolved)',
  security,
  request: {
    query: z.object({
      status: z
        .enum(['open', 'resolved', 'all'])
        .default('open')
        .openapi({ param: { name: 'status', in: 'query' } }),
      bank_code: BankCodeSchema.optional().openapi({ param: { name: 'bank_code', in: 'query' } }),
      cursor: CursorQuery,
      limit: LimitQuery,
    }),
  },
  responses: {
    200: {
      description: 'One page of exceptions',
      content: {
        'application/json': {
          schema: z
            .object({ items: z.array(ExceptionSchema), next_cursor: z.string().nullable() })
            .openapi('ExceptionPage'),
        },
      },
    },
    ...problems(400, 401, 403),
  },
});

export const resolveExceptionRoute = createRoute({
  method: 'post',
  path: '/exceptions/{id}/resolve',
  tags: ['exceptions'],
  summary: 'Mark an open exception resolved, with what was done',
  security,
  request: {
    params: z.object({ id: IdParam }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ resolution: freeText(z.string().trim().min(3).max(1000)) })
            .strict()
            .openapi('ResolveExceptionRequest', {
              example: { resolution: 'bank confirmed the fee deduction; amount corrected in ERP' },
            }),
        },
      },
    },
  },
  responses: {
    200: { description: 'The resolved exception', content: { 'application/json': { schema: ExceptionSchema } } },
    ...problems(400, 401, 403, 404, 409),
  },
});
