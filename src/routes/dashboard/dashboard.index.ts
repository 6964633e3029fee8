/** `GET /dashboard?days=7`: figures per bank and Taipei day. */
import { createRouter, type MonitorContext } from '../router.ts';
import { dashboardHandlers, dashboardSource } from './dashboard.handlers.ts';
import { getDashboard } from './dashboard.routes.ts';

export function dashboardRoutes(ctx: MonitorContext, source = dashboardSource(ctx)) {
  const h = dashboardHandlers(ctx, source);
  return createRouter().openapi(getDashboard, h.getDashboard);
}
