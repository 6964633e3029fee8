import type { RouteHandler } from '@hono/zod-openapi';
import { taipeiDate } from '../../domain/taipei-time.ts';
import { type BankDays, dashboardByBankDay, dayRange } from '../../infra/db/repositories/monitor-dashboard.ts';
import type { MonitorEnv } from '../auth/monitor-auth.ts';
import type { MonitorContext } from '../router.ts';
import { taipeiIso } from '../schemas.ts';
import type { getDashboard } from './dashboard.routes.ts';

export interface DashboardData {
  from: string;
  to: string;
  days: number;
  generated_at: string;
  banks: BankDays[];
}

/**
 * One computation per `days` value at a time, reused for `cacheMs`: fifty operators refreshing at once cost one
 * set of queries, and the page refreshes every 30 s anyway.
 */
export function dashboardSource(ctx: MonitorContext) {
  const cache = new Map<number, { at: number; value: Promise<DashboardData> }>();
  return (days: number): Promise<DashboardData> => {
    const now = ctx.now();
    const hit = cache.get(days);
    if (hit && now.getTime() - hit.at < ctx.dashboardCacheMs) return hit.value;
    const range = dayRange(taipeiDate(now), days);
    const value = dashboardByBankDay(
      ctx.db,
      range,
      ctx.banks.map((b) => b.bank_code),
    ).then((banks) => ({ from: range.from, to: range.to, days, generated_at: taipeiIso(now), banks }));
    if (ctx.dashboardCacheMs > 0) {
      cache.set(days, { at: now.getTime(), value });
      value.catch(() => cache.delete(days));
    }
    return value;
  };
}

export const dashboardHandlers = (ctx: MonitorContext, source = dashboardSource(ctx)) => ({
  getDashboard: (async (c) => {
    const { days } = c.req.valid('query');
    return c.json(await source(days), 200);
  }) satisfies RouteHandler<typeof getDashboard, MonitorEnv>,
});
