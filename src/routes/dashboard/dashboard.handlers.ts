import type { RouteHandler } from '@hono/zod-openapi';
import { taipeiDate } from '../../domain/taipei-time.ts';
import { type BankDays, dashboardByBankDay, dayRange } from '../../infra/db/repositories/monitor-dashboard.ts';
import type { MonitorEnv } from '../auth/monitor-auth.ts';
import { jsonText } from '../json-text.ts';
import type { MonitorContext } from '../router.ts';
import { taipeiIso } from '../schemas.ts';
import { DashboardSchema, type getDashboard } from './dashboard.routes.ts';

export interface DashboardData {
  from: string;
  to: string;
  days: number;
  generated_at: string;
  banks: BankDays[];
}

/**
 * One computation per `days` value at a time, reused for `cacheMs`: fifty operators refreshing at once cost one
 * set of queries, and the page refreshes every 30 s anyway. Once a value is older than `cacheMs` (but younger
 * than twice that), callers get it at once while a single refresh runs behind them: making every caller wait
 * for the refresh stalled all fifty connections each time the cache expired, which alone set the p99. After
 * `2 × cacheMs` with no caller (an idle API), the next caller waits for fresh figures, so no answer is ever
 * older than `2 × cacheMs`.
 */
export function dashboardSource(ctx: MonitorContext) {
  interface Entry {
    at: number;
    value: Promise<DashboardData>;
    settled?: DashboardData;
    refreshing?: boolean;
  }
  const cache = new Map<number, Entry>();
  const compute = (days: number, now: Date): Promise<DashboardData> => {
    const range = dayRange(taipeiDate(now), days);
    return dashboardByBankDay(
      ctx.db,
      range,
      ctx.banks.map((b) => b.bank_code),
    ).then((banks) => ({ from: range.from, to: range.to, days, generated_at: taipeiIso(now), banks }));
  };
  const start = (days: number, now: Date): Entry => {
    const entry: Entry = { at: now.getTime(), value: compute(days, now) };
    entry.value.then(
      (data) => {
        entry.settled = data;
        // a slow refresh must not replace figures computed after it started
        if ((cache.get(days)?.at ?? Number.NEGATIVE_INFINITY) <= entry.at) cache.set(days, entry);
      },
      () => {
        if (cache.get(days) === entry) cache.delete(days);
      },
    );
    return entry;
  };
  return (days: number): Promise<DashboardData> => {
    const now = ctx.now();
    const maxAge = ctx.dashboardCacheMs;
    if (maxAge <= 0) return compute(days, now);
    const hit = cache.get(days);
    const age = hit ? now.getTime() - hit.at : Number.POSITIVE_INFINITY;
    if (hit && age < maxAge) return hit.value;
    if (hit?.settled && age < 2 * maxAge) {
      if (!hit.refreshing) {
        hit.refreshing = true;
        // a failed refresh leaves the last value in place until it ages out; the next caller tries again
        start(days, now).value.catch(() => {
          hit.refreshing = false;
        });
      }
      return Promise.resolve(hit.settled);
    }
    const entry = start(days, now);
    cache.set(days, entry);
    return entry.value;
  };
}

/** The JSON text of each computed value, so a cached dashboard is serialised once, not once per request. */
const serialised = new WeakMap<DashboardData, string>();
function toJson(data: DashboardData): string {
  let text = serialised.get(data);
  if (text === undefined) {
    text = JSON.stringify(data);
    serialised.set(data, text);
  }
  return text;
}

export const dashboardHandlers = (ctx: MonitorContext, source = dashboardSource(ctx)) => ({
  getDashboard: (async (c) => {
    const { days } = c.req.valid('query');
    return jsonText(c, DashboardSchema, toJson(await source(days)), 200);
  }) satisfies RouteHandler<typeof getDashboard, MonitorEnv>,
});
