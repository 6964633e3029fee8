/** `GET /runs/{run_id}`: a payment run started by the clock or by `POST /batches/generate` (its `Location`). */
import { createRoute, z } from '@hono/zod-openapi';
import { findPaymentRun } from '../../infra/db/repositories/monitor-runs.ts';
import { Problem, problems } from '../problem.ts';
import { API_BASE, createRouter, type MonitorContext } from '../router.ts';
import { BankCodeSchema, Instant, IsoDay, NullableInstant, security, taipeiIso } from '../schemas.ts';

const RunId = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'expected a run id as returned by POST /batches/generate')
  .openapi({ param: { name: 'run_id', in: 'path' }, example: 'run-20261126-0912-a1b2' });

export const PaymentRunSchema = z
  .object({
    run_id: z.string(),
    trigger: z.string(),
    value_date: IsoDay,
    bank_codes: z.array(z.string()),
    status: z.enum(['running', 'succeeded', 'partial', 'failed']),
    error: z.string().nullable(),
    started_at: Instant,
    finished_at: NullableInstant,
    summary: z.record(z.string(), z.unknown()).nullable(),
    batches: z.array(
      z.object({
        id: z.number().int(),
        batch_number: z.string(),
        bank_code: BankCodeSchema,
        value_date: IsoDay,
        state: z.string(),
        transaction_count: z.number().int(),
        total_cents: z.number().int(),
        updated_at: Instant,
      }),
    ),
  })
  .openapi('PaymentRun');

export const getPaymentRun = createRoute({
  method: 'get',
  path: '/runs/{run_id}',
  tags: ['runs'],
  summary: 'One payment run: its status and the batches it built',
  security,
  request: { params: z.object({ run_id: RunId }) },
  responses: {
    200: { description: 'The run', content: { 'application/json': { schema: PaymentRunSchema } } },
    ...problems(400, 401, 404),
  },
});

/** Where `POST /batches/generate` points its `Location` header. */
export const runLocation = (runId: string) => `${API_BASE}/runs/${encodeURIComponent(runId)}`;

export function runsRoutes(ctx: MonitorContext) {
  return createRouter().openapi(getPaymentRun, async (c) => {
    const { run_id } = c.req.valid('param');
    const run = await findPaymentRun(ctx.db, run_id);
    if (!run) throw new Problem('not-found', `payment run ${run_id} does not exist`);
    const { id, started_at, finished_at, batches, ...rest } = run;
    return c.json(
      {
        run_id: id,
        ...rest,
        started_at: taipeiIso(started_at),
        finished_at: taipeiIso(finished_at),
        batches: batches.map((b) => ({ ...b, updated_at: taipeiIso(b.updated_at) })),
      },
      200,
    );
  });
}
