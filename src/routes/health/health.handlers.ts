import type { RouteHandler } from '@hono/zod-openapi';
import { maskSensitiveText } from '../../domain/mask.ts';
import type { MonitorEnv } from '../auth/monitor-auth.ts';
import type { BankSnapshot } from '../ports.ts';
import type { MonitorContext } from '../router.ts';
import { taipeiIso } from '../schemas.ts';
import type { getHealth } from './health.routes.ts';

export function bankStatus(bank: BankSnapshot): 'healthy' | 'degraded' | 'down' {
  if (bank.breaker === 'open' || bank.health === 'down') return 'down';
  if (bank.breaker === 'half_open' || bank.health === 'degraded' || bank.manualIntervention) return 'degraded';
  return 'healthy';
}

export function buildHealth(ctx: MonitorContext) {
  const snapshot = ctx.ports.snapshot();
  const nextRun = snapshot.nextTicks.find((t) => t.event === 'PAYMENTS.GENERATE')?.at ?? null;
  const names = new Map(ctx.banks.map((b) => [b.bank_code, b]));
  const banks = snapshot.banks.map((b) => ({
    bank_code: b.bankCode,
    bank_name: names.get(b.bankCode)?.bank_name ?? b.bankCode,
    status: bankStatus(b),
    breaker: { state: b.breaker, open_until: taipeiIso(b.breakerOpenUntil) },
    connection: { health: b.health, last_error: b.lastError ? maskSensitiveText(b.lastError) : null },
    pool: b.pool,
    queue_size: b.queueSize,
    next_retry_at: taipeiIso(b.nextRetryAt),
    manual_intervention: b.manualIntervention
      ? { reason: maskSensitiveText(b.manualIntervention.reason), since: taipeiIso(b.manualIntervention.since) }
      : null,
    last_success_at: taipeiIso(b.lastSuccessAt),
    cutoff_time: names.get(b.bankCode)?.cutoff_time ?? '',
    next_payment_run_at: taipeiIso(nextRun),
    insecure_host_key: names.get(b.bankCode)?.insecure_host_key ?? false,
  }));
  return {
    status: banks.every((b) => b.status === 'healthy') ? ('healthy' as const) : ('degraded' as const),
    checked_at: taipeiIso(ctx.now()),
    banks,
    next_ticks: snapshot.nextTicks.map((t) => ({ event: t.event, at: taipeiIso(t.at) })),
    calendar_warnings: snapshot.calendarWarnings,
    payment_run: snapshot.runningPaymentRun
      ? { run_id: snapshot.runningPaymentRun.runId, started_at: taipeiIso(snapshot.runningPaymentRun.startedAt) }
      : null,
  };
}

export const healthHandlers = (ctx: MonitorContext) => ({
  getHealth: ((c) => {
    const body = buildHealth(ctx);
    return c.json(body, body.status === 'healthy' ? 200 : 503);
  }) satisfies RouteHandler<typeof getHealth, MonitorEnv>,
});
