/**
 * `GET /healthz`: liveness plus a database round-trip, for load balancers and the start-up smoke test.
 * 200 when the database answers, 503 otherwise. The richer operator view is the monitor API's /health.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../infra/db/schema.ts';

const HealthzSchema = z
  .object({
    status: z.enum(['ok', 'error']),
    database: z.object({
      status: z.enum(['ok', 'error']),
      kind: z.enum(['postgres', 'pglite']),
      latency_ms: z.number(),
      error: z.string().optional(),
    }),
  })
  .openapi('Healthz');

const route = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['health'],
  summary: 'Liveness and database check',
  responses: {
    200: { description: 'Service and database are up', content: { 'application/json': { schema: HealthzSchema } } },
    503: { description: 'Database unreachable', content: { 'application/json': { schema: HealthzSchema } } },
  },
});

export function healthzRoutes(deps: { db: Kysely<Database>; dbKind: 'postgres' | 'pglite' }) {
  return new OpenAPIHono().openapi(route, async (c) => {
    const started = performance.now();
    try {
      await sql`select 1`.execute(deps.db);
      const latency = Math.round((performance.now() - started) * 100) / 100;
      return c.json(
        { status: 'ok' as const, database: { status: 'ok' as const, kind: deps.dbKind, latency_ms: latency } },
        200,
      );
    } catch (error) {
      const latency = Math.round((performance.now() - started) * 100) / 100;
      return c.json(
        {
          status: 'error' as const,
          database: {
            status: 'error' as const,
            kind: deps.dbKind,
            latency_ms: latency,
            error: (error as Error).message,
          },
        },
        503,
      );
    }
  });
}
