import { createRoute, z } from '@hono/zod-openapi';
import { problems } from '../problem.ts';
import { BankCodeSchema, freeText, Instant, security } from '../schemas.ts';

export const resolveManualIntervention = createRoute({
  method: 'post',
  path: '/banks/{bank_code}/resolve-manual-intervention',
  tags: ['banks'],
  summary: 'Clear manual_intervention for a bank after fixing the cause',
  description:
    'Used after a critical failure (authentication refused, host key mismatch, PGP key problem, file rejected) has ' +
    'been fixed. The bank resumes, and its parked retry-queue entries become due.',
  security,
  request: {
    params: z.object({ bank_code: BankCodeSchema.openapi({ param: { name: 'bank_code', in: 'path' } }) }),
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({ note: freeText(z.string().trim().min(3).max(1000)) })
            .strict()
            .openapi('ResolveManualInterventionRequest', {
              example: { note: 'bank rotated its host key; new pin deployed' },
            }),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Manual intervention cleared',
      content: {
        'application/json': {
          schema: z
            .object({ bank_code: BankCodeSchema, resolved_by: z.string(), resolved_at: Instant })
            .openapi('ManualInterventionResolved', {
              example: { bank_code: 'mega', resolved_by: 'ops-alice#3', resolved_at: '2026-11-26T09:12:00.000+08:00' },
            }),
        },
      },
    },
    ...problems(400, 401, 403, 404, 409, 422),
  },
});
