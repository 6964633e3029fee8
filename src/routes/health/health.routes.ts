import { createRoute, z } from '@hono/zod-openapi';
import { problems } from '../problem.ts';
import { BankCodeSchema, Instant, NullableInstant, security } from '../schemas.ts';

const BankHealthSchema = z
  .object({
    bank_code: BankCodeSchema,
    bank_name: z.string(),
    status: z.enum(['healthy', 'degraded', 'down']),
    breaker: z.object({ state: z.enum(['closed', 'open', 'half_open']), open_until: NullableInstant }),
    connection: z.object({ health: z.enum(['healthy', 'degraded', 'down']), last_error: z.string().nullable() }),
    pool: z.object({ active: z.number().int(), idle: z.number().int(), waiting: z.number().int() }),
    queue_size: z.number().int(),
    next_retry_at: NullableInstant,
    manual_intervention: z.object({ reason: z.string(), since: Instant }).nullable(),
    last_success_at: NullableInstant,
    cutoff_time: z.string().openapi({ example: '15:30' }),
    next_payment_run_at: NullableInstant,
    insecure_host_key: z.boolean().openapi({
      description:
        'true: the bank accepts any SFTP host key (insecure_accept_any_host_key without a pin, outside the ' +
        'sandbox); a man in the middle would not be noticed',
    }),
  })
  .openapi('BankHealth');

export const HealthSchema = z
  .object({
    status: z.enum(['healthy', 'degraded']),
    checked_at: Instant,
    banks: z.array(BankHealthSchema),
    next_ticks: z.array(z.object({ event: z.string(), at: Instant })),
    calendar_warnings: z.array(z.string()),
    payment_run: z.object({ run_id: z.string(), started_at: Instant }).nullable(),
  })
  .openapi('Health', {
    example: {
      status: 'degraded',
      checked_at: '2026-11-26T09:00:00.000+08:00',
      banks: [
        {
          bank_code: 'mega',
          bank_name: '兆豐銀行',
          status: 'down',
          breaker: { state: 'open', open_until: '2026-11-26T09:05:00.000+08:00' },
          connection: { health: 'down', last_error: 'connect ECONNREFUSED 127.0.0.1:20017' },
          pool: { active: 0, idle: 0, waiting: 0 },
          queue_size: 1,
          next_retry_at: '2026-11-26T10:00:00.000+08:00',
          manual_intervention: null,
          last_success_at: '2026-11-26T06:00:41.000+08:00',
          cutoff_time: '15:30',
          next_payment_run_at: '2026-11-27T06:00:00.000+08:00',
          insecure_host_key: false,
        },
      ],
      next_ticks: [{ event: 'PAYMENTS.GENERATE', at: '2026-11-27T06:00:00.000+08:00' }],
      calendar_warnings: ['2027 holiday calendar is provisional'],
      payment_run: null,
    },
  });

export const getHealth = createRoute({
  method: 'get',
  path: '/health',
  tags: ['health'],
  summary: 'Overall and per-bank status',
  description:
    'Breaker, connection health, pool, retry queue, last success and next scheduled ticks per bank, plus calendar ' +
    'warnings. 503 with the same body when any active bank is not healthy.',
  security,
  responses: {
    200: { description: 'Every active bank is healthy', content: { 'application/json': { schema: HealthSchema } } },
    503: {
      description: 'At least one bank is degraded or down',
      content: { 'application/json': { schema: HealthSchema } },
    },
    ...problems(401, 403),
  },
});
