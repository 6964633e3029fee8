/**
 * Builds the HTTP application from its parts. Each capability mounts its own routes here; tests build the app
 * with the same function and call `app.request()` without a server.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Kysely } from 'kysely';
import type { Database } from '../infra/db/schema.ts';
import { healthzRoutes } from './healthz/healthz.ts';

export interface AppDeps {
  db: Kysely<Database>;
  dbKind: 'postgres' | 'pglite';
}

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono();
  app.route('/', healthzRoutes(deps));
  return app;
}

export type App = ReturnType<typeof createApp>;
