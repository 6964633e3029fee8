import { createRoute, z } from '@hono/zod-openapi';
import { problems } from '../problem.ts';
import { BankCodeSchema, freeText, Instant, IsoDay, security } from '../schemas.ts';

export const ClosureSchema = z
  .object({
    date: IsoDay,
    /** '*' = every bank */
    bank_code: z.string(),
    reason: z.string(),
    created_by: z.string(),
    created_at: Instant,
  })
  .openapi('Closure', {
    example: {
      date: '2026-12-09',
      bank_code: '*',
      reason: '颱風假: Taipei closed offices',
      created_by: 'ops-alice#3',
      created_at: '2026-12-08T21:05:00.000+08:00',
    },
  });

export const listClosures = createRoute({
  method: 'get',
  path: '/calendar/closures',
  tags: ['calendar'],
  summary: 'Ad-hoc closures (typhoon days), today and later unless `from` says otherwise',
  security,
  request: { query: z.object({ from: IsoDay.optional() }) },
  responses: {
    200: {
      description: 'The closures',
      content: { 'application/json': { schema: z.object({ closures: z.array(ClosureSchema) }) } },
    },
    ...problems(400, 401),
  },
});

export const declareClosure = createRoute({
  method: 'post',
  path: '/calendar/closures',
  tags: ['calendar'],
  summary: 'Declare a closure for a date (every bank, or one); batches already built for it wait (value_date_closed)',
  security,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              date: IsoDay,
              bank_code: BankCodeSchema.optional(),
              reason: freeText(z.string().trim().min(1).max(500)),
            })
            .strict()
            .openapi('DeclareClosureRequest', { example: { date: '2026-12-09', reason: '颱風假' } }),
        },
      },
    },
  },
  responses: {
    201: {
      description: 'The closure, in force on every instance within 10 s',
      content: {
        'application/json': {
          schema: ClosureSchema.extend({ stopped_batches: z.array(z.number().int()) }),
        },
      },
    },
    ...problems(400, 401, 403, 409),
  },
});

export const reopenClosure = createRoute({
  method: 'delete',
  path: '/calendar/closures/{date}',
  tags: ['calendar'],
  summary: 'Cancel a closure (the day is a business day again if the calendar says so)',
  security,
  request: {
    params: z.object({ date: IsoDay.openapi({ param: { name: 'date', in: 'path' } }) }),
    query: z.object({ bank_code: BankCodeSchema.optional() }),
  },
  responses: {
    204: { description: 'Closure removed' },
    ...problems(400, 401, 403, 404, 409),
  },
});
