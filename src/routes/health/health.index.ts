/** `GET /health`: live status of every bank from the actors (no database round-trip). */
import { createRouter, type MonitorContext } from '../router.ts';
import { healthHandlers } from './health.handlers.ts';
import { getHealth } from './health.routes.ts';

export function healthRoutes(ctx: MonitorContext) {
  const h = healthHandlers(ctx);
  return createRouter().openapi(getHealth, h.getHealth);
}
