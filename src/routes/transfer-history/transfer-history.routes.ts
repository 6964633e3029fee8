import { createRoute, z } from '@hono/zod-openapi';
import { problems } from '../problem.ts';
import { BankCodeSchema, CursorQuery, Instant, LimitQuery, security } from '../schemas.ts';

const DayOrInstant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

export const TransferSchema = z
  .object({
    id: z.number().int(),
    bank_code: BankCodeSchema,
    direction: z.enum(['upload', 'download']),
    remote_path: z.string(),
    bytes: z.number().int(),
    sha256: z.string().nullable(),
    duration_ms: z.number().int(),
    attempt: z.number().int(),
    status: z.enum(['success', 'failure', 'already_done']),
    error: z.string().nullable(),
    error_class: z.string().nullable(),
    batch_id: z.number().int().nullable(),
    started_at: Instant,
  })
  .openapi('Transfer');

export const TransferPageSchema = z
  .object({ items: z.array(TransferSchema), next_cursor: z.string().nullable() })
  .openapi('TransferPage', {
    example: {
      items: [
        {
          id: 812,
          bank_code: 'mega',
          direction: 'upload',
          remote_path: '/incoming/payments/PAY_20261126_0001.txt',
          bytes: 4096,
          sha256: 'a3f1c2d4e5b6a7980123456789abcdef0123456789abcdef0123456789abcdef',
          duration_ms: 184,
          attempt: 1,
          status: 'success',
          error: null,
          error_class: null,
          batch_id: 17,
          started_at: '2026-11-26T06:00:41.120+08:00',
        },
      ],
      next_cursor: 'djE6ODEy',
    },
  });

export const getTransferHistory = createRoute({
  method: 'get',
  path: '/transfer-history',
  tags: ['transfers'],
  summary: 'Every upload and download, newest first, cursor-paginated',
  description:
    '`from`/`to` take a Taipei day (`2026-11-26`, whole day) or an instant with offset; `from` is inclusive, ' +
    '`to` includes that day (or is exclusive for an instant). Pass `next_cursor` as `cursor` for the next page.',
  security,
  request: {
    query: z.object({
      bank_code: BankCodeSchema.optional().openapi({ param: { name: 'bank_code', in: 'query' } }),
      direction: z
        .enum(['upload', 'download'])
        .optional()
        .openapi({ param: { name: 'direction', in: 'query' } }),
      status: z
        .enum(['success', 'failure', 'already_done'])
        .optional()
        .openapi({ param: { name: 'status', in: 'query' } }),
      from: DayOrInstant.optional().openapi({ param: { name: 'from', in: 'query' }, example: '2026-11-20' }),
      to: DayOrInstant.optional().openapi({ param: { name: 'to', in: 'query' }, example: '2026-11-26' }),
      cursor: CursorQuery,
      limit: LimitQuery,
    }),
  },
  responses: {
    200: { description: 'One page of transfers', content: { 'application/json': { schema: TransferPageSchema } } },
    ...problems(400, 401, 403),
  },
});
