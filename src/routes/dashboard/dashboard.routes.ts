import { createRoute, z } from '@hono/zod-openapi';
import { problems } from '../problem.ts';
import { BankCodeSchema, Instant, IsoDay, security } from '../schemas.ts';

const Amounts = { count: z.number().int(), amount_cents: z.number().int() };

const BankDaySchema = z
  .object({
    date: IsoDay,
    batches: z.array(z.object({ state: z.string(), count: z.number().int(), total_cents: z.number().int() })),
    transactions: z.array(z.object({ status: z.string(), ...Amounts })),
    returns_by_reason: z.array(z.object({ code: z.string(), ...Amounts })),
    exceptions: z.object({ opened: z.number().int(), still_open: z.number().int() }),
    transfers: z.object({
      total: z.number().int(),
      succeeded: z.number().int(),
      failed: z.number().int(),
      success_rate: z.number().min(0).max(1).nullable(),
      latency_ms: z.object({ p50: z.number(), p95: z.number(), p99: z.number() }).nullable(),
    }),
  })
  .openapi('DashboardDay');

export const DashboardSchema = z
  .object({
    from: IsoDay,
    to: IsoDay,
    days: z.number().int(),
    generated_at: Instant,
    banks: z.array(z.object({ bank_code: BankCodeSchema, days: z.array(BankDaySchema) })),
  })
  .openapi('Dashboard', {
    example: {
      from: '2026-11-20',
      to: '2026-11-26',
      days: 1,
      generated_at: '2026-11-26T09:00:00.000+08:00',
      banks: [
        {
          bank_code: 'mega',
          days: [
            {
              date: '2026-11-26',
              batches: [{ state: 'uploaded', count: 1, total_cents: 1250000 }],
              transactions: [
                { status: 'returned', count: 1, amount_cents: 99900 },
                { status: 'settled', count: 11, amount_cents: 1150100 },
              ],
              returns_by_reason: [{ code: 'R01', count: 1, amount_cents: 99900 }],
              exceptions: { opened: 1, still_open: 1 },
              transfers: {
                total: 4,
                succeeded: 3,
                failed: 1,
                success_rate: 0.75,
                latency_ms: { p50: 180, p95: 950, p99: 990 },
              },
            },
          ],
        },
      ],
    },
  });

export const getDashboard = createRoute({
  method: 'get',
  path: '/dashboard',
  tags: ['dashboard'],
  summary: 'Per bank and day: batches, transactions, returns, exceptions, transfers',
  description:
    'Days are Asia/Taipei calendar days ending today. Transactions count on the day they were created. Recomputed ' +
    'at most every few seconds per `days` value.',
  security,
  request: {
    query: z.object({
      days: z.coerce
        .number()
        .int()
        .min(1)
        .max(90)
        .default(7)
        .openapi({ param: { name: 'days', in: 'query' }, example: 7 }),
    }),
  },
  responses: {
    200: { description: 'The dashboard figures', content: { 'application/json': { schema: DashboardSchema } } },
    ...problems(400, 401, 403),
  },
});
